// `keybrake policy check FILE…` and `keybrake policy schema`: the validator the
// proxy and the controller use, for editors, CI and humans before `kubectl apply`.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { formatProblem, type PolicyProblem } from '../policy/feed.ts';
import { parsePolicyTexts } from '../policy/documents.ts';
import { registryValidator } from './policy-setup.ts';

const USAGE = `usage: keybrake policy check [--output text|json] FILE…
       keybrake policy schema

  check    validate EgressPolicy files as the proxy and the controller would (every file
           together: names and hosts must be unique across them); prints each problem as
           FILE: FIELD: MESSAGE; exits 0 when valid, 1 on problems, 2 on usage errors
  schema   print the JSON Schema of an EgressPolicy (for editors: yaml-language-server)
`;

export interface Output {
  write(text: string): unknown;
}

export async function runPolicyCommand(argv: string[], out: Output = process.stdout, err: Output = process.stderr): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'schema' && rest.length === 0) {
    out.write(`${JSON.stringify(policySchemaDocument(), null, 2)}\n`);
    return 0;
  }
  if (sub === 'check') return check(rest, out, err);
  if (sub === '--help' || sub === '-h' || sub === 'help') return (void out.write(USAGE), 0);
  err.write(`keybrake policy: ${sub === undefined ? 'missing subcommand' : `unexpected ${JSON.stringify([sub, ...rest].join(' '))}`}\n\n${USAGE}`);
  return 2;
}

/** The very object the validator compiled (a test holds it to that). */
export function policySchemaDocument(): object {
  return registryValidator().schema;
}

function check(argv: string[], out: Output, err: Output): number {
  let files: string[];
  let format: string;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { output: { type: 'string', short: 'o', default: 'text' } },
      allowPositionals: true,
      strict: true,
    });
    files = positionals;
    format = String(values.output);
  } catch (e) {
    err.write(`keybrake policy check: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (files.length === 0 || !['text', 'json'].includes(format)) {
    err.write(`keybrake policy check: ${files.length === 0 ? 'name at least one FILE' : '--output must be text or json'}\n\n${USAGE}`);
    return 2;
  }
  const texts: Array<{ name: string; text: string }> = [];
  const problems: PolicyProblem[] = [];
  for (const file of files) {
    try {
      texts.push({ name: file, text: fs.readFileSync(file, 'utf8') });
    } catch (e) {
      problems.push({ document: file, path: '', message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
    }
  }
  const { parsed, problems: syntax } = parsePolicyTexts(texts);
  problems.push(...syntax, ...registryValidator().check(parsed));
  if (format === 'json') out.write(`${JSON.stringify({ documents: parsed.length, problems }, null, 2)}\n`);
  else if (problems.length) out.write(`${problems.map(formatProblem).join('\n')}\n`);
  const summary = problems.length
    ? `${problems.length} problem${problems.length > 1 ? 's' : ''} in ${new Set(problems.map((p) => p.document)).size} document(s)`
    : `ok: ${parsed.length} EgressPolicy document${parsed.length === 1 ? '' : 's'} in ${files.length} file${files.length === 1 ? '' : 's'}`;
  err.write(`${summary}\n`);
  return problems.length ? 1 : 0;
}
