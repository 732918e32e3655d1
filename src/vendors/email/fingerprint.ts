// Loop-brake fingerprint of an email send: the same sender, subject (or
// template) and recipients again and again is a stuck agent, even when the
// body text differs by a timestamp. A batch is the same batch when every
// email in it is the same in that sense.
import type { Operation, ParsedBody } from '../pack.ts';

/** Vendor field names that identify "the same email" besides its recipients. */
export interface EmailIdentity {
  from: string;
  /** Subject, template id or alias: whichever the vendor uses. */
  subject: readonly string[];
}

function oneEmail(email: ParsedBody, identity: EmailIdentity): unknown[] {
  const recipients = Array.isArray(email.recipients) ? [...(email.recipients as string[])].sort() : [];
  return [email[identity.from], ...identity.subject.map((key) => email[key]), recipients];
}

export function emailFingerprint(op: Operation, body: ParsedBody, identity: EmailIdentity, batch: boolean): unknown[] {
  if (batch && Array.isArray(body.emails)) return [op.id, (body.emails as ParsedBody[]).map((e) => oneEmail(e, identity))];
  if (Array.isArray(body.recipients)) return [op.id, ...oneEmail(body, identity)];
  return [op.id, op.params];
}
