import type { CSSProperties } from 'react'

/** The few inline styles the example shares. */
export const styles = {
  page: { maxWidth: 860, margin: '0 auto', padding: '24px 16px', font: '14px/1.45 system-ui, sans-serif', color: '#1d2330' },
  card: { background: '#fff', border: '1px solid #d9dde5', borderRadius: 8, padding: 16, marginBottom: 16 },
  h2: { fontSize: 15, margin: '0 0 10px' },
  row: { display: 'flex', gap: 8, flexWrap: 'wrap', alignItems: 'center' },
  button: { font: 'inherit', padding: '6px 14px', borderRadius: 6, border: '1px solid #8a94a6', background: '#fff', cursor: 'pointer' },
  primary: { font: 'inherit', padding: '6px 14px', borderRadius: 6, border: '1px solid #2456c8', background: '#2f66e0', color: '#fff', cursor: 'pointer' },
  table: { borderCollapse: 'collapse', width: '100%' },
  key: { padding: '3px 12px 3px 0', verticalAlign: 'top', whiteSpace: 'nowrap', color: '#5a6478', fontFamily: 'ui-monospace, monospace', fontSize: 13 },
  value: { padding: '3px 0', verticalAlign: 'top', fontFamily: 'ui-monospace, monospace', fontSize: 13, wordBreak: 'break-all' },
  muted: { color: '#8a94a6' },
  note: { background: '#eef3ff', border: '1px solid #c9d8ff', borderRadius: 6, padding: '8px 12px', margin: '0 0 16px' },
  error: { color: '#b42318' },
} satisfies Record<string, CSSProperties>
