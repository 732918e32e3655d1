// What the injected sidecar shares with its pod: the CA bundle agents trust
// (--ca-bundle-out) and the shutdown endpoint a Job's agent calls in
// container mode (--shutdown-token-out), on a real `keybrake proxy` process.
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCa, loadCa } from '../../src/pki/ca.ts';
import { createLeafKey, issueLeaf } from '../../src/pki/certs.ts';
import { toPem } from '../../src/pki/x509.ts';
import { startLines, type LineProcess } from '../redirect/netns.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const POLICY = `apiVersion: keybrake.dev/v1alpha1
kind: EgressPolicy
metadata: {name: p, namespace: agents}
spec:
  vendors: []
`;

describe('keybrake proxy --ca-bundle-out --shutdown-token-out', () => {
  let dir: string;
  let proxy: LineProcess;
  let adminUrl: string;
  let ca: { certPem: string; keyPem: string };
  const adminToken = 'admin-token-for-the-test';

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keybrake-podfiles-'));
    ca = generateCa({ commonName: 'keybrake mesh CA (bundle test)' });
    fs.writeFileSync(path.join(dir, 'ca.crt'), ca.certPem);
    fs.writeFileSync(path.join(dir, 'ca.key'), ca.keyPem);
    fs.writeFileSync(path.join(dir, 'policy.yaml'), POLICY);
    fs.mkdirSync(path.join(dir, 'secrets/keybrake-admin'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'secrets/keybrake-admin/token'), adminToken);
    fs.mkdirSync(path.join(dir, 'share'));
    proxy = startLines(process.execPath, [
      path.join(ROOT, 'src/cli.ts'), 'proxy', '--policy', path.join(dir, 'policy.yaml'),
      '--ca-cert', path.join(dir, 'ca.crt'), '--ca-key', path.join(dir, 'ca.key'),
      '--secrets-dir', path.join(dir, 'secrets'), '--state-dir', path.join(dir, 'state'),
      '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0', '--ledger', 'memory', '--audit', 'none',
      '--ca-bundle-out', path.join(dir, 'share/ca-bundle.crt'),
      '--shutdown-token-out', path.join(dir, 'share/shutdown-token'),
    ], process.env);
    const ready = await proxy.waitFor((l) => l.msg === 'keybrake proxy ready', 'proxy ready');
    adminUrl = `http://127.0.0.1:${(ready.admin as { port: number }).port}`;
  });
  afterAll(async () => {
    await proxy?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes a bundle of the system roots plus the mesh CA that a TLS client can use as its whole trust store', async () => {
    const bundle = fs.readFileSync(path.join(dir, 'share/ca-bundle.crt'), 'utf8');
    const certs = bundle.match(/-----BEGIN CERTIFICATE-----/g) ?? [];
    expect(certs).toHaveLength(tls.rootCertificates.length + 1);
    expect(bundle).toContain(ca.certPem.trim());
    for (const root of tls.rootCertificates.slice(0, 5)) expect(bundle).toContain(root);

    // A server with a leaf from the mesh CA (what the sidecar presents) verifies against the bundle alone.
    const key = createLeafKey();
    const now = Date.now();
    const cert = toPem(issueLeaf(loadCa(ca.certPem, ca.keyPem), key, 'api.stripe.com', { notBefore: new Date(now - 60_000), notAfter: new Date(now + 3_600_000) }));
    const server = https.createServer({ cert, key: key.privateKey.export({ type: 'pkcs8', format: 'pem' }) }, (_q, s) => s.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      const body = await new Promise<string>((resolve, reject) => {
        https
          .get({ host: '127.0.0.1', port, servername: 'api.stripe.com', ca: bundle, agent: false }, (res) => {
            let t = '';
            res.on('data', (d) => (t += d));
            res.on('end', () => resolve(t));
          })
          .on('error', reject);
      });
      expect(body).toBe('ok');
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
    const ca = generateCa({ commonName: 'x' });
    fs.writeFileSync(path.join(dir, 'ca.crt'), ca.certPem);
    fs.writeFileSync(path.join(dir, 'ca.key'), ca.keyPem);
    fs.writeFileSync(path.join(dir, 'policy.yaml'), POLICY);
    const p = startLines(process.execPath, [
      path.join(ROOT, 'src/cli.ts'), 'proxy', '--policy', path.join(dir, 'policy.yaml'), '--ca-cert', path.join(dir, 'ca.crt'), '--ca-key', path.join(dir, 'ca.key'),
      '--state-dir', path.join(dir, 'state'), '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0', '--ledger', 'memory', '--audit', 'none',
    ], process.env);
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
