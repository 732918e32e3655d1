// `keybrake audit spend|calls`: the morning-after questions, against the local
// SQLite audit (default) or a PostgreSQL URL.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration } from '../policy/duration.ts';
import { CALLS_COLUMNS, OUTPUT_FORMATS, type OutputFormat, render, spendColumns } from './format.ts';
import { DECISIONS, SPEND_SQL, type SpendGroup, queryCalls, querySpend } from './query.ts';
import type { Decision } from './record.ts';
import { isPostgresUrl, openSqlConn } from './sql-conn.ts';
import { SQLITE_AUDIT_FILE } from './sqlite-sink.ts';

export const AUDIT_USAGE = `usage:
  keybrake audit spend [--since 24h] [--by use-case|run|operation|vendor]
  keybrake audit calls [--run ID] [--decision ${Object.keys(DECISIONS).join('|')}] [--since 24h] [--limit 100]

options:
  --since DURATION|TIME   how far back: 90m, 24h, 7d, or an ISO time (default 24h)
  --db PATH|URL           SQLite file or postgres:// URL (default: <state-dir>/${SQLITE_AUDIT_FILE})
  --state-dir DIR         the proxy's state dir (default ./state)
  --format table|json|csv (default table)
`;

const DEFAULT_SINCE = '24h';
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 100_000;

/** A mistake in the command line: exit code 2 and the usage. */
class UsageError extends Error {}

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, not '${value}'`);
  return value as T;
}

function parseSince(text: string, now: Date): Date {
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const at = new Date(text);
    if (Number.isNaN(at.getTime())) throw new UsageError(`--since '${text}' is not a valid time`);
    return at;
  }
  try {
    return new Date(now.getTime() - parseDuration(text));
  } catch (err) {
    throw new UsageError(`--since: ${(err as Error).message}, or an ISO time`);
  }
}

function parseLimit(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) throw new UsageError(`--limit must be a whole number from 1 to ${MAX_LIMIT}`);
  return n;
}

function dbTarget(db: string | undefined, stateDir: string | undefined): string {
  const target = db ?? path.join(stateDir ?? 'state', SQLITE_AUDIT_FILE);
  if (!isPostgresUrl(target) && !fs.existsSync(target)) {
    throw new Error(`no audit database at ${target}: pass --db, or --state-dir of a proxy that has run`);
  }
  return target;
}

const OPTIONS = {
  since: { type: 'string' },
  by: { type: 'string' },
  run: { type: 'string' },
  decision: { type: 'string' },
  limit: { type: 'string' },
  db: { type: 'string' },
  'state-dir': { type: 'string' },
  format: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Runs `keybrake audit …` (argv after `audit`); returns the exit code. */
export async function runAudit(
  argv: string[],
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    if (values.help) {
      out.write(AUDIT_USAGE);
      return 0;
    }
    const [command, ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
    if (command !== 'spend' && command !== 'calls') throw new UsageError(command ? `unknown audit command '${command}'` : 'missing command');
    const format = oneOf<OutputFormat>(values.format ?? 'table', OUTPUT_FORMATS, '--format');
    const since = parseSince(values.since ?? DEFAULT_SINCE, new Date());
    if (command === 'spend' && (values.run || values.decision || values.limit)) {
      throw new UsageError('--run, --decision and --limit belong to `audit calls`');
    }
    if (command === 'calls' && values.by) throw new UsageError('--by belongs to `audit spend`');
    const by = oneOf<SpendGroup>(values.by ?? 'use-case', Object.keys(SPEND_SQL) as SpendGroup[], '--by');
    const decision = values.decision === undefined ? undefined : oneOf<Decision>(values.decision, Object.keys(DECISIONS) as Decision[], '--decision');
    const limit = parseLimit(values.limit ?? String(DEFAULT_LIMIT));

    const conn = await openSqlConn(dbTarget(values.db, values['state-dir']));
    try {
      const text =
        command === 'spend'
          ? render(await querySpend(conn, { since, by }), spendColumns(by), format)
          : render(await queryCalls(conn, { since, runId: values.run, decision, limit }), CALLS_COLUMNS, format);
      out.write(text);
    } finally {
      await conn.close();
    }
    return 0;
  } catch (e) {
    const message = (e as Error).message;
    const usage = e instanceof UsageError || (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS');
    err.write(`keybrake audit: ${message}\n${usage ? `\n${AUDIT_USAGE}` : ''}`);
    return usage ? 2 : 1;
  }
}
