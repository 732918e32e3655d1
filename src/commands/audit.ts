// `keybrake audit spend|calls`: the morning-after questions, against the local
// SQLite audit (default) or a PostgreSQL URL. Flags go through the CLI's one
// parser (src/commands/flags.ts), like every other command.
import fs from 'node:fs';
import path from 'node:path';
import { parseDuration } from '../policy/duration.ts';
import { runCommand, subcommand, type CommandSpec, type FlagSpec, type Io, type ParsedFlags } from './flags.ts';
import { ConfigError, UsageError } from './usage.ts';
import { CALLS_COLUMNS, OUTPUT_FORMATS, type OutputFormat, render, spendColumns } from '../audit/format.ts';
import { DECISIONS, SPEND_SQL, type SpendGroup, queryCalls, querySpend } from '../audit/query.ts';
import type { Decision } from '../audit/record.ts';
import { isPostgresUrl, openSqlConn } from '../audit/sql-conn.ts';
import { SQLITE_AUDIT_FILE } from '../audit/sqlite-sink.ts';

const MAX_LIMIT = 100_000;

const COMMON: FlagSpec[] = [
  { name: 'since', help: 'how far back: 90m, 24h, 7d, or an ISO time', default: '24h', value: 'DURATION|TIME' },
  { name: 'db', help: `SQLite file or postgres:// URL (default: <state-dir>/${SQLITE_AUDIT_FILE})`, value: 'PATH|URL' },
  { name: 'state-dir', env: 'KEYBRAKE_STATE_DIR', help: "the proxy's --state-dir", default: './state', value: 'DIR' },
  { name: 'format', type: 'choice', choices: OUTPUT_FORMATS, help: 'output format', default: 'table' },
];

const SPEND: CommandSpec = {
  command: 'keybrake audit spend',
  usage: 'keybrake audit spend [--since 24h] [--by use-case|run|operation|vendor]',
  summary: 'Spend and calls by use case, agent run, operation or vendor.',
  flags: [{ name: 'by', type: 'choice', choices: Object.keys(SPEND_SQL), help: 'group by', default: 'use-case' }, ...COMMON],
};

const CALLS: CommandSpec = {
  command: 'keybrake audit calls',
  usage: `keybrake audit calls [--run ID] [--decision ${Object.keys(DECISIONS).join('|')}] [--since 24h] [--limit 100]`,
  summary: 'One line per call, newest first.',
  flags: [
    { name: 'run', help: 'only this agent run id', value: 'ID' },
    { name: 'decision', type: 'choice', choices: Object.keys(DECISIONS), help: 'only this decision' },
    { name: 'limit', type: 'integer', min: 1, max: MAX_LIMIT, help: 'at most this many rows', default: '100' },
    ...COMMON,
  ],
};

const OVERVIEW: CommandSpec = {
  command: 'keybrake audit',
  usage: 'keybrake audit spend|calls [options]',
  summary: 'Query the audit. `keybrake audit spend --help` and `keybrake audit calls --help` show each.',
  flags: [],
  positionals: [
    { name: 'spend', help: SPEND.summary },
    { name: 'calls', help: CALLS.summary },
  ],
  maxPositionals: 1,
};

function parseSince(text: string, now: Date): Date {
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const at = new Date(text);
    if (Number.isNaN(at.getTime())) throw new UsageError(`--since ${JSON.stringify(text)} is not a valid time`);
    return at;
  }
  try {
    return new Date(now.getTime() - parseDuration(text));
  } catch (err) {
    throw new UsageError(`--since: ${(err as Error).message}, or an ISO time`);
  }
}

function dbTarget(f: ParsedFlags): string {
  const target = f.string('db') ?? path.join(f.need('state-dir'), SQLITE_AUDIT_FILE);
  if (isPostgresUrl(target)) return target;
  if (!fs.existsSync(target)) throw new ConfigError(`no audit database at ${target}: pass --db, or --state-dir of a proxy that has run`);
  if (fs.statSync(target).isDirectory()) throw new ConfigError(`--db: ${target} is a directory; pass the SQLite file (${SQLITE_AUDIT_FILE} in the state dir)`);
  return target;
}

async function query(command: 'spend' | 'calls', f: ParsedFlags, out: NodeJS.WritableStream): Promise<number> {
  const format = f.need('format') as OutputFormat;
  const since = parseSince(f.need('since'), new Date());
  const conn = await openSqlConn(dbTarget(f));
  try {
    if (command === 'spend') {
      const by = f.need('by') as SpendGroup;
      out.write(render(await querySpend(conn, { since, by }), spendColumns(by), format));
    } else {
      const decision = f.string('decision') as Decision | undefined;
      out.write(render(await queryCalls(conn, { since, runId: f.string('run'), decision, limit: f.number('limit') ?? 100 }), CALLS_COLUMNS, format));
    }
  } finally {
    await conn.close();
  }
  return 0;
}

/** Runs `keybrake audit …` (argv after `audit`); returns the exit code. */
export async function runAudit(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const io: Io = { out, err };
  const [sub, ...rest] = argv;
  try {
    if (sub === 'spend' || sub === 'calls') return await runCommand(sub === 'spend' ? SPEND : CALLS, rest, (f) => query(sub, f, out), io);
    return await runCommand(OVERVIEW, argv, (_f, positionals) => (subcommand('keybrake audit', positionals[0], ['spend', 'calls']), 0), io);
  } catch (e) {
    // A database that cannot be opened or queried: say which and why, exit 1.
    const noTable = (e as { code?: string }).code === '42P01' || /no such table: audit_events/.test((e as Error).message);
    const hint = noTable ? ' — this database has no keybrake audit yet: a proxy started with --audit pointing at it creates the schema' : '';
    err.write(`keybrake audit: ${(e as Error).message}${hint}\n`);
    return 1;
  }
}
