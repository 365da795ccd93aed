import type { AuthenticationSession, DerivedSessionFields } from 'authsession'
import { STORED_FIELDS, formatField } from './format'
import { styles } from './styles'

const listed = new Set<string>(STORED_FIELDS)

/** Every property of the session record, plus the three calculated ones. */
export function SessionCard({ session, derived, now }: { session: AuthenticationSession; derived: DerivedSessionFields | null; now: number }) {
  // Properties kept from the source beyond the schema's (e.g. `@type`).
  const extra = Object.keys(session).filter((key) => !listed.has(key))
  return (
    <div style={styles.card} data-testid="session-card">
      <h2 style={styles.h2}>Session record</h2>
      <table style={styles.table}>
        <tbody>
          {[...STORED_FIELDS, ...extra].map((key) => (
            <Row key={key} name={key} value={formatField(key, (session as unknown as Record<string, unknown>)[key], now)} />
          ))}
          <tr>
            <th colSpan={2} style={{ ...styles.h2, textAlign: 'left', padding: '14px 0 6px' }}>
              Calculated (never stored)
            </th>
          </tr>
          <Row name="isExpired" value={derived ? String(derived.isExpired) : undefined} />
          <Row name="durationMinutes" value={derived?.durationMinutes.toFixed(1)} />
          <Row name="idleMinutes" value={derived?.idleMinutes.toFixed(1)} />
        </tbody>
      </table>
    </div>
  )
}

function Row({ name, value }: { name: string; value: string | undefined }) {
  return (
    <tr data-testid={`field-${name}`}>
      <td style={styles.key}>{name}</td>
      <td style={styles.value}>{value ?? <span style={styles.muted}>— (not set)</span>}</td>
    </tr>
  )
}
