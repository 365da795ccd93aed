import { useCallback, useState } from 'react'
import { useSession } from 'authsession/react'
import { Callback } from './Callback'
import { isCallback } from './config'
import { EventLog } from './EventLog'
import { SignedIn } from './SignedIn'
import { SignedOut } from './SignedOut'
import { styles } from './styles'

/** Picks the screen for the session's status. */
export function App() {
  const status = useSession((view) => view.status)
  const [onCallback, setOnCallback] = useState(isCallback)
  const callbackDone = useCallback(() => setOnCallback(false), [])
  // logout() rejects after the session has ended here, once the signed-in screen is gone: keep what it said.
  const [signOutError, setSignOutError] = useState<string | null>(null)

  let screen
  if (onCallback) screen = <Callback onDone={callbackDone} />
  else if (status === 'loading') screen = <p>Loading the session…</p>
  else if (status === 'authenticated') screen = <SignedIn onSignOutFailed={setSignOutError} />
  else screen = <SignedOut signOutError={signOutError} />

  return (
    <main style={styles.page}>
      <h1 style={{ fontSize: 20, margin: '0 0 12px' }}>authsession example</h1>
      <p style={styles.note}>Open this page in a second tab: sign-in, refresh and sign-out reach every tab.</p>
      {screen}
      <EventLog />
    </main>
  )
}
