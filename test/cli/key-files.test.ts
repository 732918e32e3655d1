// Secrets the CLI writes: mode 0600, never overwritten.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { keybrakeWith as keybrake } from '../helpers/keybrake-cli.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'keybrake-cli-keys-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const mode = (file: string) => fs.statSync(file).mode & 0o777;

describe('key files written by the CLI', () => {
  it('ca new writes ca.key 0600 and refuses to overwrite either file', async () => {
    const dir = path.join(tmp, 'ca');
    const first = await keybrake(['ca', 'new', '--out-dir', dir]);
    expect(first.code).toBe(0);
    expect(mode(path.join(dir, 'ca.key'))).toBe(0o600);
    const key = fs.readFileSync(path.join(dir, 'ca.key'), 'utf8');
    const again = await keybrake(['ca', 'new', '--out-dir', dir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`${path.join(dir, 'ca.crt')} already exists`);
    expect(fs.readFileSync(path.join(dir, 'ca.key'), 'utf8')).toBe(key);
  });

  it('keys new --out writes the key 0600 and refuses to overwrite; the snippet has its hash', async () => {
    const out = path.join(tmp, 'agent.key');
    const r = await keybrake(['keys', 'new', '--id', 'support-1', '--out', out]);
    expect(r.code).toBe(0);
    expect(mode(out)).toBe(0o600);
    const key = fs.readFileSync(out, 'utf8').trim();
    expect(r.stdout).not.toContain(key);
    expect(r.stdout).toContain(crypto.createHash('sha256').update(key).digest('hex'));
    const again = await keybrake(['keys', 'new', '--id', 'support-1', '--out', out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
    expect(fs.readFileSync(out, 'utf8').trim()).toBe(key);
  });

  it('keys admin-token writes <secrets-dir>/keybrake-admin/token 0600 once', async () => {
    const secrets = path.join(tmp, 'secrets');
    const r = await keybrake(['keys', 'admin-token', '--secrets-dir', secrets]);
    expect(r.code).toBe(0);
    const file = path.join(secrets, 'keybrake-admin/token');
    expect(mode(file)).toBe(0o600);
    expect(fs.readFileSync(file, 'utf8').trim()).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(r.stdout).toContain(`keybrake revive --token-file ${file}`);
    expect((await keybrake(['keys', 'admin-token', '--secrets-dir', secrets])).code).toBe(1);
  });
});
