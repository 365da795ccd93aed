import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react'
import { AuthSessionError } from '../core/errors'
import type { AuthenticationSession, RevokeReason } from '../core/session'
import type { SignInOptions } from '../core/source'
import { automaticSignIn, currentLocation, startSignIn } from './guard-sign-in'
import { useSession, useSessionStore, type SessionView } from './use-session'

/** What `RequireSession`'s `signedOut` gets to draw the signed-out screen with. */
export interface SignedOutProps {
  /** The ended record (its tokens removed), or null: nothing stored, and the automatic sign-in failed or the page came back from it. */
  session: AuthenticationSession | null
  /** Why the session ended (`user-logout`, `idle-timeout`, `token-expired`...): `session?.revokeReason`. */
  reason: RevokeReason | undefined
  /** Why the last sign-in this guard started failed (`sign-in-failed`: the provider unreachable); undefined otherwise. */
  error: Error | undefined
  /** Signs in to `returnTo`. Never rejects: a failure shows as `error` (and reaches `onError`). */
  login: () => Promise<void>
}

/** `RequireSession`'s props: all optional but `children`. */
export interface RequireSessionProps {
  /** Shown only while the session is `authenticated`. */
  children?: ReactNode
  /** Shown while the stored record is read and while the page leaves to sign in. Default: nothing. */
  loading?: ReactNode
  /**
   * Draws the signed-out screen (called as a function, not rendered as a
   * component: put hooks in a component it returns). Default: a short
   * unstyled message and a Sign in button.
   */
  signedOut?: ((props: SignedOutProps) => ReactNode) | undefined
  /** Where the callback should send the user: a path, or a function read as the sign-in starts. Default: the current path, search and hash. */
  returnTo?: string | (() => string) | undefined
  /** More of `login()`'s options (`extraParams`); `returnTo` is the prop's. */
  loginOptions?: Omit<SignInOptions, 'returnTo'> | undefined
  /** Called once for each sign-in this guard started that failed, but not for `logout-in-progress` (this tab's logout stands: no error). */
  onError?: ((error: Error) => void) | undefined
}

interface Attempt {
  /** The record shown when it started: an attempt stands only while that record is shown. */
  session: AuthenticationSession | null
  /** leaving: started, or the page is on its way to the provider; stayed: refused by a logout, or back from the provider. */
  phase: 'leaving' | 'stayed' | 'failed'
  error?: Error
}

const selectStatus = (view: SessionView) => view.status
const selectSession = (view: SessionView) => view.session

/**
 * Renders `children` only while signed in. With nothing stored (never signed
 * in here), it calls `login({ returnTo })` itself, once per mount (also under
 * StrictMode, and once for guards that mount together), and shows `loading`
 * while the page leaves. For an ended session (a sign-out, here or in another
 * tab, an idle timeout, a refused refresh) it shows `signedOut` instead of
 * signing in, so one tab's sign-out never sends every tab to the provider.
 * On the server it renders `loading`.
 */
export function RequireSession({ children, loading = null, signedOut = defaultSignedOut, returnTo, loginOptions, onError }: RequireSessionProps) {
  const store = useSessionStore()
  const status = useSession(selectStatus)
  const session = useSession(selectSession)
  const [attempt, setAttempt] = useState<Attempt | null>(null)
  const current = status === 'unauthenticated' && attempt?.session === session ? attempt : null
  const latest = useRef({ returnTo, loginOptions, onError })
  useEffect(() => {
    latest.current = { returnTo, loginOptions, onError }
  })
  useEffect(() => {
    if (status === 'authenticated') setAttempt(null)
  }, [status])

  const signIn = useCallback(
    (automatic: boolean): Promise<void> => {
      const shown = session
      const options = (): SignInOptions => {
        const { returnTo: target, loginOptions: more } = latest.current
        return { ...more, returnTo: typeof target === 'function' ? target() : (target ?? currentLocation()) }
      }
      setAttempt({ session: shown, phase: 'leaving' })
      const { promise, own } = automatic ? automaticSignIn(store, options) : { promise: startSignIn(store, options), own: true }
      return promise.then(
        () => {},
        (error: Error) => {
          if (error instanceof AuthSessionError && error.code === 'logout-in-progress') return setAttempt({ session: shown, phase: 'stayed' })
          setAttempt({ session: shown, phase: 'failed', error })
          if (own) latest.current.onError?.(error)
        },
      )
    },
    [store, session],
  )

  // Signs in on its own only with nothing stored, when that is first shown:
  // a failed sign-in is not retried in a loop (the signed-out screen offers
  // it). StrictMode's second effect joins the first's sign-in, still in
  // flight (automaticSignIn), as guards mounted together do.
  const neverSignedIn = status === 'unauthenticated' && session === null
  useEffect(() => {
    if (neverSignedIn) void signIn(true)
  }, [neverSignedIn, signIn])

  // Back from the provider through the back/forward cache: the page is as it
  // left, so without this it would show `loading` for good. The signed-out
  // screen, not another sign-in, which would make Back a trap.
  const leaving = current?.phase === 'leaving'
  useEffect(() => {
    if (!leaving) return
    const back = (event: PageTransitionEvent) => void (event.persisted && setAttempt((now) => (now?.phase === 'leaving' ? { ...now, phase: 'stayed' } : now)))
    addEventListener('pageshow', back)
    return () => removeEventListener('pageshow', back)
  }, [leaving])

  if (status === 'authenticated') return <>{children}</>
  if (status === 'loading' || leaving || (neverSignedIn && !current)) return <>{loading}</>
  const login = () => signIn(false)
  return <>{signedOut({ session, reason: session?.revokeReason, error: current?.error, login })}</>
}

function defaultSignedOut({ error, login }: SignedOutProps): ReactNode {
  const onClick = () => void login()
  return error ? (
    <p role="alert">
      Sign-in failed.{' '}
      <button type="button" onClick={onClick}>
        Try again
      </button>
    </p>
  ) : (
    <p>
      Signed out.{' '}
      <button type="button" onClick={onClick}>
        Sign in
      </button>
    </p>
  )
}
