// Leaf certificates for TLS termination: one per vendor host, minted on first
// use from the CA and cached as a ready SecureContext. One EC P-256 leaf key
// serves every host (EC handshakes are cheaper than RSA, and keygen once).
import crypto from 'node:crypto';
import tls from 'node:tls';
import type forge from 'node-forge';
import { BACKDATE_MS, caPermits } from './ca.ts';
import type { Ca } from './ca.ts';
import { normalizeHostname } from './hostname.ts';
import { buildCertificate, keyIdentifier, publicKeyInfo, randomSerialHex, subjectKeyIdentifier, toPem } from './x509.ts';
import type { ForgeExtension } from './x509.ts';

export interface LeafKey {
  readonly privateKey: crypto.KeyObject;
  /** SubjectPublicKeyInfo, parsed once and spliced into every leaf. */
  readonly publicKeyInfo: forge.asn1.Asn1;
  readonly keyId: string;
}

export interface LeafMinterOptions {
  /** Leaf lifetime; short, because leaves are re-minted automatically. Default 7. */
  validDays?: number;
  /** Milliseconds since the epoch; injectable to test renewal. */
  clock?: () => number;
  /** Cache bound: the oldest host is dropped beyond this many. Default 1024. */
  maxHosts?: number;
}

interface Leaf {
  readonly context: tls.SecureContext;
  readonly notAfter: Date;
  /** Re-mint once two thirds of the lifetime have passed, long before clients see it expire. */
  readonly renewAt: number;
}

type SniCallback = (servername: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void) => void;

const DAY_MS = 86_400_000;
/** X.520 ub-common-name: longer host names go in the SAN only. */
const MAX_COMMON_NAME = 64;

export function createLeafKey(): LeafKey {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { privateKey, publicKeyInfo: publicKeyInfo(publicKey), keyId: keyIdentifier(publicKey) };
}

/** The DER of a TLS server certificate for `host`, signed by the CA. No policy checks: see LeafMinter. */
export function issueLeaf(ca: Ca, key: LeafKey, host: string, validity: { notBefore: Date; notAfter: Date }): Buffer {
  const inSubject = host.length <= MAX_COMMON_NAME;
  const extensions: ForgeExtension[] = [
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    // RFC 5280 §4.2.1.6: the SAN must be critical when the subject is empty.
    { name: 'subjectAltName', altNames: [{ type: 2, value: host }], critical: !inSubject },
    subjectKeyIdentifier(key.keyId),
  ];
  if (ca.keyId) extensions.push({ name: 'authorityKeyIdentifier', keyIdentifier: Buffer.from(ca.keyId, 'hex').toString('binary') });
  return buildCertificate({
    serialHex: randomSerialHex(),
    subject: inSubject ? [{ name: 'commonName', value: host }] : [],
    issuer: ca.subject,
    notBefore: validity.notBefore,
    notAfter: validity.notAfter,
    publicKey: key.publicKeyInfo,
    extensions,
    signingKey: ca.key,
  });
}

/**
 * Mints, caches and renews leaf certificates per host. Minting is synchronous
 * (~0.1 ms to sign, ~1 ms with the SecureContext), so concurrent first
 * handshakes for one host cannot race: the first one fills the cache before
 * any other callback runs.
 */
export class LeafMinter {
  private readonly ca: Ca;
  private readonly key = createLeafKey();
  private readonly keyPem: string;
  private readonly validMs: number;
  private readonly clock: () => number;
  private readonly maxHosts: number;
  private readonly leaves = new Map<string, Leaf>();
  private mints = 0;

  constructor(ca: Ca, opts: LeafMinterOptions = {}) {
    const validDays = opts.validDays ?? 7;
    if (!(validDays > 0)) throw new Error('validDays must be positive');
    this.ca = ca;
    this.keyPem = this.key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    this.validMs = validDays * DAY_MS;
    this.clock = opts.clock ?? Date.now;
    this.maxHosts = opts.maxHosts ?? 1024;
  }

  /** How many leaves have been minted (renewals included). */
  get mintCount(): number {
    return this.mints;
  }

  contextFor(host: string): Promise<tls.SecureContext> {
    try {
      return Promise.resolve(this.leafFor(host).context);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Mints the given hosts now so the first real handshake finds them cached. Throws on an invalid host. */
  premint(hosts: string[]): void {
    for (const host of hosts) this.leafFor(host);
  }

  /** For `tls.createServer({ SNICallback })` and `new tls.TLSSocket(socket, { isServer: true, SNICallback })`. */
  readonly sniCallback: SniCallback = (servername, cb) => {
    let context: tls.SecureContext;
    try {
      context = this.leafFor(servername).context;
    } catch (err) {
      return cb(err as Error);
    }
    cb(null, context);
  };

  /**
   * Re-mints every cached leaf past its renewal time, so idle hosts do not sit
   * on an almost-expired leaf (and alert) until their next handshake. Call it
   * periodically, e.g. hourly or before a metrics scrape. Returns how many.
   */
  renewDue(): number {
    const due = [...this.leaves].filter(([, leaf]) => this.clock() >= leaf.renewAt);
    for (const [host] of due) this.leafFor(host);
    return due.length;
  }

  expiry(): { caNotAfter: Date; leaves: Array<{ host: string; notAfter: Date }> } {
    return {
      caNotAfter: this.ca.notAfter,
      leaves: [...this.leaves].map(([host, leaf]) => ({ host, notAfter: leaf.notAfter })),
    };
  }

  private leafFor(name: string): Leaf {
    const host = normalizeHostname(name);
    if (!host) throw new Error(`refusing to mint a certificate for "${name}": not a DNS host name`);
    const cached = this.leaves.get(host);
    if (cached && this.clock() < cached.renewAt) return cached;
    if (!caPermits(this.ca, host)) {
      throw new Error(
        `refusing to mint a certificate for "${host}": outside the CA's name constraints (it permits ${this.ca.permittedDnsNames.join(', ')}). ` +
          `Issue a CA that also permits ${host} (keybrake ca new --permit …, then --ca-cert/--ca-key), or remove that vendor from the policy`,
      );
    }
    const leaf = this.mint(host);
    this.leaves.delete(host);
    if (this.leaves.size >= this.maxHosts) this.leaves.delete(this.leaves.keys().next().value as string);
    this.leaves.set(host, leaf);
    return leaf;
  }

  private mint(host: string): Leaf {
    const now = this.clock();
    if (now >= this.ca.notAfter.getTime()) throw new Error(`CA certificate expired on ${this.ca.notAfter.toISOString()}`);
    // Whole seconds: that is what the certificate stores, and what expiry() should report.
    const notBefore = new Date(Math.floor((now - BACKDATE_MS) / 1000) * 1000);
    const notAfter = new Date(Math.floor(Math.min(now + this.validMs, this.ca.notAfter.getTime()) / 1000) * 1000);
    const der = issueLeaf(this.ca, this.key, host, { notBefore, notAfter });
    const context = tls.createSecureContext({ key: this.keyPem, cert: [toPem(der), this.ca.chainPem].join('') });
    this.mints++;
    return { context, notAfter, renewAt: now + ((notAfter.getTime() - now) * 2) / 3 };
  }
}
