import { AuthSessionError } from '../core/errors'
import { storageOrNull } from '../core/logout-journal'

// A sign-in left unfinished (the user closed the login page) must not hand its
// returnTo to a later, unrelated completeLogin() (an adoption on start).
const KEPT_FOR_MS = 60 * 60_000

/**
 * `returnTo` as a path of this page's origin (`/reports?id=1#top`), or an
 * error: after the callback the app navigates to it, and a value from a link's
 * query (`/login?next=https://evil.example`) must not take the user elsewhere.
 * An absolute URL of this origin is taken as its path.
 */
export function sameOriginPath(returnTo: string, origin: string): string {
  let url: URL | undefined
  try {
    url = new URL(returnTo, origin)
  } catch {
    url = undefined
  }
  // `//evil.example` and `/\evil.example` are other origins; so is `javascript:`. A path that
  // normalises to `//evil.example` (`/.//evil.example`) is this origin's, but read as another site.
  if (!url || url.origin !== origin || /^[/\\]{2}/.test(url.pathname)) {
    throw new AuthSessionError('sign-in-failed', 'login({ returnTo }): expected a path of this origin (an open redirect is refused)')
  }
  return url.pathname + url.search + url.hash
}

/** Keeps `returnTo` across the sign-in redirect, in this tab's sessionStorage under `key` (none given: any earlier one is dropped). */
export function keepReturnTo(key: string, returnTo: string | undefined): void {
  const storage = storageOrNull('sessionStorage')
  if (!storage) return
  const value = returnTo === undefined ? undefined : JSON.stringify({ returnTo: sameOriginPath(returnTo, location.origin), at: Date.now() })
  storage.removeItem(key) // an earlier sign-in's returnTo, whatever happens next
  try {
    if (value !== undefined) storage.setItem(key, value)
  } catch {
    // Full: the sign-in goes on, and the callback lands without a returnTo rather than the user staying here.
  }
}

/** The `returnTo` kept by `keepReturnTo`, once: it is removed as it is read. Only a recent, same-origin path comes back. */
export function takeReturnTo(key: string): string | undefined {
  const storage = storageOrNull('sessionStorage')
  const kept = storage?.getItem(key)
  if (!storage || kept == null) return undefined
  storage.removeItem(key)
  try {
    const { returnTo, at } = JSON.parse(kept) as { returnTo?: unknown; at?: unknown }
    const recent = typeof at === 'number' && Math.abs(Date.now() - at) < KEPT_FOR_MS
    return recent && typeof returnTo === 'string' ? sameOriginPath(returnTo, location.origin) : undefined
  } catch {
    return undefined // written by something else, or tampered with: no returnTo rather than a wrong one
  }
}
