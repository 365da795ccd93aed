import { useState } from 'react'
import { useAccessToken } from 'authsession/react'
import { truncateToken } from './format'
import { styles } from './styles'

/** What an API call does first: ask for a token that is valid now. */
export function ApiCall() {
  const getAccessToken = useAccessToken()
  const [result, setResult] = useState<string | null>(null)

  const call = async () => {
    try {
      const token = await getAccessToken()
      // A real app would now send `Authorization: Bearer ${token}`.
      setResult(`Authorization: Bearer ${truncateToken(token)} at ${new Date().toLocaleTimeString()}`)
    } catch (cause) {
      setResult(`No token: ${cause instanceof Error ? cause.message : String(cause)}`)
    }
  }

  return (
    <div style={styles.row}>
      <button style={styles.button} onClick={() => void call()}>
        Call API with token
      </button>
      {result && <code data-testid="api-result">{result}</code>}
    </div>
  )
}
