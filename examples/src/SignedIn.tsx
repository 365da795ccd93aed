import { useSession, useSessionStore } from 'authsession/react'
import { ApiCall } from './ApiCall'
import { useNow } from './hooks'
import { IdlePrompt } from './IdlePrompt'
import { RefreshControls } from './RefreshControls'
import { SessionCard } from './SessionCard'
import { styles } from './styles'

/** The signed-in screen: the record, refresh, an API call, sign-out. */
export function SignedIn({ onSignOutFailed }: { onSignOutFailed: (message: string | null) => void }) {
  const store = useSessionStore()
  const { session, logout } = useSession()
  const now = useNow()
  if (!session) return null

  const signOut = () => {
    onSignOutFailed(null)
    // Ends the session in every tab, then goes to the provider's sign-out page. It
    // rejects (sign-out-failed) when the provider could not be told.
    logout().catch((cause: unknown) => onSignOutFailed(cause instanceof Error ? cause.message : String(cause)))
  }

  return (
    <>
      <IdlePrompt />
      <div style={{ ...styles.card, display: 'grid', gap: 10 }}>
        <div style={styles.row}>
          <span>
            Signed in as <b>{session.user.name ?? session.user.username ?? session.user.id}</b>
          </span>
          <button style={{ ...styles.button, marginLeft: 'auto' }} onClick={signOut}>
            Sign out
          </button>
        </div>
        <RefreshControls store={store} now={now} />
        <ApiCall />
      </div>
      <SessionCard session={session} derived={store.derived(now)} now={now} />
    </>
  )
}
