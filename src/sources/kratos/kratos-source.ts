import { checkOptions } from '../../core/argument-checks'
import { AuthSessionError, RefreshError } from '../../core/errors'
import type { DeviceInfo } from '../../core/session'
import type { SessionSource, SourceResult } from '../../core/source'
import { leavePage } from '../leave-page'
import { keepReturnTo, takeReturnTo } from '../return-to'
import { refreshFailure, requestSession, serverErrorId, signInFailure, signOutFailure, type RequestDeps, type SessionAnswer } from '../session-request'
import type { KratosSession } from './kratos-types'
import { mapKratosSession } from './map-session'

/** `createKratosSource`'s options. */
export interface KratosSourceOptions {
  /** Kratos's public URL (`https://auth.example.com`, `http://127.0.0.1:4433`); its API must allow this origin with credentials (CORS), or sit on it. */
  basePath: string
  /** Where Kratos's login flow returns to (one of its `allowed_return_urls`); call `completeLogin()` there. Default `/callback` on this origin. */
  callbackUrl?: string | undefined
  /** Where Kratos sends the browser after logout (`return_to`, one of its `allowed_return_urls`). Default: Kratos's own setting, also used (with a console warning) when Kratos refuses this URL, so the sign-out still happens. */
  afterLogoutUrl?: string | undefined
  /** Default: the global `fetch`. */
  fetch?: typeof fetch | undefined
  /** How to leave the page for Kratos. Default `location.assign`, settling once the page is back or stayed (5 s). */
  navigate?: ((url: string) => unknown) | undefined
  /** Device facts for new sessions. Default: what the browser states (user agent, client hints). */
  deviceInfo?: (() => DeviceInfo) | undefined
  /** Timeout of each request to Kratos, in seconds. Default 10; 0 for none (a refresh still stops at the store's `timeoutMs`). */
  requestTimeoutSeconds?: number | undefined
  /** The source's `name` (for your logs). Default `kratos`. */
  name?: string | undefined
}

const OPTIONS = {
  basePath: 'string', callbackUrl: 'string', afterLogoutUrl: 'string', fetch: 'function', navigate: 'function',
  deviceInfo: 'function', requestTimeoutSeconds: 'seconds', name: 'string',
} as const

/** Kratos's answer to a session that needs a second factor before it may be used (`required_aal: highest_available`). */
export const AAL2_REQUIRED = 'session_aal2_required'

// Kratos's error id for a return_to outside selfservice.allowed_return_urls (text.ErrIDRedirectURLNotAllowed).
const RETURN_TO_FORBIDDEN = 'self_service_flow_return_to_forbidden'

/**
 * Ory Kratos browser sessions (its cookie, on Kratos's domain) over its public
 * API with plain fetch: sign-in through Kratos's login flow, refresh by
 * `GET /sessions/whoami` once per expiry for the browser, sign-out through
 * its logout flow. 401 from whoami ends the session in every tab; so does 403
 * `session_aal2_required`: the session still exists at Kratos, but cannot be
 * used until a second factor, which only a sign-in can ask for
 * (`login({ extraParams: { aal: 'aal2' } })`).
 */
export function createKratosSource(options: KratosSourceOptions): SessionSource {
  checkOptions('createKratosSource(options)', options ?? null, OPTIONS, true)
  let base: URL
  try {
    base = new URL(options.basePath)
  } catch {
    throw new AuthSessionError('invalid-argument', 'createKratosSource(options).basePath: expected the absolute URL of Kratos\'s public API')
  }
  const root = base.href.replace(/\/+$/, '')
  const name = options.name ?? 'kratos'
  const returnToKey = `authsession.returnTo.${name}`
  const deps: RequestDeps = {
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    timeoutMs: (options.requestTimeoutSeconds ?? 10) * 1000,
  }
  const navigate = options.navigate ?? leavePage
  const get = (url: string, signal?: AbortSignal) => requestSession(url, { method: 'GET', credentials: 'include', cache: 'no-store' }, deps, signal)
  const whoami = (signal?: AbortSignal) => get(`${root}/sessions/whoami`, signal)
  const map = (body: unknown, previous?: Parameters<typeof mapKratosSession>[1]) => mapKratosSession(body as KratosSession, previous, { deviceInfo: options.deviceInfo })
  const logoutFlow = (returnTo: string | undefined) => {
    const url = new URL(`${root}/self-service/logout/browser`)
    if (returnTo) url.searchParams.set('return_to', returnTo)
    return get(url.href).catch((cause: unknown) => {
      throw signOutFailure((cause as Error).message, cause)
    })
  }
  let warned = false
  /** Once per source: the refused URL and Kratos's setting to change, never the logout URL (it holds the flow's token). */
  const warnReturnToRefused = (url: string) => {
    if (warned) return
    warned = true
    console.warn(`authsession (${name}): Kratos refused afterLogoutUrl "${url}" (self_service_flow_return_to_forbidden: not in its selfservice.allowed_return_urls). Signing out without it: Kratos sends the browser to its default return URL instead. Add the URL to selfservice.allowed_return_urls, or change afterLogoutUrl.`)
  }

  return {
    name,

    async startSignIn({ returnTo, extraParams } = {}) {
      keepReturnTo(returnToKey, returnTo)
      const url = new URL(`${root}/self-service/login/browser`)
      // `aal`, `refresh`, `organization`, `via`: Kratos's own parameters; return_to is the callback's.
      for (const [key, value] of Object.entries(extraParams ?? {})) url.searchParams.set(key, value)
      url.searchParams.set('return_to', options.callbackUrl ?? `${location.origin}/callback`)
      await navigate(url.href)
    },

    async completeSignIn(): Promise<SourceResult> {
      const returnTo = takeReturnTo(returnToKey)
      let answer: SessionAnswer
      try {
        answer = await whoami()
        if (!answer.ok || answer.body === undefined) throw signInFailure(answer, returnTo)
        return { session: map(answer.body), clockSkewMs: answer.clockSkewMs, returnTo }
      } catch (cause) {
        if (cause instanceof AuthSessionError && cause.code === 'sign-in-failed') throw cause
        throw signInFailure(cause instanceof Error ? cause : new Error(String(cause)), returnTo)
      }
    },

    async refresh(previous, { signal }): Promise<SourceResult> {
      const answer = await whoami(signal)
      if (answer.status === 403 && serverErrorId(answer.body) === AAL2_REQUIRED) {
        throw new RefreshError('refresh-rejected', 'Kratos requires a second factor before this session may be used: sign in again (login({ extraParams: { aal: \'aal2\' } }))', { cause: { status: answer.status, body: answer.body }, providerError: AAL2_REQUIRED })
      }
      // Kratos answers 403 only for a second factor: another 403 comes from something in front of it (a WAF,
      // a CDN's challenge page), which says nothing of the session: retried, never a sign-out of every tab.
      if (!answer.ok || answer.body === undefined) throw refreshFailure(answer, [401])
      if ((answer.body as { active?: unknown }).active === false) {
        throw new RefreshError('refresh-rejected', 'Kratos answered that the session is no longer active', { providerError: 'session_inactive' })
      }
      // A mapping error (a field missing) is an invalid answer: the session is kept and the refresh retried.
      return { session: map(answer.body, previous), clockSkewMs: answer.clockSkewMs }
    },

    async signOut(_session, signOutOptions = {}) {
      const afterLogoutUrl = options.afterLogoutUrl || undefined
      let flow = await logoutFlow(afterLogoutUrl)
      // Kratos refuses a return_to outside selfservice.allowed_return_urls, and then ends nothing: the user who
      // clicked Sign out would stay signed in at Kratos (the next sign-in needing no password). Ending the session
      // matters more than where the browser lands: asked again without it, Kratos sends it to its default.
      if (afterLogoutUrl && flow.status === 400 && serverErrorId(flow.body) === RETURN_TO_FORBIDDEN) {
        warnReturnToRefused(afterLogoutUrl)
        flow = await logoutFlow(undefined)
      }
      // 401: Kratos holds no session for this browser (another tab's logout, an expiry): nothing left to end.
      if (flow.status === 401) return
      const logoutUrl = (flow.body as { logout_url?: unknown } | undefined)?.logout_url
      if (!flow.ok || typeof logoutUrl !== 'string') {
        throw signOutFailure(`Kratos's logout flow answered ${flow.status}${flow.ok ? ' without a logout_url' : ''}`, { status: flow.status, body: flow.ok ? undefined : flow.body })
      }
      if (signOutOptions.redirect !== false) return void (await navigate(logoutUrl))
      // Without leaving the page: Kratos ends the session and answers 204 to a JSON request.
      // (The logout URL holds the flow's token: it is never put in a message or cause.)
      const done = await get(logoutUrl).catch((cause: unknown) => {
        throw signOutFailure((cause as Error).message.replace(/\(.*\)$/, '').trim())
      })
      if (!done.ok && done.status !== 401) throw signOutFailure(`Kratos's logout answered ${done.status}`, { status: done.status, body: done.body })
    },
  }
}
