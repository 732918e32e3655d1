// What the injected sidecar shares with its pod: the CA bundle agents trust
// (--ca-bundle-out) and the shutdown endpoint a Job's agent calls in
// container mode (--shutdown-token-out), on a real `keybrake proxy` process.
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCa } from '../../src/pki/ca.ts';
import { createLeafKey, issueLeaf } from '../../src/pki/certs.ts';
import { toPem } from '../../src/pki/x509.ts';
import { must, startLines, type LineProcess } from '../redirect/netns.ts';
import { policyFixtureText } from '../fixtures/policies.ts';
import { proxyArgs, writeProxyDir } from '../helpers/proxy-dir.ts';

const CLI = path.resolve(import.meta.dirname, '../../src/cli.ts');
/** A policy that governs no vendor: these tests are about the files the sidecar shares. */
const POLICY = policyFixtureText('no-vendors.yaml');

/** `keybrake proxy` on the files in `dir` (policy.yaml, ca.crt, ca.key, secrets/), loopback ports 0, no ledger or audit store. */
function proxyCommand(dir: string, extra: string[] = []): string[] {
  return [CLI, ...proxyArgs(dir, {}, ['--ledger', 'memory', '--audit', 'none', ...extra])];
}

describe('keybrake proxy --ca-bundle-out --shutdown-token-out', () => {
  let dir: string;
  let proxy: LineProcess;
  let adminUrl: string;
  /** The mesh CA as cert-manager issues it: an intermediate (tls.crt, tls.key) under a root (ca.crt). */
  let ca: { certPem: string; keyPem: string; rootPem: string };
  const adminToken = 'admin-token-for-the-test';

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keybrake-podfiles-'));
    const ssl = (...args: string[]) => must('openssl', args);
    const f = (name: string) => path.join(dir, name);
    ssl(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      f('root.key'),
      '-out',
      f('root.crt'),
      '-subj',
      '/CN=mesh root',
      '-days',
      '2',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign',
    );
    ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.csr'), '-subj', '/CN=mesh intermediate');
    fs.writeFileSync(
      f('ca.ext'),
      'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign\nnameConstraints=critical,permitted;DNS:api.stripe.com\n',
    );
    ssl(
      'x509',
      '-req',
      '-in',
      f('ca.csr'),
      '-CA',
      f('root.crt'),
      '-CAkey',
      f('root.key'),
      '-CAcreateserial',
      '-out',
      f('ca.crt'),
      '-days',
      '2',
      '-extfile',
      f('ca.ext'),
    );
    ca = { certPem: fs.readFileSync(f('ca.crt'), 'utf8'), keyPem: fs.readFileSync(f('ca.key'), 'utf8'), rootPem: fs.readFileSync(f('root.crt'), 'utf8') };
    writeProxyDir(dir, { policyYaml: POLICY, secrets: { 'keybrake-admin/token': adminToken } }); // the CA is there already
    fs.mkdirSync(path.join(dir, 'share'));
    proxy = startLines(
      process.execPath,
      proxyCommand(dir, [
        '--ca-bundle-out',
        path.join(dir, 'share/ca-bundle.crt'),
        '--ca-bundle-extra',
        path.join(dir, 'root.crt'),
        '--shutdown-token-out',
        path.join(dir, 'share/shutdown-token'),
      ]),
      process.env,
    );
    const ready = await proxy.waitFor((l) => l.msg === 'keybrake proxy ready', 'proxy ready');
    adminUrl = `http://127.0.0.1:${(ready.admin as { port: number }).port}`;
  });
  afterAll(async () => {
    await proxy?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes a bundle of the system roots plus the mesh CA and its issuer that a TLS client can use as its whole trust store', async () => {
    const bundle = fs.readFileSync(path.join(dir, 'share/ca-bundle.crt'), 'utf8');
    const certs = bundle.match(/-----BEGIN CERTIFICATE-----/g) ?? [];
    expect(certs).toHaveLength(tls.rootCertificates.length + 2);
    expect(bundle).toContain(ca.certPem.trim());
    expect(bundle).toContain(ca.rootPem.trim());
    for (const root of tls.rootCertificates.slice(0, 5)) expect(bundle).toContain(root);

    // A server with a leaf from the mesh CA (what the sidecar presents) verifies against the bundle alone.
    const key = createLeafKey();
    const now = Date.now();
    const cert = toPem(
      issueLeaf(loadCa(ca.certPem, ca.keyPem), key, 'api.stripe.com', { notBefore: new Date(now - 60_000), notAfter: new Date(now + 3_600_000) }),
    );
    const server = https.createServer({ cert, key: key.privateKey.export({ type: 'pkcs8', format: 'pem' }) }, (_q, s) => s.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      const get = (trust: string | string[]) =>
        new Promise<string>((resolve, reject) => {
          https
            .get({ host: '127.0.0.1', port, servername: 'api.stripe.com', ca: trust, agent: false }, (res) => {
              let t = '';
              res.on('data', (d) => (t += d));
              res.on('end', () => resolve(t));
            })
            .on('error', (err: NodeJS.ErrnoException) => reject(err));
        });
      expect(await get(bundle)).toBe('ok');
      // Why the issuer is in it: with the intermediate alone a client cannot finish the chain.
      await expect(get([...tls.rootCertificates, ca.certPem])).rejects.toMatchObject({ code: 'UNABLE_TO_GET_ISSUER_CERT' });
    } finally {
      server.close();
    }
  });

  it('refuses POST /shutdown without its token or with a wrong one', async () => {
    expect((await fetch(`${adminUrl}/shutdown`, { method: 'POST' })).status).toBe(401);
    const wrong = await fetch(`${adminUrl}/shutdown`, { method: 'POST', headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect((await wrong.json()).error).toContain('--shutdown-token-out');
    expect((await fetch(`${adminUrl}/healthz`)).status).toBe(200);
  });

  it('stops the sidecar, exit code 0, on POST /shutdown with the token it wrote', async () => {
    const token = fs.readFileSync(path.join(dir, 'share/shutdown-token'), 'utf8');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const exited = new Promise<number | null>((r) => proxy.child.once('exit', (code) => r(code)));
    const res = await fetch(`${adminUrl}/shutdown`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(await exited).toBe(0);
  });
});

describe('POST /shutdown on a sidecar started without --shutdown-token-out', () => {
  it('does not exist, even with the admin token', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keybrake-podfiles-'));
    writeProxyDir(dir, { policyYaml: POLICY });
    const p = startLines(process.execPath, proxyCommand(dir), process.env);
    try {
      const ready = await p.waitFor((l) => l.msg === 'keybrake proxy ready', 'proxy ready');
      const res = await fetch(`http://127.0.0.1:${(ready.admin as { port: number }).port}/shutdown`, { method: 'POST' });
      expect(res.status).toBe(404);
    } finally {
      await p.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
