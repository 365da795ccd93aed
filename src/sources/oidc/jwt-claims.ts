/**
 * Reads a JWT's payload without verifying it: oidc-client-ts has already
 * validated the ID token it returned; here we only need its claims (iat,
 * auth_time, amr...) to fill the record. Returns null for anything that is
 * not a readable JWT, never throws.
 */
export function readJwtClaims(token: string | undefined): Record<string, unknown> | null {
  const payload = token?.split('.')[1]
  if (!payload) return null
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '=')
    const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0))
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes))
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims) ? (claims as Record<string, unknown>) : null
  } catch {
    return null
  }
}
