// Postmark operations keybrake knows by name (paths from postmark.js
// src/client/ServerClient.ts). Billable ones send email and are priced per
// recipient; `body` says how each write's JSON body is read.
import type { BodyShape, EmailOperationDef } from '../email/parse.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

const OBJECT: BodyShape = { kind: 'object' };
const ONE: BodyShape = { kind: 'email' };

function op(id: string, method: Method, path: string, billable = false, body: BodyShape = OBJECT): EmailOperationDef {
  return { id, method, path, billable, body };
}

export const POSTMARK_OPERATIONS: readonly EmailOperationDef[] = [
  op('email.send', 'POST', '/email', true, ONE),
  op('email.withTemplate', 'POST', '/email/withTemplate', true, ONE),
  op('email.batch', 'POST', '/email/batch', true, { kind: 'emails' }),
  op('email.batchWithTemplates', 'POST', '/email/batchWithTemplates', true, { kind: 'emails', at: 'Messages' }),
  op('email.bulk', 'POST', '/email/bulk', true, { kind: 'emails', at: 'Messages' }),
  op('email.bulk.retrieve', 'GET', '/email/bulk/{id}'),
  op('messages.outbound.list', 'GET', '/messages/outbound'),
  op('messages.outbound.retrieve', 'GET', '/messages/outbound/{id}/details'),
  op('messages.outbound.dump', 'GET', '/messages/outbound/{id}/dump'),
  op('bounces.list', 'GET', '/bounces'),
  op('bounces.retrieve', 'GET', '/bounces/{id}'),
  op('delivery_stats.retrieve', 'GET', '/deliveryStats'),
  op('server.retrieve', 'GET', '/server'),
  op('templates.list', 'GET', '/templates'),
  op('templates.retrieve', 'GET', '/templates/{id}'),
  op('stats.outbound.retrieve', 'GET', '/stats/outbound'),
  op('message_streams.list', 'GET', '/message-streams'),
];
