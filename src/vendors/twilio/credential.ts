// Twilio credentials: HTTP Basic, username = Account SID (or an API key SID),
// password = auth token (or the API key's secret).
//
// The agent sends Basic `AC…:kb_…` (or `SK…:kb_…`): its keybrake key stands in
// for the password. The Secret the sidecar mounts holds the real credential in
// one of two forms:
//   ACxxxxxxxx:authToken              account SID and auth token
//   ACxxxxxxxx:SKxxxxxxxx:keySecret   account SID, API key SID and its secret
// The Account SID is always there, because every account-scoped path names one
// and keybrake refuses a path whose account is not the credential's.
import type { Operation, PresentedKey, Refusal } from '../pack.ts';
import { refuse } from '../../refusal/catalog.ts';

export interface TwilioCredential {
  accountSid: string;
  /** Basic username sent upstream: the Account SID or the API key SID. */
  username: string;
  password: string;
}

const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;
const API_KEY_SID = /^SK[0-9a-fA-F]{32}$/;

/** Parse the Secret's content; throws with a message that never contains the secret. */
export function parseTwilioSecret(secret: string): TwilioCredential {
  const parts = secret.trim().split(':');
  const [accountSid, second, third] = parts;
  if (parts.length === 2 && ACCOUNT_SID.test(accountSid!) && second) {
    return { accountSid: accountSid!, username: accountSid!, password: second };
  }
  if (parts.length === 3 && ACCOUNT_SID.test(accountSid!) && API_KEY_SID.test(second!) && third) {
    return { accountSid: accountSid!, username: second!, password: third };
  }
  throw new Error('the Twilio secret must be "ACxxx:authToken" or "ACxxx:SKxxx:apiKeySecret"');
}

/** Username and password of a Basic Authorization header. */
export function readBasicAuth(headers: Record<string, string>): PresentedKey | undefined {
  const match = /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(headers['authorization'] ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { key: decoded.slice(colon + 1), principal: decoded.slice(0, colon) };
}

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/**
 * Account SID named in an account-scoped path (`/2010-04-01/Accounts/AC…/…`).
 * For paths outside the catalog it is read from the decoded path, case-
 * insensitively, so an encoded or re-cased path cannot reach another account
 * (a subaccount the real credential also controls). '' when undecodable.
 */
function pathAccountSid(path: string, op: Operation): string | undefined {
  if (op.params.AccountSid !== undefined) return op.params.AccountSid;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return '';
  }
  return /^\/+2010-04-01\/+Accounts\/+([^/.]+)/i.exec(decoded)?.[1];
}

export function applyTwilioCredential(
  headers: Record<string, string>,
  secret: string,
  req: { path: string; op: Operation },
): { ok: true; headers: Record<string, string> } | { ok: false; refusal: Refusal } {
  let credential: TwilioCredential;
  try {
    credential = parseTwilioSecret(secret);
  } catch (err) {
    return { ok: false, refusal: refuse('credentialInvalid', 'Twilio', `cannot be used: ${(err as Error).message}`) };
  }
  const sid = pathAccountSid(req.path, req.op);
  if (sid !== undefined && sid !== credential.accountSid) {
    const named = sid ? `account ${sid.slice(0, 64)}` : 'an account keybrake cannot read';
    return { ok: false, refusal: refuse('accountMismatch', named, credential.accountSid) };
  }
  return { ok: true, headers: { ...headers, authorization: basic(credential.username, credential.password) } };
}
