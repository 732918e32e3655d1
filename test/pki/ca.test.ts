import crypto from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caPermits, generateCa, loadCa } from '../../src/pki/ca.ts';
import type { Ca } from '../../src/pki/ca.ts';
import { createLeafKey, issueLeaf } from '../../src/pki/certs.ts';
import { buildCertificate, keyIdentifier, publicKeyInfo, randomSerialHex, subjectKeyIdentifier, toPem } from '../../src/pki/x509.ts';
import type { ForgeExtension } from '../../src/pki/x509.ts';

const DAY_MS = 86_400_000;
let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'keybrake-ca-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function writeFile(name: string, contents: string): Promise<string> {
  const file = path.join(dir, name);
  await fs.writeFile(file, contents);
  return file;
}

function leafPem(ca: Ca, host: string): string {
  const now = Date.now();
  return toPem(issueLeaf(ca, createLeafKey(), host, { notBefore: new Date(now - 60_000), notAfter: new Date(now + DAY_MS) }));
}

/** `openssl verify` of a leaf against a trust anchor: exit status and output. */
async function opensslVerify(caFile: string, leaf: string, untrusted?: string): Promise<{ ok: boolean; output: string }> {
  const leafFile = await writeFile(`leaf-${crypto.randomUUID()}.pem`, leaf);
  const args = ['verify', '-CAfile', caFile, ...(untrusted ? ['-untrusted', untrusted] : []), leafFile];
  const run = spawnSync('openssl', args, { encoding: 'utf8' });
  return { ok: run.status === 0, output: run.stdout + run.stderr };
}

/** A CA certificate without a path length limit (as an organisation's root would be), self-signed or issued by `issuer`. */
function caCertificate(commonName: string, issuer?: Ca): { certPem: string; keyPem: string } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const extensions: ForgeExtension[] = [
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, critical: true },
    subjectKeyIdentifier(keyIdentifier(publicKey)),
  ];
  if (issuer?.keyId) extensions.push({ name: 'authorityKeyIdentifier', keyIdentifier: Buffer.from(issuer.keyId, 'hex').toString('binary') });
  const der = buildCertificate({
    serialHex: randomSerialHex(),
    subject: [{ name: 'commonName', value: commonName }],
    issuer: issuer?.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 10 * DAY_MS),
    publicKey: publicKeyInfo(publicKey),
    extensions,
    signingKey: issuer?.key ?? privateKey,
  });
  return { certPem: toPem(der), keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

describe('generateCa', () => {
  it('creates an EC P-256 CA that loads and is marked CA:TRUE with keyCertSign', async () => {
    const before = Date.now();
    const { certPem, keyPem } = generateCa({ commonName: 'test CA', validDays: 30 });
    const after = Date.now();
    const ca = loadCa(certPem, keyPem);
    expect(ca.key.asymmetricKeyType).toBe('ec');
    // Valid for 30 days from issuance (X.509 keeps whole seconds), however long issuing took.
    expect(ca.notAfter.getTime()).toBeGreaterThanOrEqual(before + 30 * DAY_MS - 1000);
    expect(ca.notAfter.getTime()).toBeLessThanOrEqual(after + 30 * DAY_MS);
    const text = execFileSync('openssl', ['x509', '-noout', '-text', '-in', await writeFile('plain.pem', certPem)], { encoding: 'utf8' });
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(text).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(text).toContain('Subject: CN = test CA, O = keybrake');
    expect(text).toContain('ecdsa-with-SHA256');
    expect(text).not.toContain('Name Constraints');
  });

  it('creates an RSA-2048 CA whose leaves openssl verifies', async () => {
    const { certPem, keyPem } = generateCa({ keyType: 'rsa' });
    const ca = loadCa(certPem, keyPem);
    expect(ca.key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const result = await opensslVerify(await writeFile('rsa-ca.pem', certPem), leafPem(ca, 'api.stripe.com'));
    expect(result).toMatchObject({ ok: true });
  });

  it('writes critical name constraints that openssl enforces on leaves', async () => {
    const { certPem, keyPem } = generateCa({ permittedDnsNames: ['api.stripe.com', '.twilio.com'] });
    const caFile = await writeFile('constrained.pem', certPem);
    const text = execFileSync('openssl', ['x509', '-noout', '-text', '-in', caFile], { encoding: 'utf8' });
    expect(text).toMatch(/Name Constraints: critical\s+Permitted:\s+DNS:api\.stripe\.com\s+DNS:\.twilio\.com\s+Excluded:\s+IP:0\.0\.0\.0/);

    const ca = loadCa(certPem, keyPem);
    expect(await opensslVerify(caFile, leafPem(ca, 'api.stripe.com'))).toMatchObject({ ok: true });
    expect(await opensslVerify(caFile, leafPem(ca, 'api.twilio.com'))).toMatchObject({ ok: true });
    const outside = await opensslVerify(caFile, leafPem(ca, 'evil.example.com'));
    expect(outside.ok).toBe(false);
    expect(outside.output).toContain('permitted subtree violation');
  });

  it('rejects permitted names that are not DNS host names', () => {
    expect(() => generateCa({ permittedDnsNames: ['10.0.0.1'] })).toThrow(/not a DNS host name/);
    expect(() => generateCa({ permittedDnsNames: ['*.stripe.com'] })).toThrow(/not a DNS host name/);
    expect(() => generateCa({ permittedDnsNames: [] })).toThrow(/at least one/);
  });

  it('writes positive, minimal DER serial numbers', () => {
    for (let i = 0; i < 200; i++) {
      const serial = randomSerialHex();
      expect(serial).toMatch(/^[0-7][0-9a-f]{31}$/);
      expect(serial.slice(0, 2)).not.toBe('00');
    }
  });
});

describe('loadCa', () => {
  it('reads the name constraints so the minter can refuse hosts outside them', () => {
    const { certPem, keyPem } = generateCa({ permittedDnsNames: ['api.stripe.com', '.twilio.com'] });
    const ca = loadCa(certPem, keyPem);
    expect(ca.permittedDnsNames).toEqual(['api.stripe.com', '.twilio.com']);
    expect(caPermits(ca, 'api.stripe.com')).toBe(true);
    expect(caPermits(ca, 'files.api.stripe.com')).toBe(true);
    expect(caPermits(ca, 'api.twilio.com')).toBe(true);
    expect(caPermits(ca, 'twilio.com')).toBe(false);
    expect(caPermits(ca, 'evilapi.stripe.com')).toBe(false);
  });

  it('refuses a certificate that is not a CA', () => {
    const { certPem, keyPem } = generateCa();
    const leaf = leafPem(loadCa(certPem, keyPem), 'api.stripe.com');
    expect(() => loadCa(leaf, keyPem)).toThrow(/not a CA/);
  });

  it('refuses a key that does not belong to the certificate', () => {
    const a = generateCa();
    const b = generateCa();
    expect(() => loadCa(a.certPem, b.keyPem)).toThrow(/does not match/);
  });

  it('refuses an expired CA, unreadable PEM and encrypted or unsupported keys', () => {
    const { certPem, keyPem } = generateCa({ validDays: 1 });
    expect(() => loadCa(certPem, keyPem, new Date(Date.now() + 2 * DAY_MS))).toThrow(/expired/);
    expect(() => loadCa('not a certificate', keyPem)).toThrow(/no PEM CERTIFICATE/);
    const encrypted = crypto.createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' });
    expect(() => loadCa(certPem, encrypted as string)).toThrow(/not an unencrypted PEM private key/);
    const ed = crypto.generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    expect(() => loadCa(certPem, ed)).toThrow(/not supported/);
  });

  it('loads an intermediate with its root and serves both, so leaves verify against the root alone', async () => {
    const root = caCertificate('root');
    const rootCa = loadCa(root.certPem, root.keyPem);
    const intermediate = caCertificate('intermediate', rootCa);

    const ca = loadCa(intermediate.certPem + root.certPem, intermediate.keyPem);
    expect(ca.chainPem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    const rootFile = await writeFile('root.pem', root.certPem);
    const chainFile = await writeFile('chain.pem', ca.chainPem);
    expect(await opensslVerify(rootFile, leafPem(ca, 'api.stripe.com'), chainFile)).toMatchObject({ ok: true });

    const stranger = generateCa();
    expect(() => loadCa(intermediate.certPem + stranger.certPem, intermediate.keyPem)).toThrow(/did not issue/);
  });
});
