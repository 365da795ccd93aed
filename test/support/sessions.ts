import examples from '../fixtures/schema-examples.json'
import type { AuthenticationSession } from '../../src/index'

export const schemaExamples = examples as unknown[]

let counter = 0

/** A valid active session; `overrides` win. Times are relative to `now` (default: real time). */
export function makeSession(overrides: Partial<AuthenticationSession> = {}, now = Date.now()): AuthenticationSession {
  counter += 1
  return {
    '@type': 'AuthenticationSession',
    user: { '@type': 'User', username: 'alice', id: 'user-1' },
    sessionId: `sess_${counter}_${Math.random().toString(36).slice(2, 8)}`,
    status: 'active',
    accessToken: `at_${counter}_secret`,
    refreshToken: `rt_${counter}_secret`,
    idToken: `id_${counter}_secret`,
    tokenType: 'Bearer',
    scopes: ['openid', 'profile'],
    initiatedAt: new Date(now - 60_000).toISOString(),
    expiresAt: new Date(now + 3_600_000).toISOString(),
    lastActivityAt: new Date(now - 1_000).toISOString(),
    deviceInfo: { userAgent: 'test-agent', deviceType: 'desktop' },
    isMfaVerified: false,
    ...overrides,
  }
}

/** A fresh database name, so tests never share IndexedDB state by accident. */
export function uniqueDbName(prefix = 'test'): string {
  counter += 1
  return `${prefix}-${counter}-${Math.random().toString(36).slice(2, 8)}`
}
