// Resend-shaped answers for the fake vendor: an id per email sent.
import { randomUUID } from 'node:crypto';
import type { Handler } from '../../../src/demo/fake-vendor.ts';

export const resendHandler: Handler = (req) => {
  const path = req.path.split('?')[0];
  if (req.method === 'POST' && path === '/emails') return { body: { id: randomUUID() } };
  if (req.method === 'POST' && path === '/emails/batch') {
    const emails = JSON.parse(req.body) as unknown[];
    return { body: { data: emails.map(() => ({ id: randomUUID() })) } };
  }
  return { status: 404, body: { statusCode: 404, name: 'not_found', message: 'The requested endpoint does not exist.' } };
};
