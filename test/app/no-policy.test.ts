// The start state: until a policy loads (or when none selects this pod) every
// call is refused in the vendor's own error shape, while /healthz, /metrics
// and /kill work and /readyz says not ready.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startProxy, type RunningProxy } from '../../src/app/proxy.ts';
import { generateCa } from '../../src/pki/ca.ts';
import { FeedPolicySource } from '../../src/policy/source.ts';
import { PolicyLoader } from '../../src/policy/loader.ts';
import { registryValidator } from '../../src/commands/policy-setup.ts';
import { listPacks } from '../../src/vendors/registry.ts';
import { ManualFeed } from '../helpers/manual-feed.ts';
import { stripeViaConnect } from '../helpers/stripe-client.ts';
import { policyFixtureText } from '../fixtures/policies.ts';

// Each test gets its own proxy and feed, so none depends on what another delivered.
let dir: string;
let proxy: RunningProxy;
let caPem: string;
let feed: ManualFeed;
const admin = (p: string, init?: RequestInit) => fetch(`http://127.0.0.1:${proxy.adminAddress.port}${p}`, init);

beforeEach(async () => {
  feed = new ManualFeed();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keybrake-no-policy-'));
  const ca = generateCa({ commonName: 'keybrake test mesh CA' });
  caPem = ca.certPem;
  const loader = new PolicyLoader({ validator: registryValidator(), podLabels: { app: 'support-agent' } });
  // The fixture's secretRef, so /readyz's vendor-Secret check passes once the policy loads.
  fs.mkdirSync(path.join(dir, 'secrets', 'stripe-live'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'secrets', 'stripe-live', 'apiKey'), 'sk_test_not_real');
  proxy = await startProxy({
    policySource: new FeedPolicySource({ feed, loader, packs: listPacks() }),
    caCertPem: ca.certPem,
    caKeyPem: ca.keyPem,
    secretsDir: path.join(dir, 'secrets'),
    stateDir: path.join(dir, 'state'),
    listen: { host: '127.0.0.1', port: 0 },
    adminListen: { host: '127.0.0.1', port: 0 },
    ledger: 'memory',
    audit: 'none',
    log: pino({ level: 'silent' }),
  });
});

afterEach(async () => {
  await proxy?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function refusalCode(): Promise<string | undefined> {
  const stripe = stripeViaConnect('kb_not_a_real_key', proxy.address.port, caPem, { maxNetworkRetries: 0 });
  const err = await stripe.refunds.create({ charge: 'ch_1', amount: 100 }).then(
    () => undefined,
    (e: { code?: string }) => e,
  );
  return err?.code;
}

describe('a proxy with no policy yet', () => {
  it('refuses every vendor call with a Stripe-shaped keybrake_no_policy error', async () => {
    const stripe = stripeViaConnect('kb_not_a_real_key', proxy.address.port, caPem, { maxNetworkRetries: 0 });
    const err = (await stripe.refunds.create({ charge: 'ch_1', amount: 100 }).catch((e: unknown) => e)) as {
      code?: string;
      statusCode?: number;
      message?: string;
      headers?: Record<string, string>;
    };
    expect(err.code).toBe('keybrake_no_policy');
    expect(err.statusCode).toBe(403);
    expect(err.message).toMatch(/^keybrake refuses every call: no policy is loaded from test feed: nothing delivered yet\./);
  });

  it('is healthy, serves metrics and status, but is not ready', async () => {
    expect((await admin('/healthz')).status).toBe(200);
    expect((await admin('/metrics')).status).toBe(200);
    const ready = await admin('/readyz');
    expect(ready.status).toBe(503);
    const status = (await (await admin('/status')).json()) as { policy: { generation: number; notLoaded?: string } };
    expect(status.policy).toMatchObject({ generation: 0, notLoaded: 'no policy is loaded from test feed: nothing delivered yet' });
  });

  it('loads a policy selecting this pod, then drops back when none selects it', async () => {
    const policy = policyFixtureText('stripe-refunds.yaml');
    const other = policy.replace('app: support-agent', 'app: billing-agent');
    // A bad delivery changes nothing: still no policy.
    expect(feed.push({ 'p.yaml': policy.replace('where:', 'wher:') })).toMatchObject({ ok: false });
    expect(await refusalCode()).toBe('keybrake_no_policy');

    expect(feed.push({ 'p.yaml': policy })).toEqual({ ok: true, generation: 1 });
    expect((await admin('/readyz')).status).toBe(200);
    expect(await refusalCode()).toBe('keybrake_invalid_agent_key'); // judged by the policy now

    expect(feed.push({ 'p.yaml': other })).toMatchObject({ ok: false, problems: [{ message: expect.stringMatching(/^no EgressPolicy selects this pod/) }] });
    expect((await admin('/readyz')).status).toBe(503);
    expect(await refusalCode()).toBe('keybrake_no_policy');
  });

  it('can still be killed, and the kill holds once a policy loads', async () => {
    const kill = await admin('/kill', { method: 'POST', body: JSON.stringify({ reason: 'test' }) });
    expect(kill.status).toBe(200);
    expect(((await kill.json()) as { killed: boolean }).killed).toBe(true);
    expect(feed.push({ 'p.yaml': policyFixtureText('stripe-refunds.yaml') })).toEqual({ ok: true, generation: 1 });
    expect(await refusalCode()).toBe('keybrake_killed');
  });
});
