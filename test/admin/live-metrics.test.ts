// The live /metrics of a running proxy passes `promtool check metrics`, and
// carries the build, reload and end-to-end duration series.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useStripeProxy } from '../helpers/stripe-fixture.ts';
import { stripePolicy } from '../e2e/policies.ts';
import { stripeViaConnect } from '../helpers/stripe-client.ts';

const pkg = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };

function promtoolCheck(text: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile('promtool', ['check', 'metrics'], (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
    child.stdin!.end(text);
  });
}

describe('live /metrics', () => {
  const fx = useStripeProxy((sha) => stripePolicy(sha));

  it('passes promtool check metrics after allowed and refused calls', async () => {
    const stripe = stripeViaConnect(fx.key, fx.h.port, fx.h.caPem, { maxNetworkRetries: 0 });
    await stripe.refunds.create({ charge: 'ch_1', amount: 100, metadata: { ticket_id: 'T-1' } });
    await stripe.refunds.create({ charge: 'ch_1', amount: 9000, metadata: { ticket_id: 'T-2' } }).catch(() => undefined);
    const text = await (await fx.h.admin('/metrics')).text();
    const check = await promtoolCheck(text);
    expect(check.output).toBe('');
    expect(check.code).toBe(0);

    expect(text).toContain(`keybrake_build_info{version="${pkg.version}"} 1`);
    expect(text).toMatch(/^keybrake_request_duration_seconds_count\{vendor="stripe",decision="allowed"\} 1$/m);
    expect(text).toMatch(/^keybrake_request_duration_seconds_count\{vendor="stripe",decision="denied"\} 1$/m);
    const reloaded = Number(/^keybrake_policy_last_reload_success_timestamp_seconds (\S+)$/m.exec(text)?.[1]);
    expect(reloaded).toBeGreaterThan(1_600_000_000);
    expect(text).not.toMatch(/^nodejs_active_\w+_total/m);
  });
});
