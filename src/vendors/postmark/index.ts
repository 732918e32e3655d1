// The Postmark pack: api.postmarkapp.com, JSON bodies with PascalCase fields,
// the server token in X-Postmark-Server-Token, cost by recipients counted
// across the comma lists of To, Cc and Bcc. Rules see the
// same derived fields as for Resend: `recipients` and `recipient_domains`,
// and a batch as `{emails: [...]}` (src/vendors/email/emails.ts).
import type { VendorPack } from '../pack.ts';
import { compileCatalog } from '../paths.ts';
import { estimateEmailCost, validateEmailEntry } from '../email/cost.ts';
import { headerSecret, withToken } from '../email/credential.ts';
import { emailFingerprint } from '../email/fingerprint.ts';
import { parseEmailRequest, shapesOf } from '../email/parse.ts';
import { POSTMARK_OPERATIONS } from './catalog.ts';
import { postmarkErrorResponse } from './errors.ts';

const SERVER_TOKEN = 'x-postmark-server-token';
// The account-level token manages servers and domains: never let an agent's one through.
const ACCOUNT_TOKEN = 'x-postmark-account-token';
const RECIPIENT_FIELDS = ['To', 'Cc', 'Bcc'] as const;
const IDENTITY = { from: 'From', subject: ['Subject', 'TemplateId', 'TemplateAlias'] } as const;
const shapeOf = shapesOf(POSTMARK_OPERATIONS);

export const postmarkPack: VendorPack = {
  id: 'postmark',
  hosts: ['api.postmarkapp.com'],
  operations: POSTMARK_OPERATIONS,
  identify: compileCatalog(POSTMARK_OPERATIONS),
  parse: (req, op) => parseEmailRequest(req, shapeOf(op.id), RECIPIENT_FIELDS),
  presentedKey: (headers) => {
    const key = headers[SERVER_TOKEN]?.trim();
    return key ? { key } : undefined;
  },
  applyCredential: (headers, secret) => {
    const token = headerSecret(secret, 'Postmark');
    return token.ok ? { ok: true, headers: withToken(headers, SERVER_TOKEN, token.value, [ACCOUNT_TOKEN]) } : token;
  },
  estimateCost: (op, body, prices) => estimateEmailCost('postmark', op, shapeOf(op.id), body, prices),
  loopFingerprint: (op, body) => emailFingerprint(op, body, IDENTITY, shapeOf(op.id).kind === 'emails'),
  responseRequestId: (headers) => headers['x-request-id'],
  errorResponse: postmarkErrorResponse,
  validateEntry: validateEmailEntry,
};
