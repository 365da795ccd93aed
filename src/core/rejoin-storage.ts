import { liveSession } from './record-actions'
import type { SessionStoreInternals } from './store-types'
import type { StoredRecord } from './stored-record'

/**
 * IndexedDB answered after this tab had given up on it and kept the session
 * in memory. Memory's generations mean nothing to the shared record, so the
 * tab forgets them and follows IndexedDB again, carrying over only what the
 * user did here meanwhile and only where it cannot overrule another tab:
 * a sign-in is stored if no tab holds a live session; a logout ends the
 * stored session if it is the same one.
 */
export async function rejoinStorage(deps: {
  /** The record held from memory; the caller clears it before the first write. */
  fromMemory: StoredRecord | null
  commit: SessionStoreInternals['commit']
  holdLocally: SessionStoreInternals['holdLocally']
  reconcile(): Promise<void>
  /** A logout the previous page noted, being finished on the record storage answered with (see unfinished-logout.ts). */
  noteFinishing(): Promise<unknown> | null
}): Promise<void> {
  const mine = deps.fromMemory
  const live = liveSession(mine)
  if (mine?.session && (live || mine.ended)) {
    const { version: _version, generation: _generation, ...carried } = mine
    const offer = () =>
      deps.commit((current) => {
        const stored = liveSession(current)
        if (live) return stored ? null : carried
        return stored?.sessionId === mine.session!.sessionId ? carried : null
      }, live ? 'sign-in' : 'end')
    let result = await offer()
    // The live record that refused a sign-in made here is being ended (the
    // previous page's noted logout): once it is, nothing live is overruled.
    const finishing = !result.ok && live ? deps.noteFinishing() : null
    if (finishing) {
      await finishing
      result = await offer()
    }
    // Written, or refused and the stored record adopted by commit: either way the tab is in step.
    if (result.ok || result.current) return
    // The write failed: the change is kept in memory and offered again, under
    // the same rules (it lands only where it cannot overrule another tab).
    if (result.error && !result.newer) deps.holdLocally({ ...carried, reason: live ? 'sign-in' : 'end' })
  }
  await deps.reconcile()
}
