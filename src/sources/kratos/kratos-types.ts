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
  id: string
  ip_address?: string
  /** Kratos's guess from the IP address, e.g. `Munich, DE`. */
  location?: string
  user_agent?: string
}

/** Who the session belongs to (Kratos's `Identity`); `traits` follow your identity schema. */
export interface KratosIdentity {
  id: string
  /** Read for `email`, `username` and `name` (a string, or `{ first, last }`). */
  traits: unknown
  schema_id?: string
  state?: string
}

/** A Kratos session, as `/sessions/whoami` answers it (the `@ory/kratos-client` `Session` model). */
export interface KratosSession {
  id: string
  active?: boolean
  authenticated_at?: string
  authentication_methods?: KratosSessionAuthenticationMethod[]
  authenticator_assurance_level?: KratosAuthenticatorAssuranceLevel
  devices?: KratosSessionDevice[]
  expires_at?: string
  identity?: KratosIdentity
  issued_at?: string
}
