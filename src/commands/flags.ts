// One table of flags per command: drives parsing, environment fallbacks and --help.
import { parseArgs } from 'node:util';

export interface FlagSpec {
  name: string;
  env?: string;
  help: string;
  default?: string;
  multiple?: boolean;
  boolean?: boolean;
  required?: boolean;
}

export type Flags = Record<string, string | string[] | boolean | undefined>;

export function parseFlags(argv: string[], specs: FlagSpec[], env: NodeJS.ProcessEnv = process.env): Flags {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = { help: { type: 'boolean' } };
  for (const s of specs) options[s.name] = { type: s.boolean ? 'boolean' : 'string', ...(s.multiple ? { multiple: true } : {}) };
  const { values } = parseArgs({ args: argv, options, allowPositionals: false, strict: true });
  const out: Flags = { help: values.help as boolean | undefined };
  for (const s of specs) {
    let v = values[s.name] as string | string[] | boolean | undefined;
    if (v === undefined && s.env && env[s.env] !== undefined) {
      const raw = env[s.env] as string;
      v = s.multiple ? raw.split(',').map((x) => x.trim()).filter(Boolean) : s.boolean ? raw === 'true' || raw === '1' : raw;
    }
    if (v === undefined && s.default !== undefined) v = s.default;
    out[s.name] = v;
  }
  return out;
}

export function missingRequired(flags: Flags, specs: FlagSpec[]): string[] {
  return specs.filter((s) => s.required && (flags[s.name] === undefined || flags[s.name] === '')).map((s) => `--${s.name}`);
}

export function helpText(usage: string, summary: string, specs: FlagSpec[]): string {
  const rows = specs.map((s) => {
    const left = `  --${s.name}${s.boolean ? '' : ' VALUE'}`;
    const extras = [s.required ? 'required' : '', s.default !== undefined ? `default ${s.default}` : '', s.env ? `env ${s.env}` : '', s.multiple ? 'repeatable' : '']
      .filter(Boolean)
      .join('; ');
    return `${left.padEnd(30)} ${s.help}${extras ? ` (${extras})` : ''}`;
  });
  return `usage: ${usage}\n\n${summary}\n\noptions:\n${rows.join('\n')}\n  --help                       show this help\n`;
}

/** `127.0.0.1:15001`, `:15001`, `[::1]:15001` → host and port. */
export function parseHostPort(s: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(s);
  if (!m) throw new Error(`expected HOST:PORT, got "${s}"`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port: Number(m[3]) };
}
