// Issue 11, defect 3: with a name-constrained CA (`ca new --permit
// api.stripe.com`), a reload adding Twilio used to be accepted and the first
// TLS hello for api.twilio.com then killed the process. Now the reload mints
// the new hosts first and is refused (the last good policy stays), a hello
// for a host the CA cannot sign resets that one connection, and a start with
// such a policy says what to change.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCa } from '../../src/pki/ca.ts';
import { startFakeVendor, type FakeVendor } from '../helpers/fake-vendor.ts';
import { stripeHandler } from '../helpers/fake-stripe.ts';
import { agentKey, eventually, type Harness } from '../helpers/proxy-harness.ts';
import { stripePolicy } from '../e2e/policies.ts';
import { policyFixtureDocs, policyYaml, withAgentKey } from '../fixtures/policies.ts';
import { startStripeHarness } from '../helpers/stripe-fixture.ts';
import { viaProxy } from '../helpers/raw-tls.ts';

const agent = agentKey();
/** A Twilio document: a vendor host (api.twilio.com) the stripe-only CA cannot sign. */
const twilioDocs = withAgentKey(policyFixtureDocs('twilio-notifier.yaml'), agent.sha256);

let dir: string;
let fake: FakeVendor;
let h: Harness;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keybrake-ca-reload-'));
  const ca = generateCa({ commonName: 'stripe-only test CA', permittedDnsNames: ['api.stripe.com'] });
  fs.mkdirSync(path.join(dir, 'ca'));
  fs.writeFileSync(path.join(dir, 'ca', 'ca.crt'), ca.certPem);
  fs.writeFileSync(path.join(dir, 'ca', 'ca.key'), ca.keyPem, { mode: 0o600 });
  fake = await startFakeVendor(stripeHandler);
  h = await startStripeHarness(fake, stripePolicy(agent.sha256), {
    dir,
    secrets: { 'twilio-live/credential': 'AC0123456789abcdef0123456789abcdef:authtoken0123456789' },
  });
});

afterAll(async () => {
  await h?.cleanup();
  await fake?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function helloFor(servername: string): Promise<'secure' | 'reset'> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port: h.port, servername, ca: h.caPem });
    s.once('secureConnect', () => (s.destroy(), resolve('secure')));
    s.once('error', () => resolve('reset'));
    s.once('close', () => resolve('reset'));
  });
}

describe('a name-constrained CA and a reload that adds a vendor host it cannot sign', () => {
  it('refuses the reload and keeps the last good policy', async () => {
    const generation = (await (await h.admin('/status')).json()).generation;
    h.writePolicy(policyYaml(stripePolicy(agent.sha256), twilioDocs));
    const refused = await eventually(() => {
      const line = h.lines.find((l) => l.msg === 'policy reload refused; keeping the last good policy');
      if (!line) throw new Error('no refusal logged yet');
      return line;
    });
    // Logs carry the error object (pino's serializer: type, message, stack).
    expect(String((refused.err as { message?: string }).message)).toMatch(/api\.twilio\.com.*outside the CA's name constraints/);
    expect((await (await h.admin('/status')).json()).generation).toBe(generation);
  });

  it('a TLS hello for that host resets that one connection; the proxy keeps serving', async () => {
    expect(await helloFor('api.twilio.com')).toBe('reset');
    expect((await h.admin('/healthz')).status).toBe(200);
    expect(await helloFor('api.stripe.com')).toBe('secure');
    const r = await viaProxy(h.port, h.caPem, { path: '/v1/customers', headers: { authorization: `Bearer ${agent.key}` } });
    expect(r.status).toBe(200);
  });

  it('a restart with that policy refuses to start and names what to change', async () => {
    const err = await h.restart().then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/api\.twilio\.com/);
    expect(err?.message).toMatch(/--ca-cert/);
  });
});
