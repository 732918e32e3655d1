// `keybrake policy check` and `keybrake policy schema`, run as a user runs them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { keybrake } from '../helpers/keybrake-cli.ts';
import { policySchemaDocument, runPolicyCommand } from '../../src/commands/policy.ts';
import { registryValidator } from '../../src/commands/policy-setup.ts';
import { policyFixturePath } from '../fixtures/policies.ts';

/** The command in process (spawning costs seconds on a loaded machine); two tests below run the real binary. */
async function inProcess(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runPolicyCommand(args, { write: (t: string) => (stdout += t) }, { write: (t: string) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('keybrake policy', () => {
  it('check exits 0 on a valid file and says how many documents it read', async () => {
    const r = await inProcess('check', policyFixturePath('stripe-refunds.yaml'));
    expect(r).toMatchObject({ code: 0, stdout: '' });
    expect(r.stderr).toBe('ok: 1 EgressPolicy document in 1 file\n');
  });

  it('check prints FILE: FIELD: MESSAGE for every problem and exits 1', async () => {
    const wher = policyFixturePath('typos/wher.yaml');
    const kiled = policyFixturePath('typos/kiled.yaml');
    const r = await keybrake('policy', 'check', wher, kiled);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      `${wher}: spec.vendors[0].rules[0].wher: unknown field "wher"; did you mean "where"?`,
      `${kiled}: spec.kiled: unknown field "kiled"; did you mean "killed"?`,
    ]);
    expect(r.stderr).toBe('2 problems in 2 document(s)\n');
  });

  it('check --output json gives the structured problems', async () => {
    const file = policyFixturePath('typos/pre-run.yaml');
    const r = await inProcess('check', '-o', 'json', file);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      documents: 1,
      problems: [{ document: file, path: 'spec.vendors[0].caps[1].pre', message: 'unknown field "pre"; did you mean "per"?' }],
    });
  });

  it('check reports unreadable files and YAML errors as problems', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keybrake-check-'));
    try {
      const broken = path.join(dir, 'broken.yaml');
      fs.writeFileSync(broken, 'kind: EgressPolicy\nspec: [\n');
      const r = await inProcess('check', broken, path.join(dir, 'absent.yaml'));
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`${path.join(dir, 'absent.yaml')}: cannot read: ENOENT`);
      expect(r.stdout).toMatch(new RegExp(`${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*line 3`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([[[]], [['check']], [['check', '--bogus', 'x.yaml']], [['check', '-o', 'xml', 'x.yaml']], [['lint']]])(
    'policy %j is a usage error: exit 2 with the usage',
    async (args) => {
      const r = await inProcess(...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('usage: keybrake policy check');
    },
  );

  it('schema prints the JSON Schema the validator compiled: the same object', async () => {
    const validator = registryValidator();
    // In process: the printed object is the validator's schema, and ajv compiled that very object.
    expect(policySchemaDocument()).toBe(validator.schema);
    expect(validator.compiledSchema).toBe(validator.schema);
    // Out of process: what the command prints is that object, serialized.
    const r = await keybrake('policy', 'schema');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(JSON.stringify(validator.schema)));
    expect(JSON.parse(r.stdout).properties.spec.additionalProperties).toBe(false);
  });
});
