// Renders `keybrake audit` rows as a terminal table, JSON or CSV. Tables show
// amounts in major units with the currency; JSON and CSV keep the exact
// integer minor units next to that text, for a spreadsheet or a script.
import { formatMinor } from '../money/money.ts';
import type { SpendGroup } from './query.ts';
import { SPEND_GROUP_COLUMNS } from './query.ts';
import type { Row } from './sql-conn.ts';
import { printable, printableJson } from '../printable.ts';

export type OutputFormat = 'table' | 'json' | 'csv';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'csv'];

type Cell = string | number | null;

export interface Column {
  /** JSON key and CSV header. */
  key: string;
  /** Table header; omit to leave the column out of tables. */
  header?: string;
  value(row: Row): Cell;
  /** Table text when it differs from the value. */
  text?(row: Row): string;
  right?: boolean;
}

const MAX_TABLE_CELL = 60;
const NONE = '-';

const raw =
  (name: string): Column['value'] =>
  (row) =>
    (row[name] ?? null) as Cell;

function money(row: Row, amountKey: string, currencyKey: string): string | null {
  const amount = row[amountKey];
  const currency = row[currencyKey];
  if (typeof amount !== 'number' || typeof currency !== 'string') return null;
  try {
    return formatMinor(amount, currency);
  } catch {
    // Not an ISO code (a row written by hand): show it as stored rather than fail the report.
    return `${amount} ${currency} (minor units)`;
  }
}

/** An exact amount column plus its display twin (`total` → `total_formatted`), shown in tables under `header`. */
function amountColumns(amountKey: string, currencyKey: string, header?: string): Column[] {
  return [
    { key: amountKey, value: raw(amountKey) },
    { key: `${amountKey}_formatted`, header, value: (r) => money(r, amountKey, currencyKey), right: true },
  ];
}

const heading = (column: string): string => column.replace(/_id$/, '').replaceAll('_', ' ').toUpperCase();

export function spendColumns(by: SpendGroup): Column[] {
  return [
    ...SPEND_GROUP_COLUMNS[by].map((c) => ({ key: c, header: heading(c), value: raw(c) })),
    { key: 'currency', value: raw('currency') },
    ...amountColumns('total', 'currency', 'TOTAL'),
    { key: 'calls', header: 'CALLS', value: raw('calls'), right: true },
  ];
}

export const CALLS_COLUMNS: Column[] = [
  {
    key: 'time',
    header: 'TIME',
    value: raw('time'),
    text: (r) =>
      String(r.time)
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z'),
  },
  { key: 'run_id', header: 'RUN', value: raw('run_id') },
  { key: 'use_case', value: raw('use_case') },
  { key: 'vendor', header: 'VENDOR', value: raw('vendor') },
  { key: 'operation', header: 'OPERATION', value: raw('operation') },
  { key: 'decision', header: 'DECISION', value: raw('decision') },
  { key: 'rule', header: 'RULE', value: raw('rule') },
  { key: 'currency', value: raw('currency') },
  ...amountColumns('amount', 'currency', 'AMOUNT'),
  { key: 'cap_currency', value: raw('cap_currency') },
  ...amountColumns('cost_cap', 'cap_currency'),
  { key: 'upstream_status', header: 'STATUS', value: raw('upstream_status'), right: true },
  { key: 'latency_ms', value: raw('latency_ms') },
  { key: 'reason', header: 'REASON', value: raw('reason') },
  { key: 'event_id', value: raw('event_id') },
];

function table(rows: Row[], columns: Column[]): string {
  const shown = columns.filter((c) => c.header !== undefined);
  const cells = rows.map((row) =>
    shown.map((c) => {
      const text = c.text ? c.text(row) : String(c.value(row) ?? NONE);
      // Whitespace runs become one space; any other control character is shown escaped, never sent to the terminal.
      const oneLine = printable(text.replace(/\s+/g, ' '));
      return oneLine.length > MAX_TABLE_CELL ? `${oneLine.slice(0, MAX_TABLE_CELL - 1)}…` : oneLine;
    }),
  );
  const headers = shown.map((c) => c.header ?? '');
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]): string =>
    values
      .map((v, i) => (shown[i]!.right ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n') + (rows.length === 0 ? '\n(no rows)\n' : '\n');
}

/** Spreadsheets run cells starting with these as formulas; agent-controlled text must not. */
const FORMULA_START = /^[=+\-@\t\r]/;

function csvCell(value: Cell): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  // CSV files get printed with cat too: controls are escaped as in tables (newlines included).
  const text = printable(value);
  const safe = FORMULA_START.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function csv(rows: Row[], columns: Column[]): string {
  const lines = [columns.map((c) => c.key).join(','), ...rows.map((r) => columns.map((c) => csvCell(c.value(r))).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

function json(rows: Row[], columns: Column[]): string {
  return `${printableJson(
    JSON.stringify(
      rows.map((r) => Object.fromEntries(columns.map((c) => [c.key, c.value(r)]))),
      null,
      2,
    ),
  )}\n`;
}

export function render(rows: Row[], columns: Column[], format: OutputFormat): string {
  if (format === 'json') return json(rows, columns);
  if (format === 'csv') return csv(rows, columns);
  return table(rows, columns);
}
