// `keybrake status` as people read it: a few lines of state, then one table of
// caps and one of calls by decision. `--output json` prints /status as is.

interface CapRow {
  name: string;
  window: string;
  summary?: string;
  used: number;
  limit: number;
}

interface VendorRow {
  policy: string;
  vendor: string;
  enforcement: string;
  caps: CapRow[] | { error: string };
}

export interface StatusBody {
  ready?: boolean;
  problems?: Array<{ check: string; message: string }>;
  killed: boolean;
  reason?: string;
  since?: string;
  killedBy?: string;
  policy?: { generation: number; names: string[] } | null;
  vendors?: VendorRow[];
  counts?: Record<string, number>;
}

/** Left-aligned columns with a header row, like kubectl get. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

export function renderStatus(s: StatusBody): string {
  const out: string[] = [];
  if (s.ready !== undefined) out.push(`READY     ${s.ready ? 'yes' : 'no'}`);
  for (const p of s.problems ?? []) out.push(`  ${p.check}: ${p.message}`);
  out.push(`KILLED    ${s.killed ? `yes, by ${s.killedBy ?? 'unknown'} since ${s.since ?? '?'}: ${s.reason ?? ''}` : 'no'}`);
  out.push(`POLICY    ${s.policy ? `generation ${s.policy.generation}: ${s.policy.names.join(', ')}` : 'none loaded'}`);
  const caps: string[][] = [];
  for (const v of s.vendors ?? []) {
    if (!Array.isArray(v.caps)) {
      caps.push([v.policy, v.vendor, '-', '-', `unavailable: ${v.caps.error}`]);
      continue;
    }
    for (const c of v.caps) caps.push([v.policy, v.vendor, c.name, c.window, c.summary ?? `${c.used} of ${c.limit}`]);
  }
  out.push('', caps.length ? table(['POLICY', 'VENDOR', 'CAP', 'WINDOW', 'USAGE'], caps).trimEnd() : 'no caps');
  const counts = Object.entries(s.counts ?? {}).sort(([a], [b]) => a.localeCompare(b));
  out.push(
    '',
    counts.length
      ? table(
          ['DECISION', 'CALLS'],
          counts.map(([d, n]) => [d, String(n)]),
        ).trimEnd()
      : 'no calls yet',
  );
  return `${out.join('\n')}\n`;
}
