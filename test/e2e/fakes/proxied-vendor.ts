// A fake vendor behind a real keybrake proxy process, started before and
// stopped after the enclosing describe block: each block gets its own ledger,
// so caps count from zero.
import { afterAll, beforeAll } from 'vitest';
import { startFakeVendor, type FakeVendor, type Handler } from '../../helpers/fake-vendor.ts';
import { agentKey, startHarness, type Harness } from '../../helpers/proxy-harness.ts';

export interface ProxiedVendor {
  fake: FakeVendor;
  h: Harness;
  /** The agent key the policy lists. */
  key: string;
}

export interface ProxiedVendorOptions {
  host: string;
  handler: Handler;
  /** The policy document, given the agent key's sha256. */
  policy: (sha256: string) => string;
  /** `name/key` → the real credential. */
  secrets: Record<string, string>;
}

export function proxiedVendor(o: ProxiedVendorOptions): ProxiedVendor {
  const s = {} as ProxiedVendor;
  beforeAll(async () => {
    const agent = agentKey();
    s.key = agent.key;
    s.fake = await startFakeVendor(o.handler);
    s.h = await startHarness({
      policyYaml: o.policy(agent.sha256),
      upstreams: [{ host: o.host, url: s.fake.url, caPem: s.fake.caPem }],
      secrets: o.secrets,
    });
  });
  afterAll(async () => {
    await s.h?.cleanup();
    await s.fake?.close();
  });
  return s;
}
