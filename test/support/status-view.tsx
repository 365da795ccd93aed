import { useSession } from '../../src/react'

/** Renders "status:username" (or "status:nobody") from the nearest SessionProvider. */
export function Status() {
  const { status, session } = useSession()
  return (
    <p>
      {status}:{session?.user.username ?? 'nobody'}
    </p>
  )
}
