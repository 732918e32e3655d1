// `keybrake init-redirect`: the init container that makes the sidecar the
// pod's only way out. It applies the rules of src/redirect/ and prints them.
import fs from 'node:fs';
import { applyRedirect, resolvConfNameservers, type BackendChoice } from '../redirect/apply.ts';
import { validateRedirectValues, type RedirectValues } from '../redirect/plan.ts';
import { renderIptables, renderNft } from '../redirect/render.ts';
import { runCommand, type CommandSpec, type FlagSpec, type ParsedFlags } from './flags.ts';
import { ConfigError } from './usage.ts';

export const INIT_REDIRECT_FLAGS: FlagSpec[] = [
  { name: 'uid', type: 'integer', min: 0, max: 4294967294, help: "the sidecar's UID: the only one whose traffic goes straight out", required: true },
  { name: 'port', type: 'integer', min: 1, max: 65535, help: "the sidecar's data port every other outbound TCP connection goes to", required: true },
  { name: 'dns', help: 'cluster resolver address, the only DNS destination (default: the nameservers of /etc/resolv.conf)', multiple: true },
  {
    name: 'backend',
    type: 'choice',
    choices: ['auto', 'nft', 'iptables'],
    help: 'auto (nft, falling back to legacy iptables), nft or iptables',
    default: 'auto',
  },
  { name: 'resolv-conf', help: 'where the default --dns comes from', default: '/etc/resolv.conf' },
  { name: 'dry-run', type: 'boolean', help: 'print the rules without applying them' },
];

const SPEC: CommandSpec = {
  command: 'keybrake init-redirect',
  usage: 'keybrake init-redirect --uid UID --port PORT [--dns ADDR]... [--backend auto|nft|iptables]',
  summary: "Install the pod's egress redirect (run as the injected init container keybrake-init, with NET_ADMIN and NET_RAW).",
  flags: INIT_REDIRECT_FLAGS,
};

function values(f: ParsedFlags): RedirectValues {
  let dns = f.list('dns');
  if (!dns.length) {
    const file = f.need('resolv-conf');
    dns = resolvConfNameservers(fs.readFileSync(file, 'utf8'));
    if (!dns.length) throw new ConfigError(`${file} names no nameserver: pass the cluster resolver with --dns`);
  }
  const v = { uid: f.number('uid')!, port: f.number('port')!, dns };
  validateRedirectValues(v);
  return v;
}

export function runInitRedirectCommand(argv: string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  // Flags only: the init container's environment is the pod's, not configuration.
  return runCommand(SPEC, argv, (f) => apply(f, out), { out, err: process.stderr }, {});
}

function apply(f: ParsedFlags, out: NodeJS.WritableStream): number {
  const backend = f.need('backend') as BackendChoice;
  const v = values(f);
  if (f.bool('dry-run')) {
    out.write(backend === 'iptables' ? `${renderIptables(v, 'ipv4')}${renderIptables(v, 'ipv6')}` : renderNft(v));
    return 0;
  }
  const applied = applyRedirect(v, backend);
  for (const note of applied.notes) out.write(`# ${note}\n`);
  out.write(`# keybrake init-redirect: applied with ${applied.backend} (sidecar uid ${v.uid}, data port ${v.port}, dns ${v.dns.join(' ')})\n`);
  for (const step of applied.steps) out.write(`# ${step.command}\n${step.input}`);
  return 0;
}
