// `keybrake init-redirect`: the init container that makes the sidecar the
// pod's only way out. It applies the rules of src/redirect/ and prints them.
import fs from 'node:fs';
import { applyRedirect, resolvConfNameservers, type BackendChoice } from '../redirect/apply.ts';
import { validateRedirectValues, type RedirectValues } from '../redirect/plan.ts';
import { renderIptables, renderNft } from '../redirect/render.ts';
import { helpText, missingRequired, parseFlags, type FlagSpec } from './flags.ts';

export const INIT_REDIRECT_FLAGS: FlagSpec[] = [
  { name: 'uid', help: "the sidecar's UID: the only one whose traffic goes straight out", required: true },
  { name: 'port', help: "the sidecar's data port every other outbound TCP connection goes to", required: true },
  { name: 'dns', help: 'cluster resolver address, the only DNS destination (default: the nameservers of /etc/resolv.conf)', multiple: true },
  { name: 'backend', help: 'auto (nft, falling back to legacy iptables), nft or iptables', default: 'auto' },
  { name: 'resolv-conf', help: 'where the default --dns comes from', default: '/etc/resolv.conf' },
  { name: 'dry-run', help: 'print the rules without applying them', boolean: true },
];

const USAGE = 'keybrake init-redirect --uid UID --port PORT [--dns ADDR]... [--backend auto|nft|iptables]';

function values(f: Record<string, unknown>): RedirectValues {
  let dns = f.dns as string[] | undefined;
  if (!dns?.length) {
    const file = String(f['resolv-conf']);
    dns = resolvConfNameservers(fs.readFileSync(file, 'utf8'));
    if (!dns.length) throw new Error(`${file} names no nameserver: pass the cluster resolver with --dns`);
  }
  const v = { uid: Number(f.uid), port: Number(f.port), dns };
  validateRedirectValues(v);
  return v;
}

export async function runInitRedirectCommand(argv: string[], out = process.stdout): Promise<number> {
  const f = parseFlags(argv, INIT_REDIRECT_FLAGS, {});
  const summary = "Install the pod's egress redirect (run as the injected init container keybrake-init, with NET_ADMIN and NET_RAW).";
  if (f.help) return void out.write(helpText(USAGE, summary, INIT_REDIRECT_FLAGS)), 0;
  const missing = missingRequired(f, INIT_REDIRECT_FLAGS);
  if (missing.length) {
    process.stderr.write(`keybrake init-redirect: missing ${missing.join(', ')}\n\n${helpText(USAGE, summary, INIT_REDIRECT_FLAGS)}`);
    return 2;
  }
  const backend = String(f.backend) as BackendChoice;
  if (!['auto', 'nft', 'iptables'].includes(backend)) throw new Error(`--backend must be auto, nft or iptables, got "${backend}"`);
  const v = values(f);
  if (f['dry-run']) {
    out.write(backend === 'iptables' ? `${renderIptables(v, 'ipv4')}${renderIptables(v, 'ipv6')}` : renderNft(v));
    return 0;
  }
  const applied = applyRedirect(v, backend);
  for (const note of applied.notes) out.write(`# ${note}\n`);
  out.write(`# keybrake init-redirect: applied with ${applied.backend} (sidecar uid ${v.uid}, data port ${v.port}, dns ${v.dns.join(' ')})\n`);
  for (const step of applied.steps) out.write(`# ${step.command}\n${step.input}`);
  return 0;
}
