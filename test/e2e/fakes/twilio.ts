// Twilio-shaped answers for the fake vendor: created messages and calls come
// back as Twilio answers a create, with `price: null` (priced after delivery).
import type { Handler } from '../../../src/demo/fake-vendor.ts';

let seq = 0;
const sid = (prefix: string) => `${prefix}${String(++seq).padStart(32, '0')}`;

export const twilioHandler: Handler = (req) => {
  const path = req.path.split('?')[0]!;
  const account = /\/Accounts\/([^/]+)\//.exec(path)?.[1];
  const form = new URLSearchParams(req.body);
  const common = { account_sid: account, to: form.get('To'), from: form.get('From'), price: null, price_unit: 'USD', date_created: new Date().toUTCString() };
  if (req.method === 'POST' && path.endsWith('/Messages.json')) {
    return {
      status: 201,
      body: { sid: sid('SM'), ...common, body: form.get('Body'), status: 'queued', num_segments: '1', num_media: String(form.getAll('MediaUrl').length) },
    };
  }
  if (req.method === 'POST' && path.endsWith('/Calls.json')) {
    return { status: 201, body: { sid: sid('CA'), ...common, status: 'queued', duration: null } };
  }
  return {
    status: 404,
    body: { code: 20404, message: `The requested resource ${path} was not found`, more_info: 'https://www.twilio.com/docs/errors/20404', status: 404 },
  };
};
