// YAML texts → EgressPolicy documents, each labelled for problems
// (`policy.yaml`, `policy.yaml document[1]`). Only YAML syntax and "is this an
// EgressPolicy at all" are checked here; the fields are the validator's.
import { parseAllDocuments } from 'yaml';
import { KIND } from './schema.ts';
import { formatProblem, type PolicyProblem } from './feed.ts';

/** A policy that cannot be used, with every reason (each names its document and field). */
export class PolicyError extends Error {
  readonly problems: readonly PolicyProblem[];

  constructor(summary: string, problems: readonly PolicyProblem[]) {
    super(problems.length ? `${summary}:\n  - ${problems.map(formatProblem).join('\n  - ')}` : summary);
    this.name = 'PolicyError';
    this.problems = problems;
  }
}

export interface ParsedDocument {
  document: string;
  value: unknown;
}

/** Every non-empty `---` document of each text; comments-only documents are skipped. */
export function parsePolicyTexts(texts: readonly { name: string; text: string }[]): { parsed: ParsedDocument[]; problems: PolicyProblem[] } {
  const parsed: ParsedDocument[] = [];
  const problems: PolicyProblem[] = [];
  for (const { name, text } of texts) {
    const docs = parseAllDocuments(text);
    const all = Array.isArray(docs) ? docs : [];
    const label = (i: number) => (all.length > 1 ? `${name} document[${i}]` : name);
    all.forEach((doc, index) => {
      const document = label(index);
      if (doc.errors.length > 0) {
        // The yaml package's first line already says what and at which line/column.
        for (const err of doc.errors) problems.push({ document, path: '', message: err.message.split('\n')[0]!.replace(/:$/, '') });
        return;
      }
      let value: unknown;
      try {
        value = doc.toJS();
      } catch (err) {
        problems.push({ document, path: '', message: (err as Error).message }); // e.g. too many aliases
        return;
      }
      if (value === null || value === undefined) return; // `---` alone, comments
      const notPolicy = notAPolicy(value);
      if (notPolicy) problems.push({ document, path: notPolicy.path, message: notPolicy.message });
      else parsed.push({ document, value });
    });
  }
  return { parsed, problems };
}

function notAPolicy(value: unknown): { path: string; message: string } | undefined {
  if (typeof value !== 'object' || Array.isArray(value)) {
    return { path: '', message: `expected an ${KIND} mapping, found ${Array.isArray(value) ? 'a list' : JSON.stringify(value)}` };
  }
  const kind = (value as Record<string, unknown>).kind;
  if (kind === KIND) return undefined;
  return kind === undefined
    ? { path: 'kind', message: `is required (expected kind: ${KIND})` }
    : { path: 'kind', message: `${JSON.stringify(kind)} is not ${KIND}` };
}
