import { useIdlePrompt } from 'authsession/react'
import { idleTimeout } from './config'
import { styles } from './styles'

/** Signs out after the idle timeout (config.ts) in every tab at once; the prompt before it shows in every tab, and "Stay signed in" in one closes it in all. */
export function IdlePrompt() {
  const { prompting, remainingSeconds, stay } = useIdlePrompt(idleTimeout)
  if (!prompting) return null
  return (
    <div role="alertdialog" style={{ ...styles.card, ...styles.row }}>
      <span>Signing out in {remainingSeconds} s for inactivity.</span>
      <button style={{ ...styles.button, marginLeft: 'auto' }} onClick={stay}>
        Stay signed in
      </button>
    </div>
  )
}
