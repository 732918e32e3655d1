// Policy YAML → EgressPolicy documents. Only the document structure is checked
// here (YAML syntax, one mapping per document, kind EgressPolicy); the fields
// are checked by validate.ts so the file and the CRD get the same messages.
import { parseAllDocuments } from 'yaml';
import { KIND, type EgressPolicy } from './schema.ts';

/** A policy that cannot be used, with every reason (each names where it is). */
export class PolicyError extends Error {
  readonly problems: readonly string[];

  constructor(summary: string, problems: readonly string[]) {
    super(problems.length ? `${summary}:\n  - ${problems.join('\n  - ')}` : summary);
    this.name = 'PolicyError';
    this.problems = problems;
  }
}

/**
 * Every non-empty document of `text` (`---` separated). `source` names the text
 * in messages (a file path, `ConfigMap agents/keybrake-policy`).
 */
export function parsePolicyYaml(text: string, source: string): EgressPolicy[] {
  const problems: string[] = [];
  const policies: EgressPolicy[] = [];
  parseAllDocuments(text).forEach((doc, index) => {
    const where = `${source} document[${index}]`;
    if (doc.errors.length > 0) {
      // The yaml package's first line already says what and at which line/column.
      for (const err of doc.errors) problems.push(`${where}: ${err.message.split('\n')[0].replace(/:$/, '')}`);
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS();
    } catch (err) {
      problems.push(`${where}: ${(err as Error).message}`); // e.g. too many aliases
      return;
    }
    if (value === null || value === undefined) return; // empty document (`---` alone, comments)
    const kindProblem = notAPolicy(value);
    if (kindProblem) problems.push(`${where}: ${kindProblem}`);
    else policies.push(value as EgressPolicy);
  });
  if (problems.length) throw new PolicyError(`invalid policy in ${source}`, problems);
  return policies;
}

function notAPolicy(value: unknown): string | undefined {
  if (typeof value !== 'object' || Array.isArray(value)) {
    return `expected an ${KIND} mapping, found ${Array.isArray(value) ? 'a list' : JSON.stringify(value)}`;
  }
  const kind = (value as Record<string, unknown>).kind;
  if (kind === KIND) return undefined;
  return kind === undefined
    ? `missing kind (expected kind: ${KIND})`
    : `kind ${JSON.stringify(kind)} is not ${KIND}`;
}
