// Files the sidecar shares with the agent containers of its pod, through the
// emptyDir the webhook mounts read-only into them.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';

/** Write via a temp file and rename, so a reader never sees half a file. */
function writeAtomically(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, text, { mode: 0o644 });
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw new Error(`cannot write ${file}: ${(err as Error).message} (is its directory mounted writable for the sidecar?)`, { cause: err });
  }
}

/**
 * When the mesh CA is an intermediate (cert-manager's name-constrained one), its
 * issuer must be in the bundle too: TLS clients only trust a chain that ends in a
 * self-signed root they hold.
 *
 * The trust store agents point SSL_CERT_FILE, NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE
 * and CURL_CA_BUNDLE at: Node's bundled roots plus the mesh CA, so replacing a
 * client's whole store (SSL_CERT_FILE, REQUESTS_CA_BUNDLE) still trusts public
 * servers (passthrough hosts) as well as keybrake's leaves.
 */
export function writeCaBundle(file: string, meshCaPems: string[]): void {
  writeAtomically(file, `${[...tls.rootCertificates, ...meshCaPems.map((p) => p.trim()).filter(Boolean)].join('\n')}\n`);
}

/** A fresh token for POST /shutdown, readable by the pod's containers (container-mode sidecars of Jobs). */
export function writeShutdownToken(file: string): string {
  const token = crypto.randomBytes(32).toString('base64url');
  writeAtomically(file, token);
  return token;
}
