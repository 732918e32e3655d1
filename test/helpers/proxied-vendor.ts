// A fake vendor behind a real keybrake proxy process, started before and
// stopped after the enclosing describe block (or file): each gets its own
// state dir and ledger, so caps count from zero.
import { afterAll, beforeAll } from 'vitest';
import { startFakeVendor, type FakeVendor, type Handler } from './fake-vendor.ts';
import { agentKey, startHarness, type Harness, type HarnessOptions } from './proxy-harness.ts';

export interface ProxiedVendor {
  readonly fake: FakeVendor;
  readonly h: Harness;
  /** The agent key the policy lists, and its hash. */
  readonly key: string;
  readonly agent: { key: string; sha256: string };
}

export interface ProxiedVendorOptions {
  host: string;
  handler: Handler;
  /** The policy document, given the agent key's sha256. */
  policy: (sha256: string) => string;
  /** `name/key` → the real credential (and admin tokens). */
  secrets: Record<string, string>;
  /** Extra harness options (args, env…). */
  harness?: Partial<HarnessOptions>;
}

/** One proxy and fake vendor, started now, for a single test (close it when the test finishes). */
export async function startProxiedVendor(o: ProxiedVendorOptions): Promise<ProxiedVendor & { close(): Promise<void> }> {
  const agent = agentKey();
  const fake = await startFakeVendor(o.handler);
  const h = await startHarness({
    ...o.harness,
    policyYaml: o.policy(agent.sha256),
    upstreams: [{ host: o.host, url: fake.url, caPem: fake.caPem }],
    secrets: o.secrets,
  }).catch(async (err: unknown) => {
    await fake.close();
    throw err;
  });
  return {
    fake,
    h,
    key: agent.key,
    agent,
    close: async () => {
      fake.release();
      await h.cleanup();
      await fake.close();
    },
  };
}

/** The same for every test of the enclosing describe block (or file), started before and stopped after them. */
export function proxiedVendor(o: ProxiedVendorOptions): ProxiedVendor {
  const agent = agentKey();
  let fake: FakeVendor | undefined;
  let h: Harness | undefined;
  beforeAll(async () => {
    fake = await startFakeVendor(o.handler);
    h = await startHarness({
      ...o.harness,
      policyYaml: o.policy(agent.sha256),
      upstreams: [{ host: o.host, url: fake.url, caPem: fake.caPem }],
      secrets: o.secrets,
    });
  });
  afterAll(async () => {
    await h?.cleanup();
    await fake?.close();
  });
  return {
    get fake() {
      if (!fake) throw new Error('fake vendor not started');
      return fake;
    },
    get h() {
      if (!h) throw new Error('proxy not started');
      return h;
    },
    key: agent.key,
    agent,
  };
}
