import { mergeSession } from './merge-session'
import { liveSession } from './record-actions'
import type { StoredRecord } from './stored-record'

type Envelope = Omit<StoredRecord, 'version' | 'generation'>

/**
 * A change this tab made but could not store (a failed write): new tokens
 * from a refresh the provider already answered, a logout, a sign-in. It is
 * shown, and folded into every record this tab reads or writes until storage
 * takes it, because dropping it is worse than late: a dropped refresh result
 * sends the spent refresh token next time (invalid_grant, signed out); a
 * dropped logout leaves the user signed in.
 *
 * It only ever lands on the session it was made on. A logout stays the
 * newest word on its session whatever was written since; other changes are
 * dropped once storage holds other credentials (a newer sign-in, or another
 * tab's refresh, which only succeeds with valid credentials anyway).
 */
export function createUnsavedChange() {
  // `base`: the record the change was made on. A sign-in is made on no record
  // at all; `replaces` is the session it signed out of, if any.
  let pending: { next: Envelope; base: StoredRecord | null; replaces?: string } | null = null

  /** `stored` with the pending change folded in; null when there is nothing (any more) to fold. */
  const foldInto = (stored: StoredRecord | null): StoredRecord | null => {
    if (!pending) return null
    const { next, base } = pending
    const mine = liveSession(base)
    const theirs = liveSession(stored)
    if (!mine) {
      // A sign-in (or clear): it lands unless another sign-in, not the one it replaced, is stored meanwhile.
      if (theirs && theirs.sessionId !== pending.replaces && theirs.sessionId !== next.session?.sessionId) return drop()
      return { ...next, version: stored?.version ?? 0, generation: stored?.generation ?? 0, epoch: stored?.epoch }
    }
    if (!stored || !theirs || theirs.sessionId !== mine.sessionId) return drop()
    if (next.ended) return { ...stored, session: next.session, ended: true, reason: 'end' }
    if (theirs.refreshToken !== mine.refreshToken || !next.session) return drop()
    return {
      ...stored,
      session: mergeSession(mine, theirs, next.session),
      clockSkewMs: next.clockSkewMs ?? stored.clockSkewMs,
      tokensObtainedAt: next.tokensObtainedAt ?? stored.tokensObtainedAt,
      refreshedAt: next.refreshedAt ?? stored.refreshedAt,
    }
  }

  const drop = () => {
    pending = null
    return null
  }

  return {
    /** Records a change that failed to store, made on `base` (what the tab held). Several in a row keep the first base. */
    keep(next: Envelope, base: StoredRecord | null) {
      // What a sign-in replaces is what storage last held: with a change already pending, that is the pending one's starting point.
      const stored = pending ? (pending.replaces ?? liveSession(pending.base)?.sessionId) : liveSession(base)?.sessionId
      if (next.reason === 'sign-in' || next.reason === 'clear') pending = { next, base: null, replaces: stored }
      else pending = { next, base: pending ? pending.base : base, replaces: pending?.replaces }
    },
    foldInto,
    has: () => pending !== null,
    /** A sign-in not yet stored, over another session still stored: what the stored generation names is not what this tab shows. */
    replacesStored: () => !!pending && pending.base === null && !!pending.next.session && pending.next.session.sessionId !== pending.replaces,
    reason: () => pending?.next.reason ?? 'update',
    /** The pending change is a sign-in or clear: folded into a write, it starts a new login whatever the write's own reason. */
    startsLogin: () => !!pending && pending.base === null,
    clear: drop,
  }
}
