// PostgreSQL's value parsers for keybrake's queries, and a client opened with
// them: kept apart from sql-conn.ts so that pg loads only when a postgres://
// target is used.
import pg from 'pg';

const INT8_OID = 20;
const NUMERIC_OID = 1700;
const TIMESTAMPTZ_OID = 1184;

/** Integers (counts, sums of minor units) stay exact or fail loudly; other numerics (averages) are plain numbers. */
function exactNumber(text: string): number {
  const n = Number(text);
  if (/^-?\d+$/.test(text) && !Number.isSafeInteger(n)) throw new Error(`value ${text} is beyond the safe integer range`);
  return n;
}

/**
 * Per-connection type parsers (not pg's global ones, which other modules
 * share): BIGINT/COUNT/SUM as numbers, TIMESTAMPTZ as ISO strings like SQLite's.
 */
export const PG_TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8_OID || oid === NUMERIC_OID) return exactNumber;
    if (oid === TIMESTAMPTZ_OID) {
      const toDate = pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text') as (v: string) => Date;
      return (value: string) => toDate(value).toISOString();
    }
    return pg.types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** A connected client for reading, with keybrake's type parsers. */
export async function openPgClient(target: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: target, types: PG_TYPES, connectionTimeoutMillis: 10_000 });
  // pg also emits a lost connection as 'error' on the client: unheard, it would crash the
  // command with a stack trace. The query in flight rejects with it, and that is reported.
  client.on('error', () => {});
  await client.connect();
  return client;
}
