/** The client credentials a revocation request carries (oidc-client-ts's settings names). */
export interface RevokingClient {
  client_id: string
  client_secret?: string
}

/**
 * Revokes a refresh token (RFC 7009) at `endpoint`, sending what oidc-client-ts
 * would (the token, its type, the client's id and secret), but reading the
 * answer as the RFC says: any 2xx means done, whatever its body. oidc-client-ts
 * parses that body as JSON, so a revocation that worked (oidc-provider answers
 * an empty text/plain, others "OK" or an HTML page) would be reported as failed.
 * Errors carry the provider's `error` and `error_description`, never the token.
 */
export async function revokeRefreshToken(endpoint: string, token: string, client: RevokingClient, timeoutSeconds: number): Promise<void> {
  const body = new URLSearchParams({ token, token_type_hint: 'refresh_token', client_id: client.client_id })
  if (client.client_secret) body.set('client_secret', client.client_secret)
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), timeoutSeconds * 1000)
  try {
    const response = await fetch(endpoint, { method: 'POST', body, signal: controller.signal })
    if (response.ok) return
    const answer = (await response.json().catch(() => null)) as { error?: unknown; error_description?: unknown } | null
    throw Object.assign(new Error(`The revocation endpoint answered ${response.status}`), {
      ...(typeof answer?.error === 'string' ? { error: answer.error } : {}),
      ...(typeof answer?.error_description === 'string' ? { error_description: answer.error_description } : {}),
    })
  } catch (cause) {
    throw controller.signal.aborted ? new Error('The revocation request timed out') : cause
  } finally {
    clearTimeout(timer)
  }
}
