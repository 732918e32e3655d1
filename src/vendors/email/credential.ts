// The real token of an email vendor goes out as a single header value. A
// Secret with inner whitespace or control characters would break (or split)
// the header, so it is refused with a message for the operator.
import type { Refusal } from '../pack.ts';
import { refuse } from '../../refusal/catalog.ts';

export type HeaderSecret = { ok: true; value: string } | { ok: false; refusal: Refusal };

export function headerSecret(secret: string, vendor: string): HeaderSecret {
  const value = secret.trim();
  if (value !== '' && !/[\s\x00-\x1f\x7f]/.test(value)) return { ok: true, value };
  return {
    ok: false,
    refusal: refuse('credentialInvalid', vendor),
  };
}

/** Headers with `name` set to the token and every header in `drop` removed. */
export function withToken(headers: Record<string, string>, name: string, token: string, drop: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (key !== name && !drop.includes(key)) out[key] = value;
  }
  out[name] = token;
  return out;
}
