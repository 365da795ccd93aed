import { useEffect, useState } from 'react'
import type { SessionStore } from 'authsession'
import { styles } from './styles'

/** When the next silent refresh is due, and a button to refresh now. */
export function RefreshControls({ store, now }: { store: SessionStore; now: number }) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const due = store.nextRefreshAt()
  const seconds = due === null ? null : Math.ceil((due - now) / 1000)
  // A refresh that worked since makes the last error old news: this tab's ('refreshed'), or another tab's (a change read from storage).
  useEffect(
    () => store.on((event) => (event.type === 'refreshed' || (event.type === 'change' && event.reason === 'refresh')) && setError(null)),
    [store],
  )

  const refreshNow = () => {
    setBusy(true)
    setError(null)
    store
      .refresh({ force: true })
      .catch((cause: unknown) => setError(cause instanceof Error ? cause.message : String(cause)))
      .finally(() => setBusy(false))
  }

  return (
    <div style={styles.row}>
      <span data-testid="countdown">
        {seconds === null
          ? 'No refresh scheduled'
          : seconds > 0
            ? `Next refresh in ${seconds} s`
            : navigator.onLine
              ? 'Refreshing…'
              : 'Offline: the refresh waits for the network'}
      </span>
      <button style={styles.button} onClick={refreshNow} disabled={busy}>
        {busy ? 'Refreshing…' : 'Refresh now'}
      </button>
      {error && <span style={styles.error}>{error}</span>}
    </div>
  )
}
