import { useSession } from '../../src/react'

/** The README quick start's Header, as far as readme-testing-your-app.test.tsx reads it (the README imports it from './app'). */
export function Header() {
  const { status, session, login, logout } = useSession()
  if (status === 'loading') return null
  if (status === 'unauthenticated') return <button onClick={() => login().catch(() => {})}>Sign in</button>
  return <button onClick={() => logout().catch(console.error)}>Sign out {session.user.username}</button>
}
