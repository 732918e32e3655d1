// The conventions a user expects of a CLI: --version, -h/--help on every
// command (stdout, exit 0), usage errors on stderr with exit 2 and a "did you
// mean", typed flag values validated with the flag and the value named.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keybrakeWith as keybrake } from '../helpers/keybrake-cli.ts';
import { freePort } from '../helpers/daemon.ts';

const pkg = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'keybrake-cli-conv-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('keybrake CLI conventions', () => {
  it('--version prints the package version', async () => {
    const r = await keybrake(['--version']);
    expect(r).toMatchObject({ code: 0, stdout: `keybrake ${pkg.version}\n` });
  });

  const helps: Array<[string[], RegExp]> = [
    [['proxy'], /--drain-timeout DURATION/],
    [['keys'], /admin-token/],
    [['keys', 'new'], /--id NAME/],
    [['keys', 'admin-token'], /--secrets-dir DIR/],
    [['kill'], /usage: keybrake kill \[--reason TEXT\]/],
    [['revive'], /usage: keybrake revive --token-file FILE/],
    [['status'], /usage: keybrake status \[-o table\|json\]/],
    [['audit'], /spend/],
    [['audit', 'spend'], /--by use-case\|run\|operation\|vendor/],
    [['audit', 'calls'], /--decision/],
    [['ca'], /--out-dir DIR/],
    [['demo'], /usage: keybrake demo/],
    [['init-redirect'], /--uid N/],
  ];
  for (const [cmd, shows] of helps) {
    for (const flag of ['--help', '-h']) {
      it(`${cmd.join(' ')} ${flag} prints its own help on stdout and exits 0`, async () => {
        const r = await keybrake([...cmd, flag]);
        expect(r.code).toBe(0);
        expect(r.stderr).toBe('');
        expect(r.stdout).toMatch(shows);
      });
    }
  }

  it('demo --help does not run the demo', async () => {
    const r = await keybrake(['demo', '--help']);
    expect(r.stdout).not.toContain('fake Stripe at');
  });

  it('kill, revive and status each have their own help', async () => {
    const [kill, revive, status] = await Promise.all([keybrake(['kill', '--help']), keybrake(['revive', '--help']), keybrake(['status', '--help'])]);
    expect(kill.stdout).toContain('--reason');
    expect(revive.stdout).not.toContain('--reason');
    expect(status.stdout).toContain('--output');
    expect(kill.stdout).not.toContain('--output');
  });

  it('an unknown command, subcommand or flag exits 2 on stderr with a suggestion', async () => {
    const cases: Array<[string[], string]> = [
      [['prxy'], 'did you mean "proxy"?'],
      [['keys', 'neww'], 'did you mean "new"?'],
      [['audit', 'spnd'], 'did you mean "spend"?'],
      [['proxy', '--polcy', 'x'], 'unknown option --polcy; did you mean "--policy"?'],
      [['status', '--output', 'jsn'], '--output "jsn" is not one of table, json; did you mean "json"?'],
    ];
    for (const [args, says] of cases) {
      const r = await keybrake(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(says);
    }
  });

  it('a bad size, duration, address or level exits 2 naming the flag and the value', async () => {
    const base = ['proxy', '--policy', 'p.yaml', '--ca-cert', 'c', '--ca-key', 'k'];
    const cases: Array<[string[], string]> = [
      [['--max-body', '1XB'], '--max-body "1XB" is not a size'],
      [['--max-body', 'lots'], '--max-body "lots" is not a size'],
      [['--drain-timeout', '30'], '--drain-timeout "30" is not a duration'],
      [['--listen', 'localhost'], '--listen "localhost" is not an address'],
      [['--admin-listen', '127.0.0.1:99999'], '--admin-listen "127.0.0.1:99999" is not an address'],
      [['--log-level', 'verbose'], '--log-level "verbose" is not one of fatal, error, warn, info, debug, trace, silent'],
    ];
    for (const [extra, says] of cases) {
      const r = await keybrake([...base, ...extra]);
      expect(r.code, extra.join(' ')).toBe(2);
      expect(r.stderr).toContain(says);
      expect(r.stderr).toContain('usage: keybrake proxy');
    }
  });

  it('environment values are validated the same way, naming the variable', async () => {
    const r = await keybrake(['proxy', '--policy', 'p.yaml', '--ca-cert', 'c', '--ca-key', 'k'], { env: { KEYBRAKE_MAX_BODY: '1 megabyte' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('KEYBRAKE_MAX_BODY "1 megabyte" is not a size');
  });

  it('status and kill against a dead admin URL name the URL and the cause, not "fetch failed"', async () => {
    const port = await freePort();
    for (const cmd of ['status', 'kill']) {
      const r = await keybrake([cmd, '--admin', `http://127.0.0.1:${port}`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`cannot reach the proxy's admin API at http://127.0.0.1:${port}/${cmd} (ECONNREFUSED)`);
      expect(r.stderr).not.toContain('fetch failed');
    }
  });

  it('keybrake --help loads no proxy, store or vendor module', async () => {
    const trace = path.join(tmp, 'loads.txt');
    const hook = path.resolve(import.meta.dirname, 'fixtures/trace-loads.mjs');
    const r = await keybrake(['--help'], { env: { KEYBRAKE_TRACE_LOADS: trace }, nodeArgs: ['--import', hook] });
    expect(r.code).toBe(0);
    const loaded = fs
      .readFileSync(trace, 'utf8')
      .split('\n')
      .filter((u) => u.includes('/src/'));
    expect(loaded.some((u) => u.endsWith('/src/cli.ts'))).toBe(true);
    expect(loaded.filter((u) => /\/src\/(app|proxy|pipeline|ledger|audit|vendors|policy|admin|demo)\//.test(u))).toEqual([]);
    expect(fs.readFileSync(trace, 'utf8')).not.toMatch(/node_modules\/(pino|ioredis|pg|undici|node-forge)\//);
  });
});
