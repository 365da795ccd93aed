/** What a provider's token endpoint answers, for unit tests that stub `fetch`. */

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** An unsigned JWT with these claims (oidc-client-ts only decodes ID tokens; it does not check signatures). */
export const jwt = (claims: object) => `${b64url({ alg: 'RS256' })}.${b64url(claims)}.signature`

/** A JSON response with `status`. */
export const json = (status: number, body: object) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
