import { useEffect, useState } from 'react'
import { useSessionStore } from 'authsession/react'
import { completeLoginOnce } from './callback'
import { styles } from './styles'

/** The /callback page: exchanges the code, then hands over to the app. */
export function Callback({ onDone }: { onDone: () => void }) {
  const store = useSessionStore()
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    completeLoginOnce(store).then(onDone, (cause: unknown) => setError(cause instanceof Error ? cause.message : String(cause)))
  }, [store, onDone])

  if (!error) return <p>Completing sign-in…</p>
  return (
    <div style={styles.card}>
      <p style={styles.error}>{error}</p>
      <a href="/">Back to the start</a>
    </div>
  )
}
