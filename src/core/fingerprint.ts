/**
 * A short name for a secret-bearing string (FNV-1a, 32 bits), for lock names
 * (navigator.locks.query() lists them) and stored markers. Not a secret-
 * keeping hash: it is used only on high-entropy values (a refresh token, a
 * callback URL with a one-time code), which it does not give away. Another
 * `seed` gives a second hash where 32 bits are too few to tell values apart.
 */
export function fingerprint(text: string, seed = 0x811c9dc5): string {
  let hash = seed
  for (let i = 0; i < text.length; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193)
  return (hash >>> 0).toString(36)
}
