// The one way keybrake compares a presented secret with the expected one:
// both are hashed to SHA-256 first, so timingSafeEqual always compares 32
// bytes and neither the content nor the length of the token leaks through
// timing. Admin (/kill, /revive) and the Alertmanager receiver use it.
import { createHash, timingSafeEqual } from 'node:crypto';

export function secretEquals(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** `Authorization: Bearer <token>` against the expected token; false when either is missing. */
export function bearerMatches(authorization: string | undefined, expected: string | undefined): boolean {
  const want = expected?.trim();
  if (!want) return false;
  const got = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  if (!got) return false;
  return secretEquals(got, want);
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}
