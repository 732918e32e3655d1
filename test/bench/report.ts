// Plain-text output of the bench: aligned tables and number formats.

export const ms = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(2)} ms` : 'n/a');
export const us = (v: number): string => (Number.isFinite(v) ? `${Math.round(v)} µs` : 'n/a');
export const rate = (v: number): string => (Number.isFinite(v) ? `${Math.round(v).toLocaleString('en-US')}/s` : 'n/a');
export const ratio = (a: number, b: number): string => (b > 0 && Number.isFinite(a) ? `${((a / b) * 100).toFixed(1)}%` : 'n/a');

/** Prints rows under a header, columns padded to the widest cell. */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}
