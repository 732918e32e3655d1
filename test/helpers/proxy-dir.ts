// A directory laid out as a sidecar's files — policy.yaml, the mesh CA (ca.crt
// and ca.key, in `caDir`), secrets/, upstream-ca.pem, a state dir — and the
// `keybrake proxy` command line on it, with loopback listeners on ports the OS
// chooses unless given. For the test harness, the benches and the tests that
// start a proxy their own way (another user, a network namespace, the CLI).
import fs from 'node:fs';
import path from 'node:path';
import { generateCa } from '../../src/pki/ca.ts';

export interface ProxyDirFiles {
  policyYaml: string;
  /** The folder of ca.crt and ca.key under the directory; default: the directory itself. */
  caDir?: string;
  /** The mesh CA; default: the one already in the directory (a restart), else a fresh one. */
  ca?: { certPem: string; keyPem: string };
  /** `name/key` → value, written (0600) as secrets/<name>/<key>. */
  secrets?: Record<string, string>;
  /** The upstreams' CAs, written together as upstream-ca.pem. */
  upstreamCaPems?: string[];
}

export interface ProxyDir {
  policyFile: string;
  /** The mesh CA's certificate (agents trust it). */
  caPem: string;
  /** upstream-ca.pem, when upstreamCaPems were given. */
  upstreamCa?: string;
}

/** Writes the files of `o` into `dir` (created if need be). */
export function writeProxyDir(dir: string, o: ProxyDirFiles): ProxyDir {
  const write = (file: string, text: string, mode = 0o644) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text, { mode });
    return file;
  };
  const caCert = path.join(dir, o.caDir ?? '', 'ca.crt');
  const caKey = path.join(dir, o.caDir ?? '', 'ca.key');
  const ca = o.ca ?? (fs.existsSync(caCert) ? undefined : generateCa({ commonName: 'keybrake test mesh CA' }));
  if (ca) {
    write(caCert, ca.certPem);
    write(caKey, ca.keyPem, 0o600);
  }
  for (const [ref, value] of Object.entries(o.secrets ?? {})) write(path.join(dir, 'secrets', ref), value, 0o600);
  return {
    policyFile: write(path.join(dir, 'policy.yaml'), o.policyYaml),
    caPem: fs.readFileSync(caCert, 'utf8'),
    upstreamCa: o.upstreamCaPems ? write(path.join(dir, 'upstream-ca.pem'), o.upstreamCaPems.join('\n')) : undefined,
  };
}

export interface ProxyArgsOptions {
  /** As for writeProxyDir. */
  caDir?: string;
  /** The state dir under the directory; default `state`. */
  stateDir?: string;
  /** `--secrets-dir <dir>/secrets`; default true. */
  secrets?: boolean;
  /** `--listen`; default 127.0.0.1:0. null leaves the flag out (the caller passes its own). */
  listen?: string | null;
  /** `--admin-listen`; default 127.0.0.1:0. null leaves the flag out. */
  adminListen?: string | null;
  /** `--upstream host=url` each, and `--upstream-ca <dir>/upstream-ca.pem` (given an empty list too). */
  upstreams?: Array<{ host: string; url: string }>;
}

/** `proxy --policy … --admin-listen …` on the files in `dir`, then `extra` (without the CLI script: callers start it their way). */
export function proxyArgs(dir: string, o: ProxyArgsOptions = {}, extra: string[] = []): string[] {
  const f = (...names: string[]) => path.join(dir, ...names);
  const caDir = o.caDir ?? '';
  return [
    'proxy',
    '--policy',
    f('policy.yaml'),
    '--ca-cert',
    f(caDir, 'ca.crt'),
    '--ca-key',
    f(caDir, 'ca.key'),
    ...(o.secrets === false ? [] : ['--secrets-dir', f('secrets')]),
    '--state-dir',
    f(o.stateDir ?? 'state'),
    ...(o.listen === null ? [] : ['--listen', o.listen ?? '127.0.0.1:0']),
    ...(o.adminListen === null ? [] : ['--admin-listen', o.adminListen ?? '127.0.0.1:0']),
    ...(o.upstreams ? ['--upstream-ca', f('upstream-ca.pem'), ...o.upstreams.flatMap((u) => ['--upstream', `${u.host}=${u.url}`])] : []),
    ...extra,
  ];
}
