// The parts of Ory Kratos's Session model (as `@ory/kratos-client` types it)
// that the mapping reads. Plain interfaces without index signatures, so the
// SDK's own `Session` (an interface, which has no implicit index signature)
// is assignable to them; its other fields are simply not read.

/** Kratos's `AuthenticatorAssuranceLevel`: `aal1` one factor, `aal2` a second one; the SDK also allows values it does not know. */
export type KratosAuthenticatorAssuranceLevel = 'aal0' | 'aal1' | 'aal2' | 'aal3' | (string & {})

/** One factor used to authenticate the session (Kratos's `SessionAuthenticationMethod`). */
export interface KratosSessionAuthenticationMethod {
  /** The assurance level this factor gave. */
  aal?: KratosAuthenticatorAssuranceLevel
  /** When the factor was completed (RFC 3339). */
  completed_at?: string
  /** `password`, `oidc`, `totp`, `webauthn`, `code`, `passkey`, `saml`, ... */
  method?: string
  /** The OIDC or SAML provider's id, for `oidc` and `saml`. */
  provider?: string
}

/** An endpoint the session was used from (Kratos's `SessionDevice`). */
export interface KratosSessionDevice {
  /** The device entry's id. */
  id: string
  /** The address it was used from: the record's `ipAddress`. */
  ip_address?: string
  /** Kratos's guess from the IP address, e.g. `Munich, DE`. */
  location?: string
  /** The browser's user agent as Kratos saw it. */
  user_agent?: string
}

/** Who the session belongs to (Kratos's `Identity`); `traits` follow your identity schema. */
export interface KratosIdentity {
  /** The identity's id: the record's `user.id`. */
  id: string
  /** Read for `email`, `username` and `name` (a string, or `{ first, last }`). */
  traits: unknown
  /** The identity schema's id (kept in `metadata.kratos`). */
  schema_id?: string
  /** `active` or `inactive` (kept in `metadata.kratos`). */
  state?: string
}

/** A Kratos session, as `/sessions/whoami` answers it (the `@ory/kratos-client` `Session` model). */
export interface KratosSession {
  /** The session's id: the record's `sessionId`. */
  id: string
  /** Must be true: the mapping refuses an inactive session. */
  active?: boolean
  /** When the last factor was completed (RFC 3339): a sign-in's `initiatedAt`. */
  authenticated_at?: string
  /** The factors used: the record's `authenticationMethod` (and `identityProvider` for `oidc` or `saml`). */
  authentication_methods?: KratosSessionAuthenticationMethod[]
  /** `aal2` or above: `isMfaVerified`. */
  authenticator_assurance_level?: KratosAuthenticatorAssuranceLevel
  /** Where the session was used: the first one gives `ipAddress`, `location` and the device's user agent. */
  devices?: KratosSessionDevice[]
  /** When the session ends (RFC 3339): the record's `expiresAt`. */
  expires_at?: string
  /** Who is signed in: `identity.id` is the record's `user.id`. */
  identity?: KratosIdentity
  /** When the session was issued: the login time when `authenticated_at` is missing. */
  issued_at?: string
}
