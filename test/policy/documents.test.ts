import { describe, expect, it } from 'vitest';
import { parsePolicyTexts, PolicyError } from '../../src/policy/documents.ts';
import { formatProblem } from '../../src/policy/feed.ts';
import { parseDuration } from '../../src/policy/duration.ts';

const POLICY = (name: string) => `apiVersion: keybrake.dev/v1alpha1
kind: EgressPolicy
metadata: {name: ${name}}
spec:
  vendors: []
`;

function problemsOf(text: string): string[] {
  const { parsed, problems } = parsePolicyTexts([{ name: 'policy.yaml', text }]);
  expect(problems.length).toBeGreaterThan(0);
  expect(parsed.length + problems.length).toBeGreaterThan(0);
  return problems.map(formatProblem);
}

describe('parsePolicyTexts', () => {
  it('reads every document of every text, skips empty ones and labels each', () => {
    const { parsed, problems } = parsePolicyTexts([
      { name: 'policy.yaml', text: `---\n${POLICY('a')}---\n# nothing here\n---\n${POLICY('b')}---\n` },
      { name: 'c.yaml', text: POLICY('c') },
    ]);
    expect(problems).toEqual([]);
    expect(parsed.map((d) => [d.document, (d.value as { metadata: { name: string } }).metadata.name])).toEqual([
      ['policy.yaml document[0]', 'a'],
      ['policy.yaml document[2]', 'b'],
      ['c.yaml', 'c'],
    ]);
  });

  it('names the source, the document and the line of a YAML syntax error', () => {
    expect(problemsOf(`${POLICY('a')}---\nkind: EgressPolicy\nspec: [\n`)).toEqual([
      // Lines count from the top of the file, not of the document.
      expect.stringMatching(/^policy\.yaml document\[1\]: .* at line 9, column \d+$/),
    ]);
  });

  it('refuses duplicate keys instead of keeping the last one', () => {
    expect(problemsOf(`${POLICY('a')}  killed: false\n  killed: true\n`)).toEqual([expect.stringMatching(/^policy\.yaml: Map keys must be unique at line 7/)]);
  });

  it('refuses documents that are not EgressPolicies, naming each', () => {
    const text = `${POLICY('a')}---\napiVersion: v1\nkind: ConfigMap\n---\n- a list\n---\nmetadata: {name: x}\n`;
    expect(problemsOf(text)).toEqual([
      'policy.yaml document[1]: kind: "ConfigMap" is not EgressPolicy',
      'policy.yaml document[2]: expected an EgressPolicy mapping, found a list',
      'policy.yaml document[3]: kind: is required (expected kind: EgressPolicy)',
    ]);
  });

  it('puts every problem in a PolicyError message', () => {
    const { problems } = parsePolicyTexts([{ name: 'p.yaml', text: 'kind: Pod\n---\nkind: Secret\n' }]);
    expect(new PolicyError('invalid policy in p.yaml', problems).message).toBe(
      'invalid policy in p.yaml:\n  - p.yaml document[0]: kind: "Pod" is not EgressPolicy\n  - p.yaml document[1]: kind: "Secret" is not EgressPolicy',
    );
  });
});

describe('parseDuration', () => {
  it('reads each unit', () => {
    expect(['500ms', '60s', '1m', '1h', '24h', '7d'].map(parseDuration)).toEqual([500, 60_000, 60_000, 3_600_000, 86_400_000, 604_800_000]);
  });

  it.each(['', '0s', '1.5h', '24 h', '1w', '-1m', '1H', '01m', '10'])('refuses %j', (text) => {
    expect(() => parseDuration(text)).toThrow(`${JSON.stringify(text)} is not a duration: use a positive whole number and a unit ms, s, m, h or d`);
  });
});
