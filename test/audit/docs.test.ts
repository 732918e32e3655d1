// docs/audit.md shows analysts the SQL the CLI runs: it must be the same text.
import fs from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, SPEND_CONDITION, migrationStatements } from '../../src/audit/migrations.ts';
import { CALLS_SQL, SPEND_SQL } from '../../src/audit/query.ts';

describe('docs/audit.md', () => {
  it('shows the exact SQL of every command, the spend condition and the schema', async () => {
    const doc = await fs.readFile(new URL('../../docs/audit.md', import.meta.url), 'utf8');
    for (const sql of [...Object.values(SPEND_SQL), CALLS_SQL, SPEND_CONDITION]) expect(doc).toContain(sql);
    for (const statement of MIGRATIONS.flatMap((m) => migrationStatements(m, 'postgres'))) expect(doc).toContain(statement);
  });
});

describe('README.md', () => {
  it('shows the exact SQL behind `audit spend --by use-case` and `audit calls`', async () => {
    const readme = await fs.readFile(new URL('../../README.md', import.meta.url), 'utf8');
    for (const sql of [SPEND_SQL['use-case'], CALLS_SQL]) expect(readme).toContain(sql);
  });
});
