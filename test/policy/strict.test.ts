// A typo must never silently weaken a policy: every unknown field is refused
// with the document, the field path and a "did you mean".
import { describe, expect, it } from 'vitest';
import { validatePolicyDocuments } from '../../src/policy/validator.ts';
import { filePolicySource, registryValidator } from '../../src/commands/policy-setup.ts';
import { PolicyError } from '../../src/policy/documents.ts';
import { closestName } from '../../src/policy/did-you-mean.ts';
import { policyFixturePath, policyFixtureText } from '../fixtures/policies.ts';

const problemsOf = (fixture: string) => validatePolicyDocuments([{ name: fixture, text: policyFixtureText(fixture) }], registryValidator());

describe('unknown fields are refused everywhere', () => {
  it('accepts the fixture the typos are made from', () => {
    expect(problemsOf('stripe-refunds.yaml')).toEqual([]);
  });

  const typos: Array<[fixture: string, path: string, typed: string, meant: string]> = [
    ['typos/wher.yaml', 'spec.vendors[0].rules[0].wher', 'wher', 'where'],
    ['typos/kiled.yaml', 'spec.kiled', 'kiled', 'killed'],
    ['typos/loopBreak.yaml', 'spec.vendors[0].loopBreak', 'loopBreak', 'loopBrake'],
    ['typos/timezone.yaml', 'spec.vendors[0].caps[1].timezone', 'timezone', 'timeZone'],
    ['typos/pre-run.yaml', 'spec.vendors[0].caps[1].pre', 'pre', 'per'],
    ['typos/enforcment.yaml', 'spec.enforcment', 'enforcment', 'enforcement'],
  ];
  it.each(typos)('%s is refused at %s', (fixture, path, typed, meant) => {
    expect(problemsOf(fixture)).toEqual([{ document: fixture, path, message: `unknown field "${typed}"; did you mean "${meant}"?` }]);
  });

  it('lists the valid fields when nothing is close', () => {
    const text = policyFixtureText('stripe-refunds.yaml').replace('  killed: false\n', '  budget: 5\n');
    expect(validatePolicyDocuments([{ name: 'p.yaml', text }], registryValidator())).toEqual([
      {
        document: 'p.yaml',
        path: 'spec.budget',
        message: expect.stringMatching(/^unknown field "budget"; valid fields here: selector, enforcement, killed, killReason, passthrough, /),
      },
    ]);
  });

  it('names the document of a multi-document file', () => {
    const good = policyFixtureText('stripe-refunds.yaml');
    const bad = policyFixtureText('typos/kiled.yaml').replace('name: support-refunds', 'name: other');
    const text = `${good}\n---\n${bad.replace(/api\.openai\.com/, 'api.anthropic.com')}`;
    const problems = validatePolicyDocuments([{ name: 'two.yaml', text }], registryValidator());
    expect(problems.map((p) => [p.document, p.path])).toEqual([['two.yaml document[1]', 'spec.kiled']]);
  });
});

describe('keybrake proxy --policy with a typo', () => {
  // Before the strict schema, `wher:` let a $45 refund with no ticket through. Now the proxy does not start.
  it('refuses to start, naming the field', async () => {
    const file = policyFixturePath('typos/wher.yaml');
    const error = await filePolicySource(file)
      .start(
        () => {},
        () => {},
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).problems).toEqual([
      { document: file, path: 'spec.vendors[0].rules[0].wher', message: 'unknown field "wher"; did you mean "where"?' },
    ]);
  });
});

describe('closestName', () => {
  it('ignores case, counts a swap as one edit and falls back to a known prefix', () => {
    expect(closestName('TIMEZONE', ['window', 'timeZone'])).toBe('timeZone');
    expect(closestName('pre', ['per', 'name'])).toBe('per');
    expect(closestName('maximum', ['max', 'min'])).toBe('max');
    expect(closestName('selector', ['vendors', 'killed'])).toBeUndefined();
  });
});
