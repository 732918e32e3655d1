// The keybrake binary as a user runs it: help, keys, the admin commands and the demo.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { keybrake } from '../helpers/keybrake-cli.ts';
import { useStripeProxy } from '../helpers/stripe-fixture.ts';
import { stripePolicy } from '../e2e/policies.ts';

describe('keybrake CLI', () => {
  it('--help lists every command; proxy --help lists every flag with its environment variable', async () => {
    const top = await keybrake('--help');
    expect(top.code).toBe(0);
    for (const c of ['proxy', 'keys', 'kill', 'revive', 'status', 'audit', 'ca', 'policy', 'demo']) expect(top.stdout).toContain(`  ${c} `);
    const proxy = await keybrake('proxy', '--help');
    for (const f of [
      '--policy',
      '--ca-cert',
      '--ca-key',
      '--secrets-dir',
      '--state-dir',
      '--listen',
      '--admin-listen',
      '--upstream',
      '--upstream-ca',
      '--ledger',
      '--audit',
    ]) {
      expect(proxy.stdout).toContain(f);
    }
    expect(proxy.stdout).toContain('env KEYBRAKE_POLICY');
  });

  it('proxy without its required flags exits 2 and says which are missing', async () => {
    const r = await keybrake('proxy');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing --policy, --ca-cert, --ca-key/);
  });

  it('keys new prints a kb_ key once and the policy snippet with its SHA-256', async () => {
    const r = await keybrake('keys', 'new', '--id', 'support-1');
    expect(r.code).toBe(0);
    const key = /\b(kb_[A-Za-z0-9_-]{20,})/.exec(r.stdout)?.[1]; // greedy to the end: a key may end in '-'
    expect(key).toBeDefined();
    const sha = crypto.createHash('sha256').update(key!).digest('hex');
    expect(r.stdout).toContain(`{id: "support-1", sha256: "${sha}"}`);
  });

  it('an unknown command exits 2 with the help', async () => {
    const r = await keybrake('frobnicate');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command "frobnicate"');
    expect(r.stdout).toBe('');
  });
});

describe('keybrake kill / status / revive against a running proxy', () => {
  const TOKEN = 'cli-admin-token-0123456789abcdef';
  const fx = useStripeProxy((sha) => stripePolicy(sha), { secrets: { 'keybrake-admin/token': TOKEN } });

  it('kills with a reason, shows it in status, and revives with the token file', async () => {
    const killed = await keybrake('kill', '--admin', fx.h.adminUrl, '--reason', 'from the CLI');
    expect(killed.code).toBe(0);
    const status = JSON.parse((await keybrake('status', '--admin', fx.h.adminUrl, '--output', 'json')).stdout);
    expect(status).toMatchObject({ killed: true, reason: 'from the CLI' });
    const table = await keybrake('status', '--admin', fx.h.adminUrl);
    expect(table.stdout).toMatch(/^KILLED\s+yes, by api since \S+: from the CLI$/m);
    expect(table.stdout).toMatch(/^POLICY\s+generation 1: support-refunds$/m);
    expect((await keybrake('revive', '--admin', fx.h.adminUrl)).code).toBe(2); // --token-file is required
    const notAToken = await keybrake('revive', '--admin', fx.h.adminUrl, '--token-file', path.join(fx.h.dir, 'policy.yaml'));
    expect(notAToken.code).toBe(1);
    expect(notAToken.stderr).toContain('does not hold a token');
    const wrong = path.join(fx.h.dir, 'wrong-token');
    fs.writeFileSync(wrong, 'not-the-admin-token\n');
    const refused = await keybrake('revive', '--admin', fx.h.adminUrl, '--token-file', wrong);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('the proxy answered 401');
    const tokenFile = path.join(fx.h.dir, 'secrets/keybrake-admin/token');
    expect((await keybrake('revive', '--admin', fx.h.adminUrl, '--token-file', tokenFile)).code).toBe(0);
    expect(JSON.parse((await keybrake('status', '--admin', fx.h.adminUrl, '-o', 'json')).stdout).killed).toBe(false);
    expect((await keybrake('status', '--admin', fx.h.adminUrl)).stdout).toMatch(/^KILLED\s+no$/m);
  });
});

describe('keybrake demo', () => {
  it('tells the whole story: allowed, refused by rule, not allowed, capped, killed in flight', async () => {
    const r = await keybrake('demo');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/allowed: re_\w+ for \$12\.00/);
    expect(r.stdout).toMatch(/refused \[keybrake_rule_denied\]: rule partial-refunds-on-tickets: amount 9000 > max 5000/);
    expect(r.stdout).toMatch(/payouts\.create is not allowed by any rule/);
    expect(r.stdout).toMatch(/cap 24h stripe spend: \$12\.00 used \+ \$40\.00 requested > \$50\.00 limit/);
    expect(r.stdout).toMatch(/connection cut mid-flight/);
    expect(r.stdout).toMatch(/refused \[keybrake_killed\]/);
    expect(r.stdout).not.toContain('sk_test_demo_real_key');
  });
});
