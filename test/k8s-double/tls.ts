// A CA and a serving certificate for the double, so clients talk real TLS to it
// (kubectl only sends a bearer token over HTTPS). The leaf names `localhost`;
// kubeconfigs point at https://127.0.0.1:PORT with tls-server-name: localhost.
import fs from 'node:fs';
import path from 'node:path';
import { generateCa, loadCa } from '../../src/pki/ca.ts';
import { createLeafKey, issueLeaf } from '../../src/pki/certs.ts';
import { toPem } from '../../src/pki/x509.ts';

export interface DoubleTls {
  caPem: string;
  cert: string;
  key: string;
}

export function makeDoubleTls(): DoubleTls {
  const pair = generateCa({ commonName: 'keybrake api-server double CA', validDays: 2 });
  const ca = loadCa(pair.certPem, pair.keyPem);
  const key = createLeafKey();
  const now = Date.now();
  const der = issueLeaf(ca, key, 'localhost', { notBefore: new Date(now - 300_000), notAfter: new Date(now + 86_400_000) });
  return { caPem: pair.certPem, cert: toPem(der) + pair.certPem, key: key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

/** Writes a kubeconfig for `url` with a bearer token; returns its path. */
export function writeKubeconfig(dir: string, url: string, token: string, opts: { caPem?: string; namespace?: string; file?: string } = {}): string {
  const file = path.join(dir, opts.file ?? 'kubeconfig');
  const tls = opts.caPem
    ? `certificate-authority-data: ${Buffer.from(opts.caPem).toString('base64')}\n    tls-server-name: localhost`
    : 'insecure-skip-tls-verify: true';
  fs.writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters:
- name: double
  cluster:
    server: ${url}
    ${tls}
users:
- name: tester
  user:
    token: ${token}
contexts:
- name: double
  context:
    cluster: double
    user: tester
    namespace: ${opts.namespace ?? 'default'}
current-context: double
`,
    { mode: 0o600 },
  );
  return file;
}
