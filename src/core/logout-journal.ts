import { isIsoDateTime } from './parse-session'
import { REVOKE_REASONS, type RevokeReason } from './session'

/** The slice of the Web Storage API the journal uses (sessionStorage by default). */
export type JournalStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>

/** A logout this tab decided on and announced, whose tombstone may not be stored yet. No tokens. */
export interface JournaledLogout {
  sessionId: string
  generation: number
  epoch?: string
  revokeReason: RevokeReason
  revokedAt: string
}

export interface LogoutJournal {
  note(entry: JournaledLogout): void
  /** Removes the entry if it is still this one (a later logout may have replaced it). */
  settle(entry: JournaledLogout): void
  /** The entry left by a page that went away before its tombstone was stored, removed as it is read; null if none or unreadable. */
  take(): JournaledLogout | null
}

const sessionStorageOrNull = (): JournalStorage | null => {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage
  } catch {
    return null // a sandboxed frame or blocked storage throws on access
  }
}

function parseEntry(raw: string): JournaledLogout | null {
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null) return null
  const entry = value as Record<string, unknown>
  const valid =
    typeof entry.sessionId === 'string' &&
    Number.isSafeInteger(entry.generation) &&
    (entry.generation as number) > 0 &&
    (entry.epoch === undefined || typeof entry.epoch === 'string') &&
    REVOKE_REASONS.includes(entry.revokeReason as RevokeReason) &&
    isIsoDateTime(entry.revokedAt)
  if (!valid) return null
  const { sessionId, generation, epoch, revokeReason, revokedAt } = entry as unknown as JournaledLogout
  return { sessionId, generation, ...(epoch === undefined ? {} : { epoch }), revokeReason, revokedAt }
}

/**
 * Why: `end()` resolves once the tombstone is stored, but apps often call it
 * and navigate (or reload) without waiting, and a page torn down mid-write
 * loses the IndexedDB transaction: with no other tab to confirm the logout,
 * the next page would hydrate the live session again. sessionStorage writes
 * are synchronous and outlive the page within its tab, so the logout is
 * noted there first and the next page of this tab finishes it. The entry
 * ends only the exact record it names (session, generation, epoch), so a
 * stale or tampered entry can at worst do nothing.
 */
export function createLogoutJournal(name: string, storage: JournalStorage | null | undefined): LogoutJournal {
  const key = `authsession:ending:${name}`
  const use = (act: (store: JournalStorage) => void) => {
    const store = storage === undefined ? sessionStorageOrNull() : storage
    if (!store) return
    try {
      act(store)
    } catch {
      // Full or blocked storage: the journal is a safety net, the logout goes on without it.
    }
  }
  return {
    note: (entry) => use((store) => store.setItem(key, JSON.stringify(entry))),
    settle: (entry) =>
      use((store) => {
        const current = store.getItem(key)
        const noted = current === null ? null : parseEntry(current)
        if (current !== null && (!noted || (noted.sessionId === entry.sessionId && noted.generation === entry.generation))) store.removeItem(key)
      }),
    take() {
      let found: JournaledLogout | null = null
      use((store) => {
        const raw = store.getItem(key)
        if (raw === null) return
        store.removeItem(key)
        found = parseEntry(raw)
      })
      return found
    },
  }
}
