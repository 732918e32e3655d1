// The agent presents its keybrake key the two ways Stripe accepts a key:
// `Authorization: Bearer <key>` (what stripe-node sends)
// or HTTP Basic with the key as the username and an empty password (curl -u).
// Outbound, only the real key goes, as a Bearer token.
import type { PresentedKey, Refusal } from '../pack.ts';
import { refuse } from '../../refusal/catalog.ts';

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;
const BASIC = /^Basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i;

export function stripePresentedKey(headers: Record<string, string>): PresentedKey | undefined {
  const auth = headers['authorization'];
  if (!auth) return undefined;
  const bearer = BEARER.exec(auth);
  if (bearer) return { key: bearer[1]! };
  const basic = BASIC.exec(auth);
  if (!basic) return undefined;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const key = colon === -1 ? decoded : decoded.slice(0, colon);
  return key === '' ? undefined : { key };
}

export function stripeApplyCredential(
  headers: Record<string, string>,
  secret: string,
): { ok: true; headers: Record<string, string> } | { ok: false; refusal: Refusal } {
  const key = secret.trim();
  // A key with inner whitespace or control characters would break (or split) the header.
  if (key === '' || /[\s\x00-\x1f\x7f]/.test(key)) {
    return {
      ok: false,
      refusal: refuse('credentialInvalid', 'Stripe'),
    };
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() !== 'authorization') out[name] = value;
  }
  out['authorization'] = `Bearer ${key}`;
  return { ok: true, headers: out };
}
