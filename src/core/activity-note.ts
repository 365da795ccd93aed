import { EARLIEST_ISO_MS, LATEST_ISO_MS } from './clock'
import { storageOrNull } from './logout-journal'

/**
 * Activity a page showed but could not store before it went away. A page
 * being reloaded (or navigated away from) starts its held-back activity write
 * as it unloads, but the write is a read then a put in one transaction: the
 * page is gone before the read answers, and the write is lost. Web Storage
 * writes are synchronous, so the page notes the activity in sessionStorage
 * (it outlives a reload, and belongs to this tab alone) and the next page of
 * this tab writes it once it has read the stored record. The note holds a
 * session id and a time, no token. Another script of the origin can write
 * it: read back, it is checked, and anything else is ignored.
 */
export interface NotedActivity {
  sessionId: string
  /** When the activity was (ms since 1970, on this device's clock). */
  at: number
}

export interface ActivityNote {
  /** Notes the activity (replacing any note but a later one of that session); quietly does nothing when storage refuses. */
  put(activity: NotedActivity): void
  /** The note left by the previous page of this tab, removed as it is read; null if none or unreadable. */
  take(): NotedActivity | null
}

// A session id is an opaque string, but not an unbounded one: a note longer than this is not one we wrote.
const MAX_NOTE_LENGTH = 4096

function parseNotedActivity(raw: string): NotedActivity | null {
  if (raw.length > MAX_NOTE_LENGTH) return null
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null) return null
  const { sessionId, at } = value as Record<string, unknown>
  if (typeof sessionId !== 'string' || sessionId.length === 0) return null
  if (typeof at !== 'number' || !Number.isFinite(at) || at < EARLIEST_ISO_MS || at > LATEST_ISO_MS) return null
  return { sessionId, at }
}

/** Opens sessionStorage only when used (on a page's way out, and once its record is read), never at import. */
export function createActivityNote(name: string): ActivityNote {
  const key = `authsession:activity:${name}`
  return {
    put({ sessionId, at }) {
      try {
        const storage = storageOrNull('sessionStorage')
        // Another store of this record in the tab (a same-origin frame shares sessionStorage) may have noted later activity of that session on this same unload.
        const earlier = parseNotedActivity(storage?.getItem(key) ?? '')
        if (earlier?.sessionId === sessionId && earlier.at >= at) return
        storage?.setItem(key, JSON.stringify({ sessionId, at }))
      } catch {
        // Full or blocked: the activity is lost as it was before notes; the session is unaffected.
      }
    },
    take() {
      try {
        const storage = storageOrNull('sessionStorage')
        const raw = storage?.getItem(key) ?? null
        if (raw === null) return null
        storage!.removeItem(key)
        return parseNotedActivity(raw)
      } catch {
        return null
      }
    },
  }
}
