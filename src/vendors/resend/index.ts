// The Resend pack: api.resend.com, JSON bodies, Bearer credentials, cost by
// recipients. Rules see each send with derived fields
// `recipients` and `recipient_domains`; a batch as `{emails: [...]}` with the
// same fields covering every email (src/vendors/email/emails.ts).
import type { VendorPack } from '../pack.ts';
import { compileCatalog } from '../paths.ts';
import { validateEmailEntry } from '../email/cost.ts';
import { headerSecret, withToken } from '../email/credential.ts';
import { emailFingerprint } from '../email/fingerprint.ts';
import { parseEmailRequest, shapesOf } from '../email/parse.ts';
import { RESEND_OPERATIONS } from './catalog.ts';
import { estimateResendCost } from './cost.ts';
import { resendErrorResponse } from './errors.ts';

const RECIPIENT_FIELDS = ['to', 'cc', 'bcc'] as const;
const IDENTITY = { from: 'from', subject: ['subject', 'template'] } as const;
const shapeOf = shapesOf(RESEND_OPERATIONS);

function bearer(headers: Record<string, string>): string | undefined {
  const match = /^bearer\s+(\S+)\s*$/i.exec(headers['authorization'] ?? '');
  return match?.[1];
}

export const resendPack: VendorPack = {
  id: 'resend',
  hosts: ['api.resend.com'],
  operations: RESEND_OPERATIONS,
  identify: compileCatalog(RESEND_OPERATIONS),
  parse: (req, op) => parseEmailRequest(req, shapeOf(op.id), RECIPIENT_FIELDS),
  presentedKey: (headers) => {
    const key = bearer(headers);
    return key === undefined ? undefined : { key };
  },
  applyCredential: (headers, secret) => {
    const token = headerSecret(secret, 'Resend');
    return token.ok ? { ok: true, headers: withToken(headers, 'authorization', `Bearer ${token.value}`) } : token;
  },
  estimateCost: (op, body, prices) => estimateResendCost(op, shapeOf(op.id), body, prices),
  loopFingerprint: (op, body) => emailFingerprint(op, body, IDENTITY, shapeOf(op.id).kind === 'emails'),
  responseRequestId: (headers) => headers['x-request-id'],
  errorResponse: resendErrorResponse,
  validateEntry: validateEmailEntry,
};
