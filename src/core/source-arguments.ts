import { AuthSessionError } from './errors'
import { describe, isPlainObject } from './json-data'

/**
 * login() and logout() options from JavaScript, or read at runtime. Some
 * wrong ones are not refused anywhere later, only misread: `login('/path')`
 * reads as no options (the user comes back to the start page), extraParams
 * as a query string reaches the OIDC source as one parameter per character
 * (a step-up silently not asked for), `logout('idle-timeout')` ends the
 * session as `user-logout`. An object the method does not know (a click
 * event, from `onClick={login}`) is fine: it names none of the options.
 * Returns the error to reject with, or null.
 */
export function badOptions(method: 'login' | 'logout', options: unknown): AuthSessionError | null {
  const bad = (detail: string) => new AuthSessionError('invalid-argument', `${method}(options): ${detail}`)
  if (options === undefined) return null
  if (typeof options !== 'object' || options === null) {
    return bad(`expected an object (${method === 'login' ? '{ returnTo?, extraParams? }' : '{ reason?, redirect? }'}), got ${describe(options)}`)
  }
  // The OIDC source redirects unless `redirect` is false: 'false' (an env variable) or null would leave the page.
  const { redirect } = options as { redirect?: unknown }
  if (method === 'logout') return redirect === undefined || typeof redirect === 'boolean' ? null : bad(`redirect must be true or false, got ${describe(redirect)}`) // `reason` is checked as end()'s is
  const { returnTo, extraParams } = options as { returnTo?: unknown; extraParams?: unknown }
  if (returnTo !== undefined && typeof returnTo !== 'string') return bad(`returnTo must be a string, got ${describe(returnTo)}`)
  if (extraParams !== undefined && !isPlainObject(extraParams)) return bad(`extraParams must be an object of parameters, got ${describe(extraParams)}`)
  return null
}
