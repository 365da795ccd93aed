import { useEffect, useState } from 'react'
import { useSession } from 'authsession/react'
import { styles } from './styles'

/** No session: a sign-in button, and how the last session ended, if it did. */
export function SignedOut({ signOutError }: { signOutError: string | null }) {
  const { session, login } = useSession()
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  // Back from the provider's page, the browser may restore this page as it was left (back/forward cache): "Redirecting…".
  useEffect(() => {
    const restored = (event: PageTransitionEvent) => event.persisted && setBusy(false)
    window.addEventListener('pageshow', restored)
    return () => window.removeEventListener('pageshow', restored)
  }, [])

  const signIn = () => {
    setBusy(true)
    setError(null)
    // Usually leaves the page for the provider; it comes back on /callback.
    login().catch((cause: unknown) => {
      setBusy(false)
      setError(cause instanceof Error ? cause.message : String(cause))
    })
  }

  return (
    <div style={styles.card} data-testid="signed-out">
      <h2 style={styles.h2}>Signed out</h2>
      {session?.revokedAt && (
        <p>
          The last session ended: <b>{session.revokeReason ?? 'unknown reason'}</b> at {session.revokedAt} (status{' '}
          {session.status}).
        </p>
      )}
      {signOutError && <p style={styles.error}>{signOutError}</p>}
      <button style={styles.primary} onClick={signIn} disabled={busy}>
        {busy ? 'Redirecting…' : 'Sign in'}
      </button>
      {error && <p style={styles.error}>{error}</p>}
    </div>
  )
}
