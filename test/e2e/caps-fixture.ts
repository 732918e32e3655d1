// Shared by the caps-*.test.ts files (issue 3 acceptance): a Stripe policy
// with spend caps, the stripe SDK aimed at one proxy, and readers for the
// refusal an SDK call ends in and the usage /status reports.
import Stripe from 'stripe';
import type { FakeVendor } from '../helpers/fake-vendor.ts';
import type { Harness } from '../helpers/proxy-harness.ts';
import { startStripeHarness } from '../helpers/stripe-fixture.ts';
import { stripeTransparent } from '../helpers/stripe-client.ts';
import { SPEND_500, stripeDoc } from './policies.ts';

export interface CapsPolicyOptions {
  /** YAML flow mappings, one per cap. */
  caps?: string[];
  fx?: string;
  loopBrake?: string;
}

export { SPEND_500 };

/** Charges, refunds and reads allowed without constraints: only the caps and the brake decide. */
export function capsPolicy(sha256: string, o: CapsPolicyOptions = {}): string {
  return stripeDoc(sha256, {
    name: 'capped-charges',
    agentKeyId: 'billing-1',
    caps: o.caps ?? [SPEND_500],
    fx: o.fx,
    loopBrake: o.loopBrake,
    rules: `        - name: charges-and-refunds
          allow: [charges.create, refunds.create]
        - name: reads
          allow: [customers.list, charges.retrieve]
`,
  });
}

/** A real proxy in front of `fake`; `args` adds flags (`--ledger redis://…`); `process`: a child process (to crash it). */
export function capsProxy(fake: FakeVendor, policyYaml: string, args: string[] = [], process = false): Promise<Harness> {
  return startStripeHarness(fake, policyYaml, { process, args });
}

/** The SDK as an agent configures it, with no retries so every refusal is seen once. */
export function sdk(agentKey: string, h: Harness): Stripe {
  return stripeTransparent(agentKey, h.port, h.caPem, { maxNetworkRetries: 0 });
}

/** The error a call ended in (undefined when it succeeded). */
export function failure(call: Promise<unknown>): Promise<Stripe.errors.StripeError | undefined> {
  return call.then(
    () => undefined,
    (err: unknown) => {
      if (err instanceof Stripe.errors.StripeError) return err;
      throw err;
    },
  );
}

interface CapRow {
  name: string;
  used: number;
  summary: string;
}

/** The caps /status reports for the (only) Stripe vendor. */
export async function capRows(h: Harness): Promise<CapRow[]> {
  const status = (await (await h.admin('/status')).json()) as { vendors: Array<{ vendor: string; caps: CapRow[] | { error: string } }> };
  const caps = status.vendors.find((v) => v.vendor === 'stripe')?.caps;
  if (!Array.isArray(caps)) throw new Error(`/status has no caps: ${JSON.stringify(caps)}`);
  return caps;
}

/** Minor units used on the cap called `name` (`24h stripe spend` by default). */
export async function used(h: Harness, name = '24h stripe spend'): Promise<number> {
  const row = (await capRows(h)).find((c) => c.name === name);
  if (!row) throw new Error(`/status has no cap named ${name}`);
  return row.used;
}

export const posts = (received: Array<{ method: string; path: string }>, path = '/v1/charges') =>
  received.filter((r) => r.method === 'POST' && r.path === path).length;
