/** What `act` throws (undefined if it returns), for asserting on a synchronous error's fields. */
export function caught(act: () => unknown): unknown {
  try {
    act()
  } catch (error) {
    return error
  }
  return undefined
}
