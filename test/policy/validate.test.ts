import { describe, expect, it } from 'vitest';
import { validatePolicies } from '../../src/policy/validate.ts';
import type { EgressPolicy } from '../../src/policy/schema.ts';
import { getPack, listPacks } from '../../src/vendors/registry.ts';
import { basePolicy, FAKE_VENDORS, fakePacks } from './fake-pack.ts';

// Documents come from YAML, so tests break them freely.
type Loose = any; // eslint-disable-line @typescript-eslint/no-explicit-any

function problemsAfter(mutate: (p: Loose) => void, ...more: EgressPolicy[]): string[] {
  const policy = basePolicy();
  mutate(policy);
  return validatePolicies([policy, ...more], fakePacks, FAKE_VENDORS);
}

const PREFIX = 'policy[0] "support-refunds": ';
const vendor0 = 'spec.vendors[0]';

describe('validatePolicies', () => {
  it('accepts the example policy', () => {
    expect(validatePolicies([basePolicy()], fakePacks, FAKE_VENDORS)).toEqual([]);
  });

  it('names apiVersion, kind and metadata problems', () => {
    const problems = problemsAfter((p) => {
      p.apiVersion = 'keybrake.dev/v1';
      p.kind = 'Policy';
    });
    expect(problems).toEqual([
      `${PREFIX}apiVersion: must be keybrake.dev/v1alpha1, found "keybrake.dev/v1"`,
      `${PREFIX}kind: must be EgressPolicy, found "Policy"`,
    ]);
    expect(problemsAfter((p) => delete p.metadata.name)).toEqual(['policy[0]: metadata.name: is required']);
    expect(problemsAfter((p) => (p.metadata.name = 'Support_Refunds'))[0]).toMatch(
      /^policy\[0\] "Support_Refunds": metadata\.name: "Support_Refunds" is not a Kubernetes name/,
    );
  });

  it('refuses two policies with the same namespace and name', () => {
    const problems = problemsAfter(() => {}, basePolicy());
    expect(problems).toContain('policy[1] "support-refunds": metadata.name: agents/support-refunds is defined twice (also policy[0] "support-refunds")');
  });

  it('checks the enforcement enum and boolean switches', () => {
    const problems = problemsAfter((p) => {
      p.spec.enforcement = 'audit';
      p.spec.killed = 'yes';
    });
    expect(problems).toEqual([
      `${PREFIX}spec.enforcement: must be one of enforce, dryrun, found "audit"`,
      `${PREFIX}spec.killed: must be true or false, found "yes"`,
    ]);
  });

  it('lists the valid vendors for an unknown one', () => {
    expect(problemsAfter((p) => (p.spec.vendors[0].vendor = 'strype'))).toEqual([
      `${PREFIX}${vendor0}.vendor: unknown vendor "strype"; valid vendors: fakepay, fakemail`,
    ]);
  });

  it('requires a credential secretRef with a safe name and key', () => {
    expect(problemsAfter((p) => (p.spec.vendors[0].credential = { secretRef: { key: '..' } }))).toEqual([
      `${PREFIX}${vendor0}.credential.secretRef.name: is required`,
      `${PREFIX}${vendor0}.credential.secretRef.key: ".." is not a Secret key (letters, digits, '-', '_' and '.')`,
    ]);
    expect(problemsAfter((p) => (p.spec.vendors[0].credential.secretRef.name = '../etc'))).toEqual([
      `${PREFIX}${vendor0}.credential.secretRef.name: "../etc" is not a Secret name (lowercase letters, digits, '-' and '.')`,
    ]);
  });

  it('requires unique agent key ids and lowercase hex SHA-256 hashes', () => {
    const problems = problemsAfter((p) => {
      p.spec.vendors[0].agentKeys.push({ id: 'support-1', sha256: 'A'.repeat(64) });
    });
    expect(problems).toEqual([
      `${PREFIX}${vendor0}.agentKeys[1].sha256: must be 64 lowercase hex characters (the SHA-256 of the agent key), found "${'A'.repeat(57)}..."`,
      `${PREFIX}${vendor0}.agentKeys[1].id: agent key id "support-1" is used twice; it must be unique`,
    ]);
  });

  describe('rules', () => {
    const rule0 = `${vendor0}.rules[0]`;

    it('requires unique rule names', () => {
      const problems = problemsAfter((p) => p.spec.vendors[0].rules.push({ name: 'partial-refunds-on-tickets', allow: ['charges.create'] }));
      expect(problems).toEqual([`${PREFIX}${vendor0}.rules[1].name: rule name "partial-refunds-on-tickets" is used twice; it must be unique`]);
    });

    it('refuses unknown operation ids with the list of valid ones', () => {
      expect(problemsAfter((p) => (p.spec.vendors[0].rules[0].allow = ['refunds.create', 'payouts.create']))).toEqual([
        `${PREFIX}${rule0}.allow[1]: unknown fakepay operation "payouts.create"; valid ids: charges.create, refunds.create, customers.retrieve (or METHOD /path for an endpoint the pack does not know)`,
      ]);
    });

    it('accepts METHOD /path patterns and explains malformed ones', () => {
      const problems = problemsAfter((p) => {
        p.spec.vendors[0].rules[0].allow = ['GET /v1/climate/**', 'GET /v1/orders/*/lines', 'FETCH /v1/x', 'GET /v1/**/x', 'GET /v1/ch_*', 'GET v1'];
      });
      expect(problems).toEqual([
        `${PREFIX}${rule0}.allow[2]: "FETCH /v1/x": method FETCH is not one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS`,
        `${PREFIX}${rule0}.allow[3]: "GET /v1/**/x": ** is allowed only as the last segment`,
        `${PREFIX}${rule0}.allow[4]: "GET /v1/ch_*": * must be a whole segment (ch_*)`,
        `${PREFIX}${rule0}.allow[5]: "GET v1" is not METHOD /path (one space, path starting with /)`,
      ]);
    });

    it('checks that where constraints are well-typed', () => {
      const problems = problemsAfter((p) => {
        p.spec.vendors[0].rules[0].where = {
          amount: { max: '5000', min: 10 },
          customer: { in: 'cus_A' },
          'metadata.ticket_id': { present: 'yes' },
          description: { matches: '([a-z' },
          currency: { maximum: 3 },
          'header:Bad Name': { present: true },
          'a..b': { present: true },
          refund_application_fee: {},
          transfer_group: { min: 10, max: 5 },
          destination: { present: false, in: ['acct_1'] },
        };
      });
      const where = `${PREFIX}${rule0}.where`;
      expect(problems).toEqual([
        `${where}["amount"].max: must be a number, found "5000"`,
        `${where}["customer"].in: must be a non-empty list of values, found "cus_A"`,
        `${where}["metadata.ticket_id"].present: must be true or false, found "yes"`,
        expect.stringMatching(/^policy\[0\] "support-refunds": spec\.vendors\[0\]\.rules\[0\]\.where\["description"\]\.matches: does not compile: /),
        `${where}["currency"].maximum: is not a constraint; use max, min, in, notIn, present, matches`,
        `${where}["header:Bad Name"]: "header:Bad Name": "Bad Name" is not a header name`,
        `${where}["a..b"]: "a..b": empty segment in the dotted path`,
        `${where}["refund_application_fee"]: is empty: give at least one of max, min, in, notIn, present, matches`,
        `${where}["transfer_group"]: min 10 > max 5: nothing could match`,
        `${where}["destination"]: present: false cannot be combined with other constraints (the field must be absent)`,
      ]);
    });

    it('compiles CEL at load and names what is wrong', () => {
      const cel = (expr: string) => problemsAfter((p) => (p.spec.vendors[0].rules[0].cel = expr));
      expect(cel('request.body.amount <= 5000')).toEqual([]);
      expect(cel('request.body.amount <=')[0]).toMatch(/^policy\[0\] "support-refunds": spec\.vendors\[0\]\.rules\[0\]\.cel: does not parse: /);
      expect(cel('req.body.amount < 1')).toEqual([`${PREFIX}${rule0}.cel: unknown variable req: only request (body, headers, path, method) is defined`]);
      expect(cel('request.path.startswith("/v1")')).toEqual([`${PREFIX}${rule0}.cel: unknown function startswith()`]);
      expect(cel(`request.method == "${'x'.repeat(1000)}"`)).toEqual([`${PREFIX}${rule0}.cel: is 1020 characters long; the limit is 1000`]);
    });
  });

  describe('caps', () => {
    const cap = (i: number) => `${PREFIX}${vendor0}.caps[${i}]`;
    const capsProblems = (...caps: unknown[]) => problemsAfter((p) => (p.spec.vendors[0].caps = caps));

    it('accepts durations and calendar windows with a time zone', () => {
      expect(capsProblems(
        { window: '7d', maxRequests: 1000 },
        { window: 'day', timeZone: 'Europe/Paris', maxSpend: { amount: '1000', currency: 'jpy' } },
        { window: 'month', maxUnits: { count: 500, unit: 'emails' }, per: 'run', operations: ['charges.create'] },
      )).toEqual([]);
    });

    it('refuses bad windows and time zones', () => {
      expect(capsProblems(
        { window: '2 days', maxRequests: 1 },
        { window: 'day', timeZone: 'Mars/Olympus', maxRequests: 1 },
        { window: '24h', timeZone: 'UTC', maxRequests: 1 },
      )).toEqual([
        `${cap(0)}.window: "2 days" is not a duration (1m, 1h, 24h, 7d) or a calendar period (day, week, month)`,
        `${cap(1)}.timeZone: "Mars/Olympus" is not an IANA time zone (UTC, Europe/Paris, America/New_York)`,
        `${cap(2)}.timeZone: applies only to calendar windows (day, week, month); a rolling window has no time zone`,
      ]);
    });

    it('needs exactly one limit, each well-formed', () => {
      expect(capsProblems(
        { window: '1h' },
        { window: '1h', maxRequests: 5, maxSpend: { amount: '1.00', currency: 'usd' } },
        { window: '2h', maxRequests: 0 },
        { window: '3h', maxUnits: { count: 1.5 } },
      )).toEqual([
        `${cap(0)}: needs exactly one of maxSpend, maxRequests, maxUnits`,
        `${cap(1)}: needs exactly one of maxSpend, maxRequests, maxUnits, found maxSpend and maxRequests`,
        `${cap(2)}.maxRequests: must be a positive whole number, found 0`,
        `${cap(3)}.maxUnits.count: must be a positive whole number, found 1.5`,
        `${cap(3)}.maxUnits.unit: must name a unit (recipients, emails, segments, messages), found nothing`,
      ]);
    });

    it('checks spend amounts against the currency', () => {
      expect(capsProblems(
        { window: '1h', maxSpend: { amount: 500, currency: 'usd' } },
        { window: '2h', maxSpend: { amount: '500.5', currency: 'jpy' } },
        { window: '3h', maxSpend: { amount: '1e3', currency: 'usd' } },
        { window: '4h', maxSpend: { amount: '5.00', currency: 'USD' } },
      )).toEqual([
        `${cap(0)}.maxSpend.amount: must be a quoted decimal string like "500.00", found 500`,
        `${cap(1)}.maxSpend.amount: amount '500.5' has 1 decimals; JPY has 0`,
        `${cap(2)}.maxSpend.amount: amount '1e3' is not a non-negative decimal number like "500.00"`,
        `${cap(3)}.maxSpend.currency: must be a lowercase ISO currency code (usd, eur, jpy), found "USD"`,
      ]);
    });

    it('checks per, operations and name collisions', () => {
      expect(capsProblems(
        { window: '1h', maxRequests: 1, per: 'agent' },
        { window: '1h', maxRequests: 1, operations: ['payouts.create'] },
      )).toEqual([
        `${cap(0)}.per: must be one of key, run, found "agent"`,
        `${cap(1)}.operations[0]: unknown fakepay operation "payouts.create"; valid ids: charges.create, refunds.create, customers.retrieve`,
        `${cap(1)}.name: cap name "1h fakepay requests" is used twice; it must be unique (give one of the caps a name)`,
      ]);
    });
  });

  it('checks fx currencies and rates', () => {
    expect(problemsAfter((p) => (p.spec.vendors[0].fx = { EUR: '1.08', gbp: '0', jpy: 0.0067 }))).toEqual([
      `${PREFIX}${vendor0}.fx.EUR: "EUR" is not a lowercase ISO currency code (eur, gbp)`,
      `${PREFIX}${vendor0}.fx.gbp: rate '0' is zero; a conversion rate must be positive`,
      `${PREFIX}${vendor0}.fx.jpy: must be a quoted positive decimal like "1.08", found 0.0067`,
    ]);
  });

  it('checks the loop brake', () => {
    expect(problemsAfter((p) => (p.spec.vendors[0].loopBrake = { maxIdentical: 0, within: '1 minute' }))).toEqual([
      `${PREFIX}${vendor0}.loopBrake.maxIdentical: must be a whole number ≥ 1, found 0`,
      `${PREFIX}${vendor0}.loopBrake.within: "1 minute" is not a duration (500ms, 60s, 5m, 1h)`,
    ]);
  });

  it('requires passthrough entries to be hostnames or *.suffix', () => {
    expect(problemsAfter((p) => (p.spec.passthrough = ['api.openai.com', 'https://x.com', '*.com', 'API.OPENAI.COM']))).toEqual([
      `${PREFIX}spec.passthrough[1]: "https://x.com" is not a lowercase hostname or *.suffix pattern`,
      `${PREFIX}spec.passthrough[2]: "*.com" is not a lowercase hostname or *.suffix pattern`,
      `${PREFIX}spec.passthrough[3]: "API.OPENAI.COM" is not a lowercase hostname or *.suffix pattern`,
    ]);
  });

  it('refuses a host governed by two vendor entries across documents', () => {
    const other = basePolicy('billing');
    expect(validatePolicies([basePolicy(), other], fakePacks, FAKE_VENDORS)).toEqual([
      'policy[1] "billing": spec.vendors[0]: host api.fakepay.test is already governed by policy[0] "support-refunds" spec.vendors[0]; one host, one vendor entry',
    ]);
    const overridden = basePolicy('mail');
    overridden.spec.vendors[0] = { ...overridden.spec.vendors[0], vendor: 'fakemail', hosts: ['api.fakepay.test'] };
    expect(validatePolicies([basePolicy(), overridden], fakePacks, FAKE_VENDORS)).toEqual([
      'policy[1] "mail": spec.vendors[0]: host api.fakepay.test is already governed by policy[0] "support-refunds" spec.vendors[0]; one host, one vendor entry',
    ]);
  });

  it('refuses a host that is both governed and passthrough', () => {
    expect(problemsAfter((p) => p.spec.passthrough.push('api.fakepay.test'))).toEqual([
      `${PREFIX}spec.passthrough[2]: api.fakepay.test is governed by ${PREFIX.slice(0, -2)} spec.vendors[0]; a host cannot also be passthrough`,
    ]);
  });

  it("includes the pack's own checks of vendor-specific fields", () => {
    expect(problemsAfter((p) => (p.spec.vendors[0].maxCallMinutes = -1))).toEqual([
      `${PREFIX}${vendor0}: maxCallMinutes: must be a positive whole number, found -1`,
    ]);
  });

  it('reports every problem at once, not just the first', () => {
    const problems = problemsAfter((p) => {
      p.spec.enforcement = 'loud';
      p.spec.vendors[0].caps[0].window = 'fortnight';
      p.spec.vendors[0].rules[0].allow = ['nope'];
    });
    expect(problems).toHaveLength(3);
  });

  it('survives documents of the wrong shape', () => {
    const junk = [null, 'text', { apiVersion: 'keybrake.dev/v1alpha1', kind: 'EgressPolicy', metadata: { name: 'x' }, spec: { vendors: [null, 3] } }];
    expect(validatePolicies(junk as unknown as EgressPolicy[], fakePacks)).toEqual([
      'policy[0]: must be a mapping, found null',
      'policy[1]: must be a mapping, found "text"',
      'policy[2] "x": spec.vendors[0]: must be a mapping, found null',
      'policy[2] "x": spec.vendors[1]: must be a mapping, found 3',
    ]);
  });

  it('knows the real Stripe operation ids', () => {
    const policy = basePolicy();
    policy.spec.vendors[0].vendor = 'stripe';
    policy.spec.vendors[0].rules![0].allow = ['refunds.create', 'refunds.make'];
    const vendorIds = listPacks().map((p) => p.id);
    const problems = validatePolicies([policy], getPack, vendorIds);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^policy\[0\] "support-refunds": spec\.vendors\[0\]\.rules\[0\]\.allow\[1\]: unknown stripe operation "refunds\.make"; valid ids: charges\.create, .*refunds\.create, .*payouts\.create, /,
    );
    policy.spec.vendors[0].vendor = 'strype';
    expect(validatePolicies([policy], getPack, vendorIds)[0]).toContain(`unknown vendor "strype"; valid vendors: ${vendorIds.join(', ')}`);
  });
});
