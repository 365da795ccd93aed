import type { Clock } from '../../src/index'

interface Timer {
  id: number
  at: number
  callback: () => void
}

/** Lets real I/O (fake-indexeddb schedules with setImmediate, BroadcastChannel) settle between fake ticks. */
export const settle = async (rounds = 4) => {
  for (let i = 0; i < rounds; i += 1) await new Promise((resolve) => setTimeout(resolve, 2))
}

/**
 * A clock the test moves by hand. `offsetMs` makes this device's wall clock
 * wrong by that much relative to `serverNow()`. Only the injected clock is
 * fake: real timers keep running, so IndexedDB and BroadcastChannel work.
 */
export class FakeClock implements Clock {
  private timers: Timer[] = []
  private nextId = 1
  private server: number

  constructor(start = Date.parse('2026-11-23T12:00:00Z'), public offsetMs = 0) {
    this.server = start
  }

  now = (): number => this.server + this.offsetMs
  serverNow = (): number => this.server
  /** Elapsed time: the server's clock, which the device's wall clock runs `offsetMs` apart from. */
  monotonic = (): number => this.server

  setTimeout = (callback: () => void, ms: number): unknown => {
    const timer = { id: this.nextId++, at: this.now() + Math.max(0, ms), callback }
    this.timers.push(timer)
    return timer.id
  }

  clearTimeout = (handle: unknown): void => {
    this.timers = this.timers.filter((timer) => timer.id !== handle)
  }

  pending(): number {
    return this.timers.length
  }

  /** Moves time forward, firing due timers in order and letting I/O settle after each. */
  async advance(ms: number): Promise<void> {
    const target = this.now() + ms
    for (;;) {
      const due = this.timers.filter((timer) => timer.at <= target).sort((a, b) => a.at - b.at)[0]
      if (!due) break
      this.timers = this.timers.filter((timer) => timer !== due)
      this.server += Math.max(0, due.at - this.now())
      due.callback()
      await settle()
    }
    this.server += Math.max(0, target - this.now())
    await settle()
  }

  /** The device's wall clock is set back by `ms` (a user fixing it): pending timers still fire after the time they were set for. */
  setBack(ms: number): void {
    this.offsetMs -= ms
    for (const timer of this.timers) timer.at -= ms
  }

  /** Time passes with no timer firing: a sleeping laptop, a frozen tab. */
  sleep(ms: number): void {
    this.server += ms
  }
}
