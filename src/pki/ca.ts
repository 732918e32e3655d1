// The certificate authority that signs keybrake's leaf certificates: loading
// and checking a CA given on disk, and generating one (`keybrake ca new`, the
// demo, tests). The preferred CA is name-constrained to the vendor hosts, so a
// stolen CA key cannot impersonate anything else.
import crypto from 'node:crypto';
import forge from 'node-forge';
import { hostWithin, normalizeHostname } from './hostname.ts';
import { buildCertificate, keyIdentifier, publicKeyInfo, randomSerialHex, readCertificate, subjectKeyIdentifier, toPem } from './x509.ts';
import type { ForgeExtension } from './x509.ts';

const { asn1 } = forge;

export interface Ca {
  /** The signing CA certificate. */
  readonly certPem: string;
  /** certPem followed by any issuer certificates that came after it: sent after every leaf. */
  readonly chainPem: string;
  readonly key: crypto.KeyObject;
  readonly notAfter: Date;
  /** The CA subject Name, byte-exact, used as the issuer of every leaf. */
  readonly subject: forge.asn1.Asn1;
  /** Subject key identifier (hex), echoed as the leaves' authorityKeyIdentifier. */
  readonly keyId?: string;
  /** dNSName name constraints of the CA; an empty permitted list means unconstrained. */
  readonly permittedDnsNames: readonly string[];
  readonly excludedDnsNames: readonly string[];
}

export interface GenerateCaOptions {
  commonName?: string;
  validDays?: number;
  /** Limits the CA to these DNS names and their subdomains (critical nameConstraints). */
  permittedDnsNames?: string[];
  keyType?: 'ec' | 'rsa';
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const DNS_NAME = 2;
const DAY_MS = 86_400_000;
/** Backdating absorbs clock skew between the proxy and its clients. */
export const BACKDATE_MS = 5 * 60_000;

/** Parses and checks a CA certificate (optionally followed by its issuers) and its private key. */
export function loadCa(certPem: string, keyPem: string, now: Date = new Date()): Ca {
  const [firstPem, ...issuerPems] = certPem.match(PEM_CERTIFICATE) ?? [];
  if (firstPem === undefined) throw new Error('CA certificate: no PEM CERTIFICATE block found');
  const cert = parseCertificate(firstPem, 0);
  const chain = [cert, ...issuerPems.map((pem, i) => parseCertificate(pem, i + 1))];
  if (!cert.ca) throw new Error('CA certificate is not a CA (basicConstraints CA:TRUE is missing)');
  if (cert.validToDate.getTime() <= now.getTime()) {
    throw new Error(`CA certificate expired on ${cert.validToDate.toISOString()}`);
  }
  checkIssuers(chain);

  const key = parsePrivateKey(keyPem);
  if (!cert.checkPrivateKey(key)) throw new Error('CA key does not match the CA certificate');

  const { subject, extensions } = readCertificate(cert.raw);
  const byName = (name: string) => extensions.find((e) => e.name === name);
  const keyUsage = byName('keyUsage');
  if (keyUsage && !keyUsage.keyCertSign) throw new Error('CA certificate keyUsage does not allow keyCertSign');
  const constraints = byName('nameConstraints');
  const ski = byName('subjectKeyIdentifier')?.subjectKeyIdentifier;
  if (constraints?.unsupportedSubtreeRange) throw new Error('CA nameConstraints use subtree ranges, which RFC 5280 forbids');

  return {
    certPem: firstPem + '\n',
    chainPem: [firstPem, ...issuerPems].join('\n') + '\n',
    key,
    notAfter: cert.validToDate,
    subject,
    keyId: typeof ski === 'string' ? ski : undefined,
    permittedDnsNames: dnsSubtrees(constraints?.permittedSubtrees),
    excludedDnsNames: dnsSubtrees(constraints?.excludedSubtrees),
  };
}

/** Whether the CA's name constraints allow a leaf for this (normalized) host. */
export function caPermits(ca: Ca, host: string): boolean {
  if (ca.excludedDnsNames.some((subtree) => hostWithin(host, subtree))) return false;
  return ca.permittedDnsNames.length === 0 || ca.permittedDnsNames.some((subtree) => hostWithin(host, subtree));
}

/** Creates a self-signed CA: EC P-256 by default, RSA-2048 on request. */
export function generateCa(opts: GenerateCaOptions = {}): { certPem: string; keyPem: string } {
  const validDays = opts.validDays ?? 365;
  if (!Number.isInteger(validDays) || validDays < 1) throw new Error('validDays must be a positive integer');
  const { privateKey, publicKey } =
    opts.keyType === 'rsa' ? crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }) : crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const now = Date.now();
  const extensions: ForgeExtension[] = [
    // pathLen 0: this CA signs leaves only, never another CA.
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    subjectKeyIdentifier(keyIdentifier(publicKey)),
  ];
  if (opts.permittedDnsNames) extensions.push(nameConstraints(opts.permittedDnsNames));
  const der = buildCertificate({
    serialHex: randomSerialHex(),
    subject: [
      // forge's `valueTagClass` is really the string type; UTF8String takes any name.
      { name: 'commonName', value: opts.commonName ?? 'keybrake local CA', valueTagClass: asn1.Type.UTF8 as number as forge.asn1.Class },
      { name: 'organizationName', value: 'keybrake' },
    ],
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + validDays * DAY_MS),
    publicKey: publicKeyInfo(publicKey),
    extensions,
    signingKey: privateKey,
  });
  return { certPem: toPem(der), keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

/**
 * nameConstraints (RFC 5280 §4.2.1.10), written by hand because forge cannot:
 * the permitted dNSName subtrees, and every IPv4 and IPv6 address excluded so
 * the CA cannot vouch for an IP literal either.
 */
function nameConstraints(permitted: string[]): ForgeExtension {
  if (permitted.length === 0) throw new Error('permittedDnsNames must name at least one host');
  const node = (tagClass: forge.asn1.Class, type: number, value: string | forge.asn1.Asn1[]) =>
    asn1.create(tagClass, type as forge.asn1.Type, Array.isArray(value), value);
  const subtree = (base: forge.asn1.Asn1) => node(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, [base]);
  const dnsNames = permitted.map((name) => {
    const host = normalizeHostname(name.replace(/^\./, ''));
    if (!host) throw new Error(`permittedDnsNames: "${name}" is not a DNS host name`);
    return subtree(node(asn1.Class.CONTEXT_SPECIFIC, DNS_NAME, name.startsWith('.') ? `.${host}` : host));
  });
  const anyIp = (bytes: number) => subtree(node(asn1.Class.CONTEXT_SPECIFIC, 7, '\x00'.repeat(bytes)));
  const value = node(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, [
    node(asn1.Class.CONTEXT_SPECIFIC, 0, dnsNames),
    node(asn1.Class.CONTEXT_SPECIFIC, 1, [anyIp(8), anyIp(32)]),
  ]);
  return { id: '2.5.29.30', critical: true, value };
}

function dnsSubtrees(subtrees: unknown): string[] {
  if (!Array.isArray(subtrees)) return [];
  return subtrees.filter((s) => s.type === DNS_NAME).map((s) => String(s.value).toLowerCase());
}

function parseCertificate(pem: string, index: number): crypto.X509Certificate {
  try {
    return new crypto.X509Certificate(pem);
  } catch (err) {
    throw new Error(`CA certificate #${index + 1} cannot be parsed: ${(err as Error).message}`, { cause: err });
  }
}

/** Certificates after the first must each have issued the one before them. */
function checkIssuers(chain: readonly crypto.X509Certificate[]): void {
  let issued: crypto.X509Certificate | undefined;
  for (const [i, cert] of chain.entries()) {
    if (issued && (!issued.checkIssued(cert) || !issued.verify(cert.publicKey))) {
      throw new Error(`CA certificate #${i + 1} did not issue certificate #${i}`);
    }
    issued = cert;
  }
}

function parsePrivateKey(keyPem: string): crypto.KeyObject {
  let key: crypto.KeyObject;
  try {
    key = crypto.createPrivateKey(keyPem);
  } catch (err) {
    throw new Error(`CA key is not an unencrypted PEM private key: ${(err as Error).message}`, { cause: err });
  }
  if (key.asymmetricKeyType !== 'ec' && key.asymmetricKeyType !== 'rsa') {
    throw new Error(`CA key type ${key.asymmetricKeyType} is not supported (use EC or RSA)`);
  }
  return key;
}
