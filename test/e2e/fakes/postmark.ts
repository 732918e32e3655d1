// Postmark-shaped answers for the fake vendor: one send result per message.
import { randomUUID } from 'node:crypto';
import type { Handler } from '../../../src/demo/fake-vendor.ts';

const sent = (message: { To?: string }) => ({ To: message.To, SubmittedAt: new Date().toISOString(), MessageID: randomUUID(), ErrorCode: 0, Message: 'OK' });

export const postmarkHandler: Handler = (req) => {
  const path = req.path.split('?')[0];
  if (req.method === 'POST' && (path === '/email' || path === '/email/withTemplate')) return { body: sent(JSON.parse(req.body)) };
  if (req.method === 'POST' && path === '/email/batch') return { body: (JSON.parse(req.body) as Array<{ To?: string }>).map(sent) };
  return { status: 404, body: { ErrorCode: 404, Message: 'Not found' } };
};
