// An agent process for the only-egress test, run inside the pod network
// namespace under some UID (`node agent.ts SCENARIO_JSON`). It uses the
// official SDKs exactly as an agent would, with no proxy setting at all: the
// only help it gets is the CA bundle in its environment and a hosts file.
// Prints one JSON line with what happened.
import dgram from 'node:dgram';
import net from 'node:net';
import Stripe from 'stripe';
import twilio from 'twilio';
import { Resend } from 'resend';

export type Scenario =
  | { kind: 'sdks'; key: string; twilioAccount: string }
  | { kind: 'tcp'; host: string; port: number; send: string }
  | { kind: 'udp'; host: string; port: number; send: string }
  | { kind: 'dns'; server: string; name: string };

const settle = async <T>(p: Promise<T>) =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (err: any) => ({ ok: false as const, error: { message: String(err?.message), code: err?.code, status: err?.statusCode ?? err?.status, type: err?.type } }),
  );

async function sdks(s: Extract<Scenario, { kind: 'sdks' }>) {
  // maxNetworkRetries 0: a refusal is seen as the SDK reports it, once.
  const stripe = new Stripe(s.key, { maxNetworkRetries: 0 });
  const sms = twilio(s.twilioAccount, s.key);
  const resend = new Resend(s.key);
  const email = (to: string) => ({ from: 'Shop <orders@example.com>', to, subject: 'Your order', text: 'It shipped.' });
  return {
    stripeAllowed: await settle(stripe.refunds.create({ charge: 'ch_1', amount: 1200, metadata: { ticket_id: 'T-1' } }).then((r) => ({ amount: r.amount }))),
    stripeDenied: await settle(stripe.refunds.create({ charge: 'ch_1', amount: 9000, metadata: { ticket_id: 'T-2' } })),
    twilioAllowed: await settle(sms.messages.create({ to: '+15558675310', from: '+15005550006', body: 'Your order shipped' }).then((m) => ({ sid: m.sid }))),
    twilioDenied: await settle(sms.messages.create({ to: '+33612345678', from: '+15005550006', body: 'Bonjour' })),
    resendAllowed: await resend.emails.send(email('ann@example.com')),
    resendDenied: await resend.emails.send(email('eve@evil.test')),
  };
}

function tcp(s: Extract<Scenario, { kind: 'tcp' }>) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: s.host, port: s.port });
    let reply = '';
    socket.on('connect', () => socket.write(s.send));
    socket.on('data', (d) => (reply += d.toString('utf8')));
    socket.on('close', () => resolve({ connected: socket.bytesWritten > 0, reply }));
    socket.on('error', (err: NodeJS.ErrnoException) => resolve({ connected: false, error: err.code }));
  });
}

function udp(s: Extract<Scenario, { kind: 'udp' }>) {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(net.isIPv6(s.host) ? 'udp6' : 'udp4');
    socket.send(s.send, s.port, s.host, (err) => {
      socket.close();
      resolve({ sent: !err, error: (err as NodeJS.ErrnoException | null)?.code });
    });
  });
}

/** One A query by hand: the resolver is whatever the scenario names, not resolv.conf. */
function dns(s: Extract<Scenario, { kind: 'dns' }>) {
  const labels = s.name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const query = Buffer.concat([Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]), ...labels, Buffer.from([0, 0, 1, 0, 1])]);
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    // A guard so a lost answer ends the process; the test asserts on what the world saw, not on time.
    const guard = setTimeout(() => (socket.close(), resolve({ answered: false, error: 'no answer' })), 10_000);
    socket.on('message', (msg) => {
      clearTimeout(guard);
      socket.close();
      resolve({ answered: true, address: [...msg.subarray(msg.length - 4)].join('.') });
    });
    socket.send(query, 53, s.server, (err) => {
      if (err) {
        clearTimeout(guard);
        socket.close();
        resolve({ answered: false, error: (err as NodeJS.ErrnoException).code });
      }
    });
  });
}

const scenario = JSON.parse(process.argv[2]!) as Scenario;
const run = { sdks, tcp, udp, dns }[scenario.kind] as (s: Scenario) => Promise<unknown>;
run(scenario).then(
  (result) => {
    process.stdout.write(`${JSON.stringify({ uid: process.getuid!(), result })}\n`);
    process.exit(0);
  },
  (err: Error) => {
    process.stdout.write(`${JSON.stringify({ uid: process.getuid!(), crashed: err.message })}\n`);
    process.exit(1);
  },
);
