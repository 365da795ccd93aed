import { isIsoDateTime } from './parse-session'
import { REVOKE_REASONS, type RevokeReason } from './session'
import { isLoginGeneration } from './stored-record'

/**
 * The slice of the Web Storage API the journal uses (localStorage by default).
 * Spelled out rather than picked from the DOM's Storage, so the package's
 * types also compile in a server's project without the DOM lib.
 */
export interface JournalStorage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

/** A logout this tab decided on and announced, whose tombstone may not be stored yet. No tokens. */
export interface JournaledLogout {
  sessionId: string
  generation: number
  epoch?: string
  revokeReason: RevokeReason
  revokedAt: string
  /** The login an unconditional logout ended (see login-lineage.ts); absent: that exact record only. */
  loginGeneration?: number
}

export interface LogoutJournal {
  /** Whether the note outlives this tab: false when only sessionStorage took it (it outlives a reload, not a close) or nothing did. */
  note(entry: JournaledLogout): boolean
  /** Removes this entry (once storage decided about it); others stay. */
  settle(entry: JournaledLogout): void
  /** The entries left by pages that went away before their tombstones were stored, removed as they are read. */
  take(): JournaledLogout[]
}

// A few logouts at most wait at once (one failed on a full disk, then another): older ones beyond this are dropped.
const MAX_ENTRIES = 8
const same = (a: JournaledLogout, b: JournaledLogout) => a.sessionId === b.sessionId && a.generation === b.generation

/** A Web Storage of the page, or null where it is missing or refused. */
export const storageOrNull = (name: 'localStorage' | 'sessionStorage'): JournalStorage | null => {
  try {
    return globalThis[name] ?? null
  } catch {
    return null // a sandboxed frame or blocked storage throws on access
  }
}

/** The valid entries of a stored value; anything else in it (tampered, an older format) is left out. */
function parseEntries(raw: string | null): JournaledLogout[] {
  if (raw === null) return []
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    return []
  }
  return (Array.isArray(value) ? value : [value]).map(parseEntry).filter((entry): entry is JournaledLogout => entry !== null)
}

function parseEntry(value: unknown): JournaledLogout | null {
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
  const { sessionId, generation, epoch, revokeReason, revokedAt, loginGeneration } = entry as unknown as JournaledLogout
  const login = isLoginGeneration(loginGeneration, generation) ? { loginGeneration } : {}
  return { sessionId, generation, ...(epoch === undefined ? {} : { epoch }), revokeReason, revokedAt, ...login }
}

/**
 * Why: `end()` resolves once the tombstone is stored, but apps often call it
 * and navigate, reload or close the tab without waiting, and a page torn
 * down mid-write loses the IndexedDB transaction: with no other tab to
 * confirm the logout, the next page would hydrate the live session again.
 * Web Storage writes are synchronous and outlive the page, so the logout is
 * noted there first and the next page to start finishes it. localStorage,
 * not sessionStorage: a closed tab takes its sessionStorage with it, and the
 * next visit (a new tab) came back signed in. A page of another tab may so
 * finish a logout still under way here; both end the same record, and the
 * compare-and-set lets one tombstone land. The entry ends only the record it
 * names (session, generation, epoch) or a later one of the login it names
 * (login-lineage.ts), never a new login, so a stale or tampered entry can at
 * worst do nothing. It holds no tokens.
 */
export function createLogoutJournal(name: string, storage: JournalStorage | null | undefined): LogoutJournal {
  const key = `authsession:ending:${name}`
  // By default localStorage, and sessionStorage when it refuses the note (an
  // app that filled its quota): that one at least outlives a reload of this
  // tab. Opened only when needed: a page's first use of sessionStorage costs
  // the browser work, which a logout should not spend while other tabs draw.
  const fallback = () => (storage === undefined ? storageOrNull('sessionStorage') : null)
  const first = () => (storage === undefined ? storageOrNull('localStorage') : storage)
  const stores = (): JournalStorage[] => [first(), fallback()].filter((store) => store !== null)
  // Where this page's notes went, so settling one touches only that storage.
  const tookNote = new Map<string, JournalStorage>()
  const id = (entry: JournaledLogout) => `${entry.sessionId}\n${entry.generation}`
  // Full or blocked storage throws: the journal is a safety net, the logout goes on without it.
  const attempt = (act: () => void) => {
    try {
      act()
      return true
    } catch {
      return false
    }
  }
  const write = (store: JournalStorage, entries: JournaledLogout[]) =>
    entries.length === 0 ? store.removeItem(key) : store.setItem(key, JSON.stringify(entries.slice(-MAX_ENTRIES)))
  const without = (store: JournalStorage, entry: JournaledLogout) => parseEntries(store.getItem(key)).filter((noted) => !same(noted, entry))
  return {
    // Added to what is noted: an earlier logout that could not be stored (a full disk) must not be forgotten.
    note: (entry) => {
      const noteIn = (store: JournalStorage | null) => !!store && attempt(() => write(store, [...without(store, entry), entry]))
      const local = first()
      const taken = noteIn(local) ? local : noteIn(fallback()) ? fallback() : null
      if (taken) tookNote.set(id(entry), taken)
      return !!taken && taken === local
    },
    settle: (entry) => {
      const taken = tookNote.get(id(entry))
      tookNote.delete(id(entry))
      for (const store of taken ? [taken] : stores()) attempt(() => store.getItem(key) !== null && write(store, without(store, entry)))
    },
    take() {
      const found: JournaledLogout[] = []
      for (const store of stores()) {
        attempt(() => {
          const raw = store.getItem(key)
          if (raw === null) return
          store.removeItem(key)
          for (const entry of parseEntries(raw)) if (!found.some((noted) => same(noted, entry))) found.push(entry)
        })
      }
      return found
    },
  }
}
