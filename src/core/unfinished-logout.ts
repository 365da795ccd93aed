import { continuesLogin } from './login-lineage'
import type { JournaledLogout, LogoutJournal } from './logout-journal'
import { liveSession } from './record-actions'
import { recordStatusFor, type AuthenticationSession } from './session'
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
  /** Ends the noted session at `generation`, the record read (no grace, no wait for hydration: it must land before this page's own writes). */
  end(entry: JournaledLogout, generation: number): Promise<AuthenticationSession | null>
  /** Shows what the tab holds again (the logout did not land), and lets what waited for it be written (held-record.ts). */
  showHeld(): void
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
  const ends = (record: StoredRecord | null, noted: JournaledLogout) => liveSession(record)?.sessionId === noted.sessionId && continuesLogin(record, noted)
  const endedOf = (record: StoredRecord, noted: JournaledLogout) =>
    tombstoneOf(record.session!, noted.revokeReason, noted.revokedAt, recordStatusFor(noted.revokeReason))
  /** Ends the record read; if another tab stored a later write of the login first, ends that one (a few times at most). */
  const finish = async (noted: JournaledLogout, generation: number, tries = 3): Promise<AuthenticationSession | null> => {
    const ended = await deps.end(noted, generation)
    const now = deps.held()
    return ended || tries <= 1 || !ends(now, noted) ? ended : finish(noted, now!.generation, tries - 1)
  }
  return {
    endedView(record) {
      if (done) return underWay && entry && ends(record, entry) ? endedOf(record, entry) : null
      done = true
      entry = deps.journal.take().find((noted) => ends(record, noted))
      if (!entry) return null
      const noted = entry
      // Started once the record is held (a microtask later), still before any write that waits for hydration.
      finishing = Promise.resolve()
        .then(() => finish(noted, record.generation))
        .then((session) => ((endedGeneration = deps.held()?.generation), session))
        .catch(() => null)
      underWay = finishing.finally(() => {
        underWay = null
        deps.showHeld()
      })
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
