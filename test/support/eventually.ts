/** Polls `check` every `everyMs` until it passes, or fails with its last error after `timeoutMs`. */
export async function eventually(check: () => Promise<void>, timeoutMs = 5000, everyMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      await check()
      return
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, everyMs))
    }
  }
}
