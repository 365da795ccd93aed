/**
 * A short, non-reversible name for a secret-bearing string (FNV-1a, 32 bits),
 * for lock names (navigator.locks.query() lists them) and stored markers.
 * Another `seed` gives an independent-enough second hash where 32 bits are too few.
 */
export function fingerprint(text: string, seed = 0x811c9dc5): string {
  let hash = seed
  for (let i = 0; i < text.length; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193)
  return (hash >>> 0).toString(36)
}
