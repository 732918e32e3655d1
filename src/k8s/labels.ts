// Pod labels from the downward API file (`key="value"` per line, values quoted
// like Go's %q) and the EgressPolicy selector test.
import fs from 'node:fs';

export function parseLabelsFile(text: string, file = 'pod labels file'): Record<string, string> {
  const labels: Record<string, string> = {};
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const [, key, quoted] = /^([^=\s]+)="(.*)"$/.exec(line.trim()) ?? [];
    if (key === undefined || quoted === undefined) {
      throw new Error(`${file} line ${i + 1}: expected key="value" (downward API labels format), got ${JSON.stringify(line.slice(0, 80))}`);
    }
    try {
      labels[key] = JSON.parse(`"${quoted}"`);
    } catch {
      labels[key] = quoted;
    }
  });
  return labels;
}

export function readLabelsFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read --pod-labels-file ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseLabelsFile(text, file);
}

/** matchLabels semantics: every listed label equal. An empty selector selects everything (the controller refuses those). */
export function selectorMatches(selector: { matchLabels?: Record<string, string> } | undefined, labels: Record<string, string>): boolean {
  const want = selector?.matchLabels ?? {};
  return Object.entries(want).every(([k, v]) => labels[k] === v);
}

export function selectorString(selector: { matchLabels?: Record<string, string> } | undefined): string {
  return Object.entries(selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
