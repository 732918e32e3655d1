// `keybrake scope`: the minimal Stripe Restricted Key for an agent's use
// cases, its blast radius and exfiltration pairs, and the EgressPolicy to run
// it under. `--permissions` scores a key that already exists.
import { helpText, parseFlags, type FlagSpec } from './flags.ts';
import { formatReport, formatUseCaseList } from '../scope/format-text.ts';
import { scopeReport } from '../scope/report.ts';

const FLAGS: FlagSpec[] = [
  { name: 'use-case', help: 'a use case the agent has (see --list)', multiple: true },
  { name: 'permissions', help: 'comma-separated rak_… slugs of a key you already have, to score it and find its pairs' },
  { name: 'format', help: 'table (everything, for people), json (everything), yaml (the EgressPolicy only)', default: 'table' },
  { name: 'list', help: 'list the use cases', boolean: true },
];

const USAGE = 'keybrake scope --use-case ID [--use-case ID …] [--permissions rak_a,rak_b] [--format table|json|yaml] | --list';
const SUMMARY =
  'The smallest Stripe Restricted Key for the use cases, its blast-radius score with one reason per axis,\n' +
  'CRITICAL warnings for permission pairs that let cash leave for good, the dashboard pre-fill link and\n' +
  'the matching EgressPolicy.';

export function runScopeCommand(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): number {
  let f;
  try {
    f = parseFlags(argv, FLAGS);
  } catch (e) {
    err.write(`keybrake scope: ${(e as Error).message}\n\n${helpText(USAGE, SUMMARY, FLAGS)}`);
    return 2;
  }
  if (f.help) {
    out.write(helpText(USAGE, SUMMARY, FLAGS));
    return 0;
  }
  if (f.list) {
    out.write(formatUseCaseList());
    return 0;
  }
  const format = String(f.format);
  if (!['table', 'json', 'yaml'].includes(format)) {
    err.write(`keybrake scope: --format must be table, json or yaml, found ${JSON.stringify(format)}\n`);
    return 2;
  }
  const useCases = (f['use-case'] as string[] | undefined) ?? [];
  const permissions = typeof f.permissions === 'string' ? f.permissions.split(',') : [];
  const result = scopeReport({ useCases, permissions });
  if (!result.ok) {
    err.write(result.errors.map((e) => `keybrake scope: ${e}\n`).join(''));
    return 2;
  }
  const r = result.report;
  if (format === 'json') out.write(`${JSON.stringify(r, null, 2)}\n`);
  else if (format === 'table') out.write(formatReport(r));
  else if (r.policyYaml) out.write(r.policyYaml);
  else {
    err.write('keybrake scope: --format yaml prints the EgressPolicy, which needs at least one --use-case\n');
    return 2;
  }
  return 0;
}
