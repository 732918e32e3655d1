// Resend operations keybrake knows by name (paths from resend-node
// src/**/*.ts). Billable ones send email: they need a cost model in the pack
// or are refused. `body` says how each write's JSON body is read.
import type { BodyShape, EmailOperationDef } from '../email/parse.ts';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

const OBJECT: BodyShape = { kind: 'object' };

function op(id: string, method: Method, path: string, billable = false, body: BodyShape = OBJECT): EmailOperationDef {
  return { id, method, path, billable, body };
}

export const RESEND_OPERATIONS: readonly EmailOperationDef[] = [
  op('emails.send', 'POST', '/emails', true, { kind: 'email' }),
  op('emails.batch', 'POST', '/emails/batch', true, { kind: 'emails' }),
  // A broadcast goes to a whole segment whose size keybrake cannot see: sending one is refused.
  op('broadcasts.create', 'POST', '/broadcasts', true),
  op('broadcasts.send', 'POST', '/broadcasts/{id}/send', true),
  // A forward names its recipients; a reply goes to the thread, which keybrake cannot see.
  op('inboxes.threads.emails.forward', 'POST', '/inboxes/{inbox}/threads/{thread_id}/emails/{email_id}/forward', true, { kind: 'email' }),
  op('inboxes.threads.emails.reply', 'POST', '/inboxes/{inbox}/threads/{thread_id}/emails/{email_id}/reply', true),
  op('emails.list', 'GET', '/emails'),
  op('emails.retrieve', 'GET', '/emails/{id}'),
  op('emails.update', 'PATCH', '/emails/{id}'),
  op('emails.cancel', 'POST', '/emails/{id}/cancel'),
  op('emails.metrics', 'GET', '/emails/metrics'),
  op('emails.attachments.list', 'GET', '/emails/{email_id}/attachments'),
  op('emails.attachments.retrieve', 'GET', '/emails/{email_id}/attachments/{id}'),
  op('emails.receiving.list', 'GET', '/emails/receiving'),
  op('emails.receiving.retrieve', 'GET', '/emails/receiving/{id}'),
  op('broadcasts.list', 'GET', '/broadcasts'),
  op('broadcasts.retrieve', 'GET', '/broadcasts/{id}'),
  op('broadcasts.cancel', 'POST', '/broadcasts/{id}/cancel'),
  op('domains.list', 'GET', '/domains'),
  op('domains.retrieve', 'GET', '/domains/{id}'),
];
