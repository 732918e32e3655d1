// Builds and signs X.509 certificates: node-forge lays out the TBSCertificate,
// Node's crypto supplies the public key and the signature. forge alone can
// neither write EC keys nor sign fast (its JS RSA takes ~19 ms; Node's ~0.3 ms
// for the whole certificate), so the key and signature parts are spliced in.
import crypto from 'node:crypto';
import forge from 'node-forge';

const { asn1 } = forge;
type Asn1 = forge.asn1.Asn1;

/** forge functions that exist at runtime but are missing from @types/node-forge. */
const forgePki = forge.pki as unknown as {
  getTBSCertificate(cert: forge.pki.Certificate): Asn1;
  certificateExtensionsFromAsn1(extensions: Asn1): ForgeExtension[];
};

/** An extension as forge reads or writes it (`name`, `critical`, per-type flags). */
export type ForgeExtension = { id?: string; name?: string; critical?: boolean; value?: unknown; [flag: string]: unknown };

// Positions inside TBSCertificate (RFC 5280 §4.1), version [0] present.
const TBS_SIGNATURE = 2;
const TBS_ISSUER = 3;
const TBS_SUBJECT = 5;
const TBS_PUBLIC_KEY = 6;

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';

export interface CertificateSpec {
  serialHex: string;
  subject: forge.pki.CertificateField[];
  /** The issuer's Name node, byte-exact from its certificate; omitted when self-signed. */
  issuer?: Asn1;
  notBefore: Date;
  notAfter: Date;
  /** From {@link publicKeyInfo}: parsed once, reused for every certificate of that key. */
  publicKey: Asn1;
  extensions: ForgeExtension[];
  signingKey: crypto.KeyObject;
}

/** forge needs some public key to lay out a TBS; it is replaced before signing. */
const placeholderKey = forge.pki.setRsaPublicKey(forge.jsbn.BigInteger.ONE, forge.jsbn.BigInteger.ONE);

/** Returns the DER of a certificate signed by `spec.signingKey` (SHA-256). */
export function buildCertificate(spec: CertificateSpec): Buffer {
  const cert = forge.pki.createCertificate();
  cert.serialNumber = spec.serialHex;
  cert.validity.notBefore = spec.notBefore;
  cert.validity.notAfter = spec.notAfter;
  cert.setSubject(spec.subject);
  cert.publicKey = placeholderKey;
  cert.siginfo.algorithmOid = SHA256_WITH_RSA;
  cert.setExtensions(spec.extensions);

  const algorithm = signatureAlgorithm(spec.signingKey);
  const tbs = forgePki.getTBSCertificate(cert);
  const fields = tbs.value as Asn1[];
  fields[TBS_SIGNATURE] = algorithm;
  if (spec.issuer) fields[TBS_ISSUER] = spec.issuer;
  else fields[TBS_ISSUER] = child(fields, TBS_SUBJECT, 'TBS subject');
  fields[TBS_PUBLIC_KEY] = spec.publicKey;

  const tbsDer = asn1.toDer(tbs).getBytes();
  const signature = crypto.sign('sha256', Buffer.from(tbsDer, 'binary'), spec.signingKey);
  const certificate = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    tbs,
    algorithm,
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, '\x00' + signature.toString('binary')),
  ]);
  return Buffer.from(asn1.toDer(certificate).getBytes(), 'binary');
}

/** The AlgorithmIdentifier for a SHA-256 signature by this key (ECDSA: no parameters). */
function signatureAlgorithm(key: crypto.KeyObject): Asn1 {
  const oid = (value: string) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(value).getBytes());
  switch (key.asymmetricKeyType) {
    case 'ec':
      return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [oid(ECDSA_WITH_SHA256)]);
    case 'rsa':
      return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [oid(SHA256_WITH_RSA), asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, '')]);
    default:
      throw new Error(`unsupported CA key type ${key.asymmetricKeyType ?? 'unknown'} (use EC or RSA)`);
  }
}

/** The SubjectPublicKeyInfo node of a key, ready for {@link CertificateSpec.publicKey}. */
export function publicKeyInfo(key: crypto.KeyObject): Asn1 {
  const publicKey = key.type === 'private' ? crypto.createPublicKey(key) : key;
  return derToAsn1(publicKey.export({ type: 'spki', format: 'der' }));
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits, as hex. */
export function keyIdentifier(key: crypto.KeyObject): string {
  const spki = publicKeyInfo(key).value as Asn1[];
  const bits = (child(spki, 1, 'subjectPublicKey').value as string).slice(1); // drop the unused-bits byte
  return crypto.createHash('sha1').update(Buffer.from(bits, 'binary')).digest('hex');
}

/** The subjectKeyIdentifier extension with an explicit id (forge would hash its placeholder key). */
export function subjectKeyIdentifier(keyIdHex: string): ForgeExtension {
  return {
    name: 'subjectKeyIdentifier',
    value: asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, forge.util.hexToBytes(keyIdHex)),
  };
}

/** A random positive serial: 16 bytes, first byte 0x01..0x7f so the DER INTEGER is minimal and positive. */
export function randomSerialHex(): string {
  const bytes = crypto.randomBytes(16);
  bytes[0] = bytes.readUInt8(0) & 0x7f || 0x01;
  return bytes.toString('hex');
}

export function derToAsn1(der: Buffer): Asn1 {
  return asn1.fromDer(forge.util.createBuffer(der.toString('binary')), { strict: true, decodeBitStrings: false } as unknown as boolean);
}

/** The parts of a certificate the CA loader needs that Node's X509Certificate does not expose. */
export function readCertificate(der: Buffer): { subject: Asn1; extensions: ForgeExtension[] } {
  const tbs = child(derToAsn1(der).value as Asn1[], 0, 'TBSCertificate').value as Asn1[];
  const isTagged = (node: Asn1, tag: number) => node.tagClass === asn1.Class.CONTEXT_SPECIFIC && node.type === tag;
  const versionShift = isTagged(child(tbs, 0, 'TBS field'), 0) ? 0 : -1; // v1 certificates omit the version
  const extensions = tbs.find((node) => isTagged(node, 3));
  return {
    subject: child(tbs, TBS_SUBJECT + versionShift, 'subject'),
    extensions: extensions ? forgePki.certificateExtensionsFromAsn1(extensions) : [],
  };
}

export function toPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** Child `index` of an ASN.1 SEQUENCE; a missing one is malformed input, said as such instead of a TypeError. */
function child(nodes: readonly Asn1[], index: number, what: string): Asn1 {
  const node = nodes[index];
  if (node === undefined) throw new Error(`malformed ASN.1: no ${what} (field ${index})`);
  return node;
}
