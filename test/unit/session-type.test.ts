import { describe, expectTypeOf, it } from 'vitest'
import type { AuthenticationSession, DerivedSessionFields, JournalStorage, SessionState, SessionStoreOptions } from '../../src/index'
import type { SessionView } from '../../src/react'

/**
 * The record's TypeScript shape against the schema (spec 004): checked by
 * `npm run typecheck` (tsc reads this file), so a property made optional,
 * renamed or widened fails the build, not just a runtime parse.
 */
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T]
type OptionalKeys<T> = Exclude<keyof T, RequiredKeys<T>>

describe('AuthenticationSession type', () => {
  it('has exactly the required properties of the schema', () => {
    expectTypeOf<RequiredKeys<AuthenticationSession>>().toEqualTypeOf<
      'user' | 'sessionId' | 'status' | 'accessToken' | 'initiatedAt' | 'expiresAt' | 'lastActivityAt' | 'deviceInfo' | 'isMfaVerified'
    >()
  })

  it('has exactly the optional properties of the schema (plus the examples’ @type)', () => {
    expectTypeOf<OptionalKeys<AuthenticationSession>>().toEqualTypeOf<
      | 'refreshToken'
      | 'idToken'
      | 'tokenType'
      | 'scopes'
      | 'refreshTokenExpiresAt'
      | 'ipAddress'
      | 'location'
      | 'authenticationMethod'
      | 'identityProvider'
      | 'mfaVerifiedAt'
      | 'deviceTrustLevel'
      | 'revokedAt'
      | 'revokeReason'
      | 'metadata'
      | '@type'
    >()
  })

  it('types each property as the schema does', () => {
    expectTypeOf<AuthenticationSession['status']>().toEqualTypeOf<'active' | 'expired' | 'revoked' | 'terminated'>()
    expectTypeOf<NonNullable<AuthenticationSession['revokeReason']>>().toEqualTypeOf<
      'user-logout' | 'admin-revoke' | 'security-incident' | 'password-change' | 'idle-timeout' | 'token-expired'
    >()
    expectTypeOf<NonNullable<AuthenticationSession['deviceTrustLevel']>>().toEqualTypeOf<'trusted' | 'recognized' | 'unknown' | 'suspicious'>()
    expectTypeOf<AuthenticationSession['isMfaVerified']>().toEqualTypeOf<boolean>()
    expectTypeOf<NonNullable<AuthenticationSession['scopes']>>().toEqualTypeOf<string[]>()
    expectTypeOf<AuthenticationSession['sessionId']>().toEqualTypeOf<string>()
    expectTypeOf<AuthenticationSession['expiresAt']>().toEqualTypeOf<string>()
    // Open objects keep unknown keys.
    expectTypeOf<AuthenticationSession['deviceInfo']['appName']>().toEqualTypeOf<unknown>()
    expectTypeOf<NonNullable<AuthenticationSession['user']['username']>>().toEqualTypeOf<string>()
  })

  it('keeps the calculated properties out of the stored record', () => {
    expectTypeOf<Extract<keyof AuthenticationSession, keyof DerivedSessionFields>>().toEqualTypeOf<never>()
    expectTypeOf<DerivedSessionFields>().toEqualTypeOf<{ isExpired: boolean; durationMinutes: number; idleMinutes: number }>()
  })
})

describe('SessionState type', () => {
  it('the status narrows the session: the record when signed in, null while loading', () => {
    const narrowed = (state: SessionState) => {
      if (state.status === 'authenticated') expectTypeOf(state.session).toEqualTypeOf<AuthenticationSession>()
      else if (state.status === 'loading') expectTypeOf(state.session).toEqualTypeOf<null>()
      else expectTypeOf(state.session).toEqualTypeOf<AuthenticationSession | null>()
    }
    // useSession()'s view too, destructured as the README does.
    const destructured = (view: SessionView) => {
      const { status, session } = view
      if (status === 'authenticated') expectTypeOf(session.user.username).toEqualTypeOf<string | undefined>()
    }
    void narrowed
    void destructured
  })
})

describe('option types an app implements', () => {
  it('the logoutJournal option\'s type can be named (a Storage-like object of the app\'s own)', () => {
    expectTypeOf<JournalStorage>().toEqualTypeOf<NonNullable<SessionStoreOptions['logoutJournal']>>()
    expectTypeOf(sessionStorage).toExtend<JournalStorage>()
  })
})
