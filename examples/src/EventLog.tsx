import { useEffect, useRef, useState } from 'react'
import type { SessionEvent } from 'authsession'
import { useSessionStore } from 'authsession/react'
import { styles } from './styles'

const KEEP = 8

/** What happened, without secrets: type plus reason or error code. */
function describe(event: SessionEvent): string {
  switch (event.type) {
    case 'change':
      return `${event.reason} → ${event.status} (${event.source}, generation ${event.generation})`
    case 'hydrated':
      return event.status
    case 'refreshed':
      return `generation ${event.generation}`
    case 'refresh-failed':
      return `${event.error.code}, attempt ${event.attempt}`
    case 'storage-unavailable':
    case 'error':
      return event.error.code
    case 'write-refused':
      return `${event.reason} (held ${event.heldGeneration}, stored ${event.currentGeneration})`
    case 'message-rejected':
      return `${event.reason} (${event.count} so far)`
    case 'storage-recovered':
      return 'IndexedDB answered; following the shared record again'
  }
}

/** The last few events of this tab's store (`store.on`). */
export function EventLog() {
  const store = useSessionStore()
  const [lines, setLines] = useState<{ id: number; text: string }[]>([])
  // Kept across re-subscriptions (a new store after a hot update): the lines already shown keep their keys unique.
  const lastId = useRef(0)
  useEffect(() => {
    return store.on((event) => {
      const text = `${new Date().toLocaleTimeString()}  ${event.type}: ${describe(event)}`
      const id = ++lastId.current
      setLines((previous) => [{ id, text }, ...previous].slice(0, KEEP))
    })
  }, [store])

  return (
    <div style={styles.card}>
      <h2 style={styles.h2}>Events in this tab (newest first)</h2>
      {lines.length === 0 ? (
        <p style={styles.muted}>None yet.</p>
      ) : (
        <ul style={{ margin: 0, paddingLeft: 18, fontFamily: 'ui-monospace, monospace', fontSize: 13 }} data-testid="event-log">
          {lines.map((line) => (
            <li key={line.id}>{line.text}</li>
          ))}
        </ul>
      )}
    </div>
  )
}
