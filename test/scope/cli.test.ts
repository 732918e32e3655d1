// `keybrake scope` as a user runs it: the list, the table, JSON equal to the
// data module's report, YAML equal to the policy, and errors that say what to change.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { keybrake } from '../helpers/keybrake-cli.ts';
import { scopeReport } from '../../src/scope/report.ts';
import { USE_CASES } from '../../src/scope/use-cases.ts';
import { scope } from './run-scope.ts';

describe('keybrake scope', () => {
  it('--list shows the fourteen use cases; keybrake --help lists scope', async () => {
    const r = await keybrake('scope', '--list');
    expect(r.code).toBe(0);
    for (const u of USE_CASES) expect(r.stdout).toContain(u.id);
    expect((await keybrake('--help')).stdout).toMatch(/^ {2}scope /m);
  }, 120_000);

  it('the table: permissions with None/Read/Write, granularity, score with a line per axis, pair warnings, link and policy', async () => {
    const r = await keybrake('scope', '--use-case', 'support-refunds', '--use-case', 'connect-onboarding', '--permissions', 'rak_transfer_write');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Charges and refunds\s+Write\s+rak_charge_write\s+\[S\]\[P\]$/m);
    expect(r.stdout).toMatch(/^Customers\s+Read\s+rak_customer_read/m);
    expect(r.stdout).toMatch(/every other row, \d+ of them: None/);
    expect(r.stdout).toMatch(/! Charges and refunds W also allows creating and capturing charges/);
    expect(r.stdout).toMatch(/Blast radius: \d+\/100 CRITICAL/);
    for (const axis of ['money', 'reversibility', 'ceiling', 'data', 'escalation', 'pairs']) expect(r.stdout).toMatch(new RegExp(`^  ${axis}\\s+\\+`, 'm'));
    expect(r.stdout).toMatch(/^CRITICAL pair A: Connected accounts W \+ Transfers W/m);
    expect(r.stdout).toMatch(/^CRITICAL pair C: .*Transfers W/m);
    expect(r.stdout).toMatch(/split: .*second key/);
    expect(r.stdout).toContain('https://dashboard.stripe.com/apikeys/create?name=keybrake%20support-refunds-connect-onboarding&permissions[]=');
    expect(r.stdout).toMatch(/unverified/);
    expect(r.stdout).toContain('kind: EgressPolicy');
  }, 120_000);

  it("the README's example is what the command prints", () => {
    const readme = fs.readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
    const command = '$ keybrake scope --use-case support-refunds --use-case reporting';
    const block = readme.slice(readme.indexOf(command) + command.length, readme.indexOf('```', readme.indexOf(command)));
    const printed = scope('--use-case', 'support-refunds', '--use-case', 'reporting').stdout.split('\n');
    const shown = block.split('\n').filter((l) => l.trim() !== '' && l.trim() !== '…');
    expect(shown.length).toBeGreaterThan(15);
    for (const line of shown) {
      const found = line.endsWith('…') ? printed.some((p) => p.startsWith(line.slice(0, -1))) : printed.includes(line);
      expect(found, `README line not in the output: ${line}`).toBe(true);
    }
  });

  it('--format json is the report; --format yaml is the policy alone', () => {
    const expected = scopeReport({ useCases: ['dunning', 'reporting'], permissions: [] });
    if (!expected.ok) throw new Error('report failed');
    const json = scope('--use-case', 'dunning', '--use-case', 'reporting', '--format', 'json');
    expect(JSON.parse(json.stdout)).toEqual(JSON.parse(JSON.stringify(expected.report)));
    const yaml = scope('--use-case', 'dunning', '--use-case', 'reporting', '--format', 'yaml');
    expect(yaml.stdout).toBe(expected.report.policyYaml);
  });

  it('errors exit 2 and name what to change', () => {
    const bad = scope('--use-case', 'refunds');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown use case "refunds"; valid: reporting, support-refunds/);
    const slug = scope('--permissions', 'rak_refund_write');
    expect(slug.code).toBe(2);
    expect(slug.stderr).toMatch(/use rak_charge_write/);
    const format = scope('--use-case', 'reporting', '--format', 'xml');
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/--format "xml" is not one of table, json, yaml/);
    const yamlOnly = scope('--permissions', 'rak_charge_read', '--format', 'yaml');
    expect(yamlOnly.code).toBe(2);
    expect(yamlOnly.stderr).toMatch(/needs at least one --use-case/);
    const none = scope();
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/choose at least one use case/);
  });
});
