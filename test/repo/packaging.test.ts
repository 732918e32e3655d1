// What leaves the repository: `npm pack` ships the build, the README and the
// license only; the quick start's keys, credentials and state are git-ignored.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

describe('packaging', () => {
  beforeAll(async () => {
    // `npm test` builds first; a single-file run may not have.
    if (!fs.existsSync(path.join(ROOT, 'dist/cli.js'))) await run('npm', ['run', 'build'], { cwd: ROOT });
  }, 120_000);

  it('npm pack ships dist/, the bin launchers, README.md, LICENSE and package.json only', async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT });
    const files = (JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['dist/cli.js', 'README.md', 'LICENSE', 'package.json']));
    // npm always packs the files package.json's bin names (the kubectl-keybrake launcher is one).
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    const allowed = new Set(['README.md', 'LICENSE', 'package.json', ...Object.values(pkg.bin).map((b) => b.replace(/^\.\//, ''))]);
    expect(files).toContain('bin/kubectl-keybrake');
    expect(files.filter((f) => !f.startsWith('dist/') && !allowed.has(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
  });

  it('the package bin is the built CLI', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin.keybrake).toBe('dist/cli.js');
  });

  it("the quick start's ca/, secrets/ and state/ are git-ignored", async () => {
    const paths = [
      'ca/ca.key',
      'ca/ca.crt',
      'secrets/stripe-live/apiKey',
      'secrets/keybrake-admin/token',
      'state/ledger.sqlite',
      'state/audit.db',
      'agent.key',
    ];
    const { stdout } = await run('git', ['check-ignore', '--no-index', ...paths], { cwd: ROOT });
    expect(stdout.trim().split('\n').sort()).toEqual([...paths].sort());
  });
});
