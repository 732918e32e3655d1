// Parsed views of email-sending bodies, shared by the email vendor packs.
// One email: the vendor's object plus the derived recipient fields.
// Several (batch): `{ emails: [each email as above], ...derived fields }`,
// the top-level derived fields covering every recipient of every email, so a
// rule written for a single send holds for a batch too.
import type { ParsedBody } from '../pack.ts';
import { caseClash, paramOf } from '../param-names.ts';
import { isPlainObject } from '../../guards.ts';
import { addressesOf, derivedFieldClash, summarize, withRecipients } from './recipients.ts';

export type EmailParse = { ok: true; body: ParsedBody } | { ok: false; message: string; param?: string };

/** One email object; `fields` are the vendor's recipient field names (`to`, `cc`, `bcc`). */
export function parseEmail(value: unknown, fields: readonly string[], where = 'the request body'): EmailParse {
  if (!isPlainObject(value)) return { ok: false, message: `${where} must be a JSON object (one email)` };
  const derived = derivedFieldClash(value);
  if (derived) {
    return { ok: false, param: derived, message: `${where} has a field "${derived}", which keybrake computes itself from ${fields.join('/')}; remove it` };
  }
  // A server that matches names case-insensitively could deliver to `to` while a rule judged `To`.
  const cased = caseClash(value);
  if (cased) return { ok: false, param: cased[1], message: `${where}: fields "${cased[0]}" and "${cased[1]}" differ only in case; send one` };
  const addresses: string[] = [];
  for (const field of fields) {
    const found = addressesOf(paramOf(value, field));
    if (!found) return { ok: false, param: field, message: `${where}: "${field}" must be a string or an array of strings` };
    addresses.push(...found);
  }
  return { ok: true, body: withRecipients(value, addresses) };
}

/** A list of email objects (a batch). An empty list is refused: it sends nothing and hides nothing useful. */
export function parseEmailList(value: unknown, fields: readonly string[], where = 'the request body'): EmailParse {
  if (!Array.isArray(value) || value.length === 0) return { ok: false, message: `${where} must be a non-empty JSON array of emails` };
  const emails: ParsedBody[] = [];
  const all: string[] = [];
  for (const [i, item] of value.entries()) {
    const one = parseEmail(item, fields, `email [${i}]`);
    if (!one.ok) return { ...one, param: one.param === undefined ? `${i}` : `${i}.${one.param}` };
    emails.push(one.body);
    all.push(...(one.body.recipients as string[]));
  }
  return { ok: true, body: { emails, ...summarize(all) } };
}

/** Emails and recipients of a parsed body: a batch (`emails` list) or one email. */
export function emailCounts(body: ParsedBody, batch: boolean): { emails: number; recipients: number } {
  const recipients = Array.isArray(body.recipients) ? body.recipients.length : 0;
  return { emails: batch && Array.isArray(body.emails) ? body.emails.length : 1, recipients };
}
