import { describe, expect, it } from 'vitest';
import type { EgressPolicy } from '../../src/policy/schema.ts';
import type { PolicyProblem } from '../../src/policy/feed.ts';
import { basePolicy, fakeValidator } from './fake-pack.ts';

// Documents come from YAML, so tests break them freely.
type Loose = any;

/** [path, message] pairs of the problems of the base policy after `mutate`. */
function problemsAfter(mutate: (p: Loose) => void, ...more: EgressPolicy[]): Array<[string, string]> {
  const policy = basePolicy();
  mutate(policy);
  return check([policy, ...more]).map((p) => [p.path, p.message]);
}

function check(docs: unknown[]): PolicyProblem[] {
  return fakeValidator.check(docs.map((value, i) => ({ document: `policy[${i}]`, value })));
}

const v0 = 'spec.vendors[0]';
const rule0 = `${v0}.rules[0]`;
const cap = (i: number) => `${v0}.caps[${i}]`;

describe('PolicyValidator', () => {
  it('accepts the base policy', () => {
    expect(check([basePolicy()])).toEqual([]);
  });

  it('accepts the status the controller writes (kubectl get -o yaml round trip), refuses unknown status fields', () => {
    const status = {
      observedGeneration: 3,
      matchedPods: 2,
      configMapGeneration: 7,
      kill: { by: 'alertmanager: SpendSpike', at: '2026-12-02T06:00:00Z', reason: 'spend tripled' },
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'Compiled',
          message: 'in ConfigMap agents/keybrake-policies',
          observedGeneration: 3,
          lastTransitionTime: '2026-12-02T06:00:00Z',
        },
      ],
    };
    expect(problemsAfter((p) => (p.status = status))).toEqual([]);
    expect(problemsAfter((p) => (p.status = { ...status, kill: { ...status.kill, who: 'x' } })).map(([path]) => path)).toEqual(['status.kill.who']);
  });

  it('names apiVersion, kind and metadata problems', () => {
    expect(
      problemsAfter((p) => {
        p.apiVersion = 'keybrake.dev/v1';
        p.kind = 'Policy';
      }),
    ).toEqual([
      ['apiVersion', 'must be keybrake.dev/v1alpha1, found "keybrake.dev/v1"'],
      ['kind', 'must be EgressPolicy, found "Policy"'],
    ]);
    expect(problemsAfter((p) => delete p.metadata.name)).toEqual([['metadata.name', 'is required']]);
    expect(problemsAfter((p) => (p.metadata.name = 'Support_Refunds'))).toEqual([
      ['metadata.name', `"Support_Refunds" is not a Kubernetes name (lowercase letters, digits, '-' and '.')`],
    ]);
  });

  it('accepts what kubectl get -o yaml adds to metadata and status, but not a misspelt metadata field', () => {
    expect(
      problemsAfter((p) => {
        p.metadata = { ...p.metadata, uid: 'abc', resourceVersion: '12', generation: 3, creationTimestamp: '2026-01-01T00:00:00Z', managedFields: [] };
        p.status = {
          observedGeneration: 3,
          conditions: [{ type: 'Accepted', status: 'True', reason: 'Valid', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' }],
        };
      }),
    ).toEqual([]);
    expect(problemsAfter((p) => (p.metadata.namspace = 'agents'))).toEqual([['metadata.namspace', 'unknown field "namspace"; did you mean "namespace"?']]);
  });

  it('refuses two policies with the same namespace and name', () => {
    expect(check([basePolicy(), basePolicy()]).filter((p) => p.path === 'metadata.name')).toEqual([
      { document: 'policy[1]', path: 'metadata.name', message: 'agents/support-refunds is defined twice (also in policy[0])' },
    ]);
  });

  it('checks the enforcement enum and boolean switches', () => {
    expect(
      problemsAfter((p) => {
        p.spec.enforcement = 'audit';
        p.spec.killed = 'yes';
      }),
    ).toEqual([
      ['spec.enforcement', 'must be one of enforce, dryrun, found "audit"'],
      ['spec.killed', 'must be true or false (true refuses every call of every pod running this policy), found "yes"'],
    ]);
  });

  it('lists the valid vendors for an unknown one (the CRD rule, evaluated with CEL)', () => {
    expect(problemsAfter((p) => (p.spec.vendors[0].vendor = 'strype'))).toEqual([
      [`${v0}.vendor`, 'unknown vendor "strype"; valid vendors: fakepay, fakemail'],
    ]);
  });

  it('requires a credential secretRef with a safe name and key', () => {
    expect(problemsAfter((p) => (p.spec.vendors[0].credential = { secretRef: { key: '..' } }))).toEqual([
      [`${v0}.credential.secretRef.name`, 'is required'],
      [`${v0}.credential.secretRef.key`, `".." is not a Secret key (letters, digits, '-', '_' and '.')`],
    ]);
    expect(problemsAfter((p) => (p.spec.vendors[0].credential.secretRef.name = '../etc'))).toEqual([
      [`${v0}.credential.secretRef.name`, `"../etc" is not a Secret name (lowercase letters, digits, '-' and '.')`],
    ]);
  });

  it('requires unique agent key ids and lowercase hex SHA-256 hashes', () => {
    expect(problemsAfter((p) => p.spec.vendors[0].agentKeys.push({ id: 'support-1', sha256: 'A'.repeat(64) }))).toEqual([
      [`${v0}.agentKeys[1].sha256`, `"${'A'.repeat(57)}..." is not 64 lowercase hex characters (the SHA-256 of the agent key)`],
      [`${v0}.agentKeys`, 'agent key ids must be unique within the list'],
    ]);
    expect(problemsAfter((p) => p.spec.vendors[0].agentKeys.push({ id: 'support-1', sha256: 'b'.repeat(64) }))).toEqual([
      [`${v0}.agentKeys`, 'agent key ids must be unique within the list'],
    ]);
  });

  describe('rules', () => {
    it('requires unique rule names', () => {
      expect(problemsAfter((p) => p.spec.vendors[0].rules.push({ name: 'partial-refunds-on-tickets', allow: ['charges.create'] }))).toEqual([
        [`${v0}.rules`, 'rule names must be unique within the list'],
      ]);
    });

    it('refuses unknown operation ids with a guess and the list of valid ones', () => {
      expect(problemsAfter((p) => (p.spec.vendors[0].rules[0].allow = ['refunds.create', 'payouts.create', 'refund.create']))).toEqual([
        [
          `${rule0}.allow[1]`,
          'unknown fakepay operation "payouts.create"; valid ids: charges.create, refunds.create, customers.retrieve (or METHOD /path for an endpoint the pack does not know)',
        ],
        [
          `${rule0}.allow[2]`,
          'unknown fakepay operation "refund.create"; did you mean "refunds.create"? valid ids: charges.create, refunds.create, customers.retrieve (or METHOD /path for an endpoint the pack does not know)',
        ],
      ]);
    });

    it('accepts METHOD /path patterns and explains malformed ones', () => {
      expect(
        problemsAfter((p) => {
          p.spec.vendors[0].rules[0].allow = ['GET /v1/climate/**', 'GET /v1/orders/*/lines', 'FETCH /v1/x', 'GET /v1/**/x', 'GET /v1/ch_*', 'GET v1'];
        }),
      ).toEqual([
        [`${rule0}.allow[2]`, '"FETCH /v1/x": method FETCH is not one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS'],
        [`${rule0}.allow[3]`, '"GET /v1/**/x": ** is allowed only as the last segment'],
        [`${rule0}.allow[4]`, '"GET /v1/ch_*": * must be a whole segment (ch_*)'],
        [`${rule0}.allow[5]`, '"GET v1" is not METHOD /path (one space, path starting with /)'],
      ]);
    });

    it('checks the shape of where constraints', () => {
      const where = `${rule0}.where`;
      expect(
        problemsAfter((p) => {
          p.spec.vendors[0].rules[0].where = {
            amount: { max: '5000', min: 10 },
            customer: { in: 'cus_A' },
            'metadata.ticket_id': { present: 'yes' },
            currency: { maximum: 3 },
            refund_application_fee: {},
            destination: { in: [{ id: 1 }] },
          };
        }),
      ).toEqual([
        [`${where}.amount.max`, 'must be a number, found "5000"'],
        [`${where}.customer.in`, 'must be a list, found "cus_A"'],
        [`${where}["metadata.ticket_id"].present`, 'must be true or false, found "yes"'],
        [`${where}.currency.maximum`, 'unknown field "maximum"; did you mean "max"?'],
        [`${where}.refund_application_fee`, 'is empty: give at least one of max, min, in, notIn, present, matches'],
        [`${where}.destination.in[0]`, 'must be a string or a number, found a mapping'],
      ]);
    });

    it('checks what the schema cannot: keys, regexes, bounds that exclude everything', () => {
      const where = `${rule0}.where`;
      expect(
        problemsAfter((p) => {
          p.spec.vendors[0].rules[0].where = {
            description: { matches: '([a-z' },
            'header:Bad Name': { present: true },
            'a..b': { present: true },
            transfer_group: { min: 10, max: 5 },
            destination: { present: false, in: ['acct_1'] },
          };
        }),
      ).toEqual([
        [`${where}.description.matches`, expect.stringMatching(/^does not compile: /)],
        [`${where}["header:Bad Name"]`, '"header:Bad Name": "Bad Name" is not a header name'],
        [`${where}["a..b"]`, '"a..b": empty segment in the dotted path'],
        [`${where}.transfer_group`, 'min 10 > max 5: nothing could match'],
        [`${where}.destination`, 'present: false cannot be combined with other constraints (the field must be absent)'],
      ]);
    });

    it('refuses a pattern JavaScript accepts but RE2, the engine rules run on, does not', () => {
      const where = `${rule0}.where`;
      expect(
        problemsAfter((p) => {
          p.spec.vendors[0].rules[0].where = { description: { matches: '^(?!refund)(a)\\1$' } };
        }),
      ).toEqual([[`${where}.description.matches`, expect.stringMatching(/^does not compile: .*RE2 syntax: no backreferences or lookaround/)]]);
    });

    it('compiles CEL at load and names what is wrong', () => {
      const cel = (expr: string) => problemsAfter((p) => (p.spec.vendors[0].rules[0].cel = expr));
      expect(cel('request.body.amount <= 5000')).toEqual([]);
      expect(cel('request.body.amount <=')).toEqual([[`${rule0}.cel`, expect.stringMatching(/^does not parse: /)]]);
      expect(cel('req.body.amount < 1')).toEqual([[`${rule0}.cel`, 'unknown variable req: only request (body, headers, path, method) is defined']]);
      expect(cel('request.path.startswith("/v1")')).toEqual([[`${rule0}.cel`, 'unknown function startswith()']]);
      expect(cel(`request.method == "${'x'.repeat(1000)}"`)).toEqual([[`${rule0}.cel`, 'is 1020 characters long; the limit is 1000']]);
    });
  });

  describe('caps', () => {
    const capsProblems = (...caps: unknown[]) => problemsAfter((p) => (p.spec.vendors[0].caps = caps));

    it('accepts durations and calendar windows with a time zone', () => {
      expect(
        capsProblems(
          { window: '7d', maxRequests: 1000 },
          { window: 'day', timeZone: 'Europe/Paris', maxSpend: { amount: '1000', currency: 'jpy' } },
          { window: 'month', maxUnits: { count: 500, unit: 'emails' }, per: 'run', operations: ['charges.create'] },
        ),
      ).toEqual([]);
    });

    it('refuses bad windows and time zones', () => {
      expect(capsProblems({ window: '2 days', maxRequests: 1 }, { window: '1.5h', maxRequests: 2 })).toEqual([
        [`${cap(0)}.window`, 'must be a duration (1m, 1h, 24h, 7d) or a calendar period (day, week, month)'],
        [`${cap(1)}.window`, 'must be a duration (1m, 1h, 24h, 7d) or a calendar period (day, week, month)'],
      ]);
      expect(capsProblems({ window: 'day', timeZone: 'Mars/Olympus', maxRequests: 1 }, { window: '24h', timeZone: 'UTC', maxRequests: 1 })).toEqual([
        [`${cap(0)}.timeZone`, '"Mars/Olympus" is not an IANA time zone (UTC, Europe/Paris, America/New_York)'],
        [`${cap(1)}.timeZone`, 'applies only to calendar windows (day, week, month); a rolling window has no time zone'],
      ]);
    });

    it('needs exactly one limit, each well-formed', () => {
      expect(capsProblems({ window: '1h' }, { window: '2h', maxRequests: 5, maxSpend: { amount: '1.00', currency: 'usd' } })).toEqual([
        [cap(0), 'needs exactly one of maxSpend, maxRequests, maxUnits'],
        [cap(1), 'needs exactly one of maxSpend, maxRequests, maxUnits'],
      ]);
      expect(capsProblems({ window: '2h', maxRequests: 0 }, { window: '3h', maxUnits: { count: 1.5 } })).toEqual([
        [`${cap(0)}.maxRequests`, 'must be ≥ 1, found 0'],
        [`${cap(1)}.maxUnits.unit`, 'is required'],
        [`${cap(1)}.maxUnits.count`, 'must be a whole number, found 1.5'],
      ]);
    });

    it('checks spend amounts: quoted decimals (CEL), then against the currency (code)', () => {
      expect(
        capsProblems({ window: '1h', maxSpend: { amount: 500, currency: 'usd' } }, { window: '4h', maxSpend: { amount: '5.00', currency: 'USD' } }),
      ).toEqual([
        [`${cap(0)}.maxSpend.amount`, 'must be a string (a decimal amount in major units, quoted ("500.00")), found 500'],
        [`${cap(1)}.maxSpend.currency`, '"USD" is not a lowercase ISO currency code (usd, eur, jpy)'],
      ]);
      expect(capsProblems({ window: '3h', maxSpend: { amount: '1e3', currency: 'usd' } })).toEqual([
        [`${cap(0)}.maxSpend.amount`, 'must be a quoted non-negative decimal like "500.00" (no sign, exponent or thousands separator)'],
      ]);
      expect(capsProblems({ window: '2h', maxSpend: { amount: '500.5', currency: 'jpy' } })).toEqual([
        [`${cap(0)}.maxSpend.amount`, "amount '500.5' has 1 decimals; JPY has 0"],
      ]);
    });

    it('checks per, operations and name collisions', () => {
      expect(capsProblems({ window: '1h', maxRequests: 1, per: 'agent' })).toEqual([[`${cap(0)}.per`, 'must be one of key, run, found "agent"']]);
      expect(capsProblems({ window: '1h', maxRequests: 1 }, { window: '1h', maxRequests: 2, operations: ['payouts.create'] })).toEqual([
        [`${cap(1)}.operations[0]`, 'unknown fakepay operation "payouts.create"; valid ids: charges.create, refunds.create, customers.retrieve'],
        [`${cap(1)}.name`, 'cap name "1h fakepay requests" is used twice; it must be unique (give one of the caps a name)'],
      ]);
      expect(capsProblems({ name: 'a', window: '1h', maxRequests: 1 }, { name: 'a', window: '2h', maxRequests: 1 })).toEqual([
        [`${v0}.caps`, 'cap names must be unique within the list'],
      ]);
    });
  });

  it('checks fx currencies and rates', () => {
    expect(problemsAfter((p) => (p.spec.vendors[0].fx = { EUR: '1.08', gbp: '0' }))).toEqual([
      [`${v0}.fx.EUR`, '"EUR" is not a lowercase ISO currency code (eur, gbp)'],
      [`${v0}.fx.gbp`, "rate '0' is zero; a conversion rate must be positive"],
    ]);
    expect(problemsAfter((p) => (p.spec.vendors[0].fx = { jpy: 0.0067 }))).toEqual([[`${v0}.fx.jpy`, 'must be a string, found 0.0067']]);
  });

  it('checks the loop brake', () => {
    expect(problemsAfter((p) => (p.spec.vendors[0].loopBrake = { maxIdentical: 0, within: '1 minute' }))).toEqual([
      [`${v0}.loopBrake.maxIdentical`, 'must be ≥ 1, found 0'],
      [`${v0}.loopBrake.within`, 'must be a duration: a positive whole number and a unit ms, s, m, h or d (500ms, 60s, 5m, 1h)'],
    ]);
  });

  it('requires passthrough entries to be hostnames or *.suffix', () => {
    expect(problemsAfter((p) => (p.spec.passthrough = ['api.openai.com', 'https://x.com', '*.com', 'API.OPENAI.COM']))).toEqual([
      ['spec.passthrough[1]', '"https://x.com" is not a lowercase hostname or *.suffix pattern'],
      ['spec.passthrough[2]', '"*.com" is not a lowercase hostname or *.suffix pattern'],
      ['spec.passthrough[3]', '"API.OPENAI.COM" is not a lowercase hostname or *.suffix pattern'],
    ]);
  });

  it('refuses a host governed by two vendor entries across documents', () => {
    const overridden = basePolicy('mail');
    overridden.spec.vendors[0] = { ...overridden.spec.vendors[0]!, vendor: 'fakemail', hosts: ['api.fakepay.test'] };
    for (const other of [basePolicy('billing'), overridden]) {
      expect(check([basePolicy(), other])).toEqual([
        { document: 'policy[1]', path: v0, message: 'host api.fakepay.test is already governed by policy[0] spec.vendors[0]; one host, one vendor entry' },
      ]);
    }
  });

  it('refuses a host that is both governed and passthrough', () => {
    expect(problemsAfter((p) => p.spec.passthrough.push('api.fakepay.test'))).toEqual([
      ['spec.passthrough[2]', 'api.fakepay.test is governed by policy[0] spec.vendors[0]; a host cannot also be passthrough'],
    ]);
  });

  it("includes the pack's own checks of vendor-specific fields", () => {
    expect(problemsAfter((p) => (p.spec.vendors[0].maxCallMinutes = 2000))).toEqual([[`${v0}.maxCallMinutes`, 'must be ≤ 1440, found 2000']]);
    expect(problemsAfter((p) => (p.spec.vendors[0].unitPrices = { currency: 'usd', default: { fax: '0.01' } }))).toEqual([
      [v0, 'unitPrices.default.fax: unknown price name; valid names: sms'],
    ]);
  });

  it('reports every problem of a pass at once, not just the first', () => {
    expect(
      problemsAfter((p) => {
        p.spec.enforcement = 'loud';
        p.spec.vendors[0].caps[0].window = 'fortnight';
        p.spec.vendors[0].rules[0].allow = [];
      }),
    ).toHaveLength(3);
  });

  it('survives documents of the wrong shape', () => {
    const junk = [null, 'text', { apiVersion: 'keybrake.dev/v1alpha1', kind: 'EgressPolicy', metadata: { name: 'x' }, spec: { vendors: [null, 3] } }];
    expect(check(junk)).toEqual([
      { document: 'policy[0]', path: '', message: 'must be a mapping, found null' },
      { document: 'policy[1]', path: '', message: 'must be a mapping, found "text"' },
      { document: 'policy[2]', path: 'spec.vendors[0]', message: 'must be a mapping, found null' },
      { document: 'policy[2]', path: 'spec.vendors[1]', message: 'must be a mapping, found 3' },
    ]);
  });
});
