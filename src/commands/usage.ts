// How the CLI talks about its own command line: usage errors (exit 2, on
// stderr, with a "did you mean"), help text (stdout, exit 0), and the
// suggestions both use.

/** A mistake in the command line: the command prints it with a usage hint and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * A configuration that cannot work (a file that is a directory, a port that is
 * taken, a store that cannot be opened): exit 1 with the message, which names
 * the flag to change.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Edit distance, for suggestions; inputs are short (flag and command names). */
function distance(a: string, b: string): number {
  // One row of the edit-distance table, b.length + 1 cells: every index read below (0..b.length) is inside it.
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const keep = row[j]!;
      row[j] = Math.min(keep + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = keep;
    }
  }
  return row[b.length]!;
}

/** The closest candidate, when it is close enough to be what was meant. */
export function closest(given: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const score = c.startsWith(given) && given.length >= 2 ? 0.5 : distance(given, c);
    if (score < bestScore) [best, bestScore] = [c, score];
  }
  return bestScore <= Math.max(1, Math.floor(given.length / 3)) ? best : undefined;
}

/** ` (did you mean "--policy"?)` or ''. */
export function didYouMean(given: string, candidates: readonly string[]): string {
  const hit = closest(given, candidates);
  return hit ? `; did you mean "${hit}"?` : '';
}

export interface HelpRow {
  left: string;
  help: string;
}

/** Two aligned columns, the way every command prints its options. */
export function columns(rows: readonly HelpRow[]): string {
  const width = Math.min(34, Math.max(...rows.map((r) => r.left.length)) + 2);
  return rows.map((r) => (r.left.length + 2 > width ? `${r.left}\n${' '.repeat(width)}${r.help}` : `${r.left.padEnd(width)}${r.help}`)).join('\n');
}

/** What a command prints for a usage error: the message, then how to get help. */
export function usageMessage(command: string, err: UsageError, usage: string): string {
  return `${command}: ${err.message}\n\nusage: ${usage}\nRun '${command} --help' for every option.\n`;
}
