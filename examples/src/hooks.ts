import { useEffect, useState } from 'react'
import type { SessionStore } from 'authsession'

/** The current time, updated every second (countdowns, derived fields). */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs)
    return () => clearInterval(timer)
  }, [intervalMs])
  return now
}

/** Tells the store about user activity (it updates lastActivityAt, and writes it at a bounded rate). */
export function useRecordActivity(store: SessionStore): void {
  useEffect(() => {
    const onActivity = () => store.recordActivity()
    document.addEventListener('pointerdown', onActivity)
    document.addEventListener('keydown', onActivity)
    return () => {
      document.removeEventListener('pointerdown', onActivity)
      document.removeEventListener('keydown', onActivity)
    }
  }, [store])
}
