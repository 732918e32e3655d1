// `keybrake scope`: the minimal Stripe Restricted Key for an agent's use
// cases, its blast radius and exfiltration pairs, and the EgressPolicy to run
// it under. `--permissions` scores a key that already exists.
import { runCommandSync, type CommandSpec, type ParsedFlags } from './flags.ts';
import { formatReport, formatUseCaseList } from '../scope/format-text.ts';
import { scopeReport } from '../scope/report.ts';

const SPEC: CommandSpec = {
  command: 'keybrake scope',
  usage: 'keybrake scope --use-case ID [--use-case ID …] [--permissions rak_a,rak_b] [--format table|json|yaml] | --list',
  summary:
    'The smallest Stripe Restricted Key for the use cases, its blast-radius score with one reason per axis,\n' +
    'CRITICAL warnings for permission pairs that let cash leave for good, the dashboard pre-fill link and\n' +
    'the matching EgressPolicy.',
  flags: [
    { name: 'use-case', help: 'a use case the agent has (see --list)', multiple: true, value: 'ID' },
    { name: 'permissions', help: 'comma-separated rak_… slugs of a key you already have, to score it and find its pairs', value: 'SLUGS' },
    {
      name: 'format',
      type: 'choice',
      choices: ['table', 'json', 'yaml'],
      help: 'table (everything, for people), json (everything), yaml (the EgressPolicy only)',
      default: 'table',
    },
    { name: 'list', type: 'boolean', help: 'list the use cases' },
  ],
};

export function runScopeCommand(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): number {
  return runCommandSync(SPEC, argv, (f) => scope(f, out, err), { out, err }, {});
}

function scope(f: ParsedFlags, out: NodeJS.WritableStream, err: NodeJS.WritableStream): number {
  if (f.bool('list')) {
    out.write(formatUseCaseList());
    return 0;
  }
  const format = f.need('format');
  const useCases = f.list('use-case');
  const permissions = f.string('permissions')?.split(',') ?? [];
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
