import { RefreshError, type AuthenticationSession, type SessionSource, type SourceResult } from '../../src/index'
import type { FakeClock } from './fake-clock'
import { makeSession } from './sessions'

export interface FakeServerOptions {
  accessTokenTtlMs?: number
  /** Reuse of a rotated refresh token revokes the whole family (as oidc-provider does). Default true. */
  revokeFamilyOnReuse?: boolean
}

/**
 * An OAuth server in miniature with refresh-token rotation, on the server's
 * clock. Counts refreshes and invalid_grant answers, and can be told to fail.
 */
export class FakeTokenServer {
  refreshes = 0
  invalidGrants = 0
  private current = 'rt-0'
  private serial = 0
  private revoked = false
  private failures: Array<() => Error> = []
  private down = false

  constructor(
    private readonly clock: FakeClock,
    private readonly options: FakeServerOptions = {},
  ) {}

  private ttl = () => this.options.accessTokenTtlMs ?? 10 * 60_000

  /** A freshly signed-in session, as a sign-in callback would produce. */
  signInSession(overrides: Partial<AuthenticationSession> = {}): AuthenticationSession {
    this.serial += 1
    this.current = `rt-${this.serial}`
    this.revoked = false
    const now = this.clock.serverNow()
    return makeSession(
      {
        accessToken: `at-${this.serial}`,
        refreshToken: this.current,
        initiatedAt: new Date(now).toISOString(),
        lastActivityAt: new Date(now).toISOString(),
        expiresAt: new Date(now + this.ttl()).toISOString(),
        ...overrides,
      },
      now,
    )
  }

  failNext(...errors: Array<() => Error>) {
    this.failures.push(...errors)
  }

  setDown(down: boolean) {
    this.down = down
  }

  source(name = 'fake'): SessionSource {
    return {
      name,
      completeSignIn: async () => ({ session: this.signInSession(), clockSkewMs: this.clock.serverNow() - this.clock.now() }),
      refresh: async (session): Promise<SourceResult> => {
        if (this.down) throw new RefreshError('refresh-network', 'connection refused')
        const failure = this.failures.shift()
        if (failure) throw failure()
        this.refreshes += 1
        if (this.revoked || session.refreshToken !== this.current) {
          this.invalidGrants += 1
          if (this.options.revokeFamilyOnReuse ?? true) this.revoked = true
          throw new RefreshError('refresh-rejected', 'invalid_grant', { providerError: 'invalid_grant' })
        }
        this.serial += 1
        this.current = `rt-${this.serial}`
        const now = this.clock.serverNow()
        return {
          session: {
            ...session,
            accessToken: `at-${this.serial}`,
            refreshToken: this.current,
            expiresAt: new Date(now + this.ttl()).toISOString(),
          },
          // What a source estimates from the token's iat: server minus local.
          clockSkewMs: now - this.clock.now(),
        }
      },
    }
  }
}

/** `inner` with its first refresh answer held on the wire until `release()`: the provider has already rotated. */
export function firstAnswerHeld(inner: SessionSource): { source: SessionSource; release(): void } {
  let release!: () => void
  const gate = new Promise<void>((resolve) => (release = resolve))
  let first = true
  const source: SessionSource = {
    ...inner,
    refresh: async (session, context) => {
      const answer = await inner.refresh(session, context)
      if (first) {
        first = false
        await gate
      }
      return answer
    },
  }
  return { source, release: () => release() }
}
