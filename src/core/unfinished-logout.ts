import { continuesLogin } from './login-lineage'
import type { JournaledLogout, LogoutJournal } from './logout-journal'
import type { AuthenticationSession } from './session'
import { tombstoneOf, type StoredRecord } from './stored-record'

/**
 * Finishes a logout this tab's previous page announced but may not have
 * stored (it reloaded or navigated away mid-write; see logout-journal.ts).
 * The note is checked against the first record read from storage: not
 * before (the database slow to open, a failed read, a sign-in held in
 * memory), or it would be used up against nothing and the logout lost. If
 * storage holds the record it names, or a later one of the same login (the
 * logging-out tab may have held a generation another tab had just moved
 * past), that record is shown ended from the start and ended, ahead of any
 * write this page asks for.
 */
export function createUnfinishedLogout(deps: {
  journal: LogoutJournal
  held(): StoredRecord | null
  /** Ends the noted session where it still applies to the stored record (no grace, no wait for hydration: it must land before this page's own writes). */
  end(entry: JournaledLogout): Promise<AuthenticationSession | null>
}): {
  endedView(record: StoredRecord): AuthenticationSession | null
  claim(): Promise<AuthenticationSession | null> | null
  /** Settles once a noted logout started on this page has been written (or refused); null if none is under way. */
  finishing(): Promise<unknown> | null
} {
  let done = false
  let finishing: Promise<AuthenticationSession | null> | null = null
  let underWay: Promise<unknown> | null = null
  let endedGeneration: number | undefined
  // The noted logout this page is finishing: until it lands, a later record of that login is shown ended too.
  let entry: JournaledLogout | undefined
  const endedOf = (record: StoredRecord, noted: JournaledLogout) => tombstoneOf(record.session!, noted.revokeReason, noted.revokedAt)
  return {
    endedView(record) {
      if (done) return underWay && entry && continuesLogin(record, entry) ? endedOf(record, entry) : null
      done = true
      entry = deps.journal.take().find((noted) => continuesLogin(record, noted))
      if (!entry) return null
      const noted = entry
      // Started once the record is held (a microtask later), still before any write that waits for hydration.
      finishing = Promise.resolve()
        .then(() => deps.end(noted))
        .then((session) => ((endedGeneration = deps.held()?.generation), session))
        .catch(() => null)
      // Refused (another login stored first), the write adopts what is stored, and endedView shows it as it is.
      underWay = finishing.finally(() => (underWay = null))
      return endedOf(record, noted)
    },
    /**
     * Once, and only while the tab still holds the record that logout wrote:
     * the session it ended. The previous page may have been a logout() that
     * never told the provider, so the next logout() (a /logout route
     * mounting again) tells it with this session's tokens.
     */
    finishing: () => underWay,
    claim() {
      const claimed = finishing
      finishing = null
      return claimed && claimed.then((session) => (session && deps.held()?.generation === endedGeneration ? session : null))
    },
  }
}
