import type { Page } from 'playwright-core'
import type { BrowserHarness } from '../../test/support/browser-harness'
import { makeSession, uniqueDbName } from '../../test/support/sessions'
import { openTabs, signIn } from '../../test/browser/tabs'
import { round as roundTo } from './report'

/** How the logout benchmark's rounds are driven; the numbers it reports are in logout.bench.ts. */
export const TABS = 8
export const ROUNDS = 24 // 3 per sender
const WARMUP_ROUNDS = 2 // not counted

/** Delays in ms, one per receiving tab and round (diagnostics: one per tab, or per round). */
export interface LogoutRounds {
  store: number[]
  floor: number[]
  reactFloor: number[]
  domFloor: number[]
  /** Per receiving tab in the authsession rounds: message in → store state changed, and state changed → rendered. */
  handled: number[]
  reactPart: number[]
  /** Per round: end() called → its write committed, in the sender. */
  committed: number[]
  perRound: Array<{ round: number; sender: number; storeMax: number; floorMax: number }>
  /** Per round: how many tabs reported `document.visibilityState === 'visible'`. */
  visibleTabs: number[]
}

/** Waits in the page until `read()` returns a number after `since`, and returns it. */
async function arrivedAfter(page: Page, since: number, read: 'rendered' | 'bare' | 'bare-dom' | 'bare-react', count = 0): Promise<number> {
  const handle = await page.waitForFunction(
    ([kind, after, n]) => {
      if (kind === 'rendered') {
        // renderedAt keeps the last time each status was shown, so a value from an earlier round is older than `after`.
        const at = window.__tab.renderedAt('unauthenticated')
        return at !== null && at >= after ? at : null
      }
      const received =
        kind === 'bare' ? window.__tab.bareReceived() : kind === 'bare-dom' ? window.__tab.bareWritten() : window.__tab.bareRendered()
      return received.length >= n ? received[n - 1]! : null
    },
    [read, since, count] as const,
    { polling: 20, timeout: 10_000 },
  )
  return (await handle.jsonValue()) as number
}

/** The same short pause before every measured post, whichever approach it is. */
const quiet = () => new Promise((resolve) => setTimeout(resolve, 30))

const allRendered = (tabs: Page[], status: string) =>
  Promise.all(
    tabs.map((tab) =>
      tab.waitForFunction((s) => window.__tab.rendered() === s, status, { polling: 20, timeout: 10_000 }),
    ),
  )

/**
 * One run of the logout rounds on `harness`'s tabs. With `front`, the sender
 * is brought to the front before its round, so it is the visible tab and the
 * receivers are background tabs, as when a user signs out in the tab they
 * are looking at (needs a one-window harness; otherwise every tab is visible).
 */
export async function runLogoutRounds(harness: BrowserHarness, { front }: { front: boolean }): Promise<LogoutRounds> {
  const tabs = await openTabs(harness, TABS, uniqueDbName('bench-logout'))
  const floorChannel = `bench-floor-${Math.random().toString(36).slice(2)}`
  const reactChannel = `${floorChannel}-react`
  const domChannel = `${floorChannel}-dom`
  await Promise.all(
    tabs.map((tab) =>
      tab.evaluate(
        ([bare, react, dom]) => (window.__tab.listenBare(bare!), window.__tab.listenBareReact(react!), window.__tab.listenBareDom(dom!)),
        [floorChannel, reactChannel, domChannel],
      ),
    ),
  )

  const store: number[] = []
  const floor: number[] = []
  const reactFloor: number[] = []
  const domFloor: number[] = []
  /** Per receiving tab in the authsession rounds: message in → store state changed, and state changed → rendered. */
  const handled: number[] = []
  const reactPart: number[] = []
  const committed: number[] = []
  const perRound: LogoutRounds['perRound'] = []
  const visibleTabs: number[] = []
  let posts = 0
  let reactPosts = 0
  let domPosts = 0
  for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round += 1) {
    const senderIndex = round % TABS
    const sender = tabs[senderIndex]!
    const receivers = tabs.filter((_, i) => i !== senderIndex)
    if (front) await sender.bringToFront()

    // Every measurement starts from the same quiet state (a browser delivers a
    // message to a renderer that has just been busy faster than to an idle
    // one), and their order rotates, so none always gets the warmer browser.
    const measureStore = async () => {
      // authsession: sign in (from another tab), wait for every tree, then end in the sender.
      await signIn(tabs[(senderIndex + 1) % TABS]!, makeSession())
      await allRendered(tabs, 'authenticated')
      await quiet()
      // Also note when end() resolved in the sender (its IndexedDB write committed),
      // to show how much of the delay a read-after-write design would add.
      const { endAt, committedAt } = await sender.evaluate(async () => {
        const at = await window.__tab.end('user-logout')
        return { endAt: at, committedAt: performance.timeOrigin + performance.now() }
      })
      committed.push(committedAt - endAt)
      const renderedAt = await Promise.all(receivers.map((tab) => arrivedAfter(tab, endAt, 'rendered')))
      await allRendered(tabs, 'unauthenticated')
      const steps = await Promise.all(
        receivers.map((tab) =>
          tab.evaluate((since) => ({ message: window.__tab.storeMessageAfter(since), state: window.__tab.stateAt('unauthenticated') }), endAt),
        ),
      )
      if (round >= WARMUP_ROUNDS) {
        steps.forEach(({ message, state }, i) => {
          handled.push(state! - message!)
          reactPart.push(renderedAt[i]! - state!)
        })
      }
      return renderedAt.map((at) => at - endAt)
    }
    const measureFloor = async () => {
      // Floor: one bare post from the same sender; every tab (the sender's own listener too) receives it.
      await quiet()
      const postAt = await sender.evaluate((name) => window.__tab.postBare(name), floorChannel)
      posts += 1
      return (await Promise.all(receivers.map((tab) => arrivedAfter(tab, postAt, 'bare', posts)))).map((at) => at - postAt)
    }
    // Diagnostic: the same post driving a bare zustand store and a React tree,
    // i.e. what React's render costs each receiving tab before any library code.
    const measureReactFloor = async () => {
      await quiet()
      const postAt = await sender.evaluate((name) => window.__tab.postBare(name), reactChannel)
      reactPosts += 1
      return (await Promise.all(receivers.map((tab) => arrivedAfter(tab, postAt, 'bare-react', reactPosts)))).map((at) => at - postAt)
    }
    // Diagnostic: the same post writing one DOM text node, no React.
    const measureDomFloor = async () => {
      await quiet()
      const postAt = await sender.evaluate((name) => window.__tab.postBare(name), domChannel)
      domPosts += 1
      return (await Promise.all(receivers.map((tab) => arrivedAfter(tab, postAt, 'bare-dom', domPosts)))).map((at) => at - postAt)
    }
    const order = [measureStore, measureFloor, measureDomFloor, measureReactFloor]
    // Rotate which goes first, so none always meets the warmest (or coldest) browser.
    const results = new Map<unknown, number[]>()
    for (let i = 0; i < order.length; i += 1) {
      const measure = order[(round + i) % order.length]!
      results.set(measure, await measure())
    }
    const storeDelays = results.get(measureStore)!
    const floorDelays = results.get(measureFloor)!

    if (round < WARMUP_ROUNDS) {
      committed.pop()
      continue
    }
    // Checked after the round, with the sender still where the round put it.
    const visibility = await Promise.all(tabs.map((tab) => tab.evaluate(() => document.visibilityState)))
    visibleTabs.push(visibility.filter((state) => state === 'visible').length)
    store.push(...storeDelays)
    floor.push(...floorDelays)
    reactFloor.push(...results.get(measureReactFloor)!)
    domFloor.push(...results.get(measureDomFloor)!)
    perRound.push({ round: round - WARMUP_ROUNDS, sender: senderIndex, storeMax: roundTo(Math.max(...storeDelays)), floorMax: roundTo(Math.max(...floorDelays)) })
  }
  await Promise.all(tabs.map((tab) => tab.close()))
  return { store, floor, reactFloor, domFloor, handled, reactPart, committed, perRound, visibleTabs }
}
