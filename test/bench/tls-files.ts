// Certificate files for servers that read PEM from disk (nginx): a fresh CA and
// a leaf for one host, minted with keybrake's own CA and leaf code.
import fs from 'node:fs';
import path from 'node:path';
import { generateCa, loadCa } from '../../src/pki/ca.ts';
import { createLeafKey, issueLeaf } from '../../src/pki/certs.ts';
import { toPem } from '../../src/pki/x509.ts';

export interface ServerTls {
  caPem: string;
  caFile: string;
  /** Leaf followed by the CA. */
  certFile: string;
  keyFile: string;
}

export function writeServerTls(dir: string, host: string, caName: string): ServerTls {
  const pair = generateCa({ commonName: caName, validDays: 2 });
  const ca = loadCa(pair.certPem, pair.keyPem);
  const key = createLeafKey();
  const now = Date.now();
  const der = issueLeaf(ca, key, host, { notBefore: new Date(now - 300_000), notAfter: new Date(now + 86_400_000) });
  const files = { caFile: path.join(dir, 'ca.crt'), certFile: path.join(dir, 'server.crt'), keyFile: path.join(dir, 'server.key') };
  fs.writeFileSync(files.caFile, pair.certPem);
  fs.writeFileSync(files.certFile, toPem(der) + pair.certPem);
  fs.writeFileSync(files.keyFile, key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
  return { caPem: pair.certPem, ...files };
}
