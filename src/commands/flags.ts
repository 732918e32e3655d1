// The one flag parser of the `keybrake` binary. Each command declares a table
// of flags; the table drives parsing, environment fallbacks, validation of
// typed values (integers, sizes, durations, addresses, choices) and --help.
// A mistake is a UsageError naming the flag (or environment variable) and the
// value, with a "did you mean" for unknown names.
import { ConfigError, UsageError, closest, columns, didYouMean, usageMessage } from './usage.ts';
import { parseDurationMs, parseHostPort, parseInteger, parseSize, type HostPort } from './values.ts';

export type FlagType = 'string' | 'boolean' | 'integer' | 'size' | 'duration' | 'address' | 'choice';

export interface FlagSpec {
  name: string;
  short?: string;
  type?: FlagType;
  env?: string;
  help: string;
  /** Written as a user would type it; parsed like a typed value. */
  default?: string;
  multiple?: boolean;
  required?: boolean;
  /** Not required when another flag has this value (`--policy` unless `--policy-source configmap`). */
  requiredUnless?: { flag: string; value: string };
  choices?: readonly string[];
  min?: number;
  max?: number;
  /** Placeholder in the help (`FILE`, `URL`); defaults by type. */
  value?: string;
}

export interface CommandSpec {
  /** `keybrake proxy` */
  command: string;
  usage: string;
  summary: string;
  flags: readonly FlagSpec[];
  /** Positional arguments the command takes, for the help. */
  positionals?: ReadonlyArray<{ name: string; help: string }>;
  maxPositionals?: number;
  /** Extra text after the options (examples). */
  footer?: string;
}

type Value = string | number | boolean | string[] | HostPort;

const HELP: FlagSpec = { name: 'help', short: 'h', type: 'boolean', help: 'show this help' };

/** Parsed values of one command line, read with typed accessors. */
export class ParsedFlags {
  readonly #values: ReadonlyMap<string, Value>;

  constructor(values: ReadonlyMap<string, Value>) {
    this.#values = values;
  }

  string(name: string): string | undefined {
    const v = this.#values.get(name);
    return v === undefined ? undefined : String(v);
  }

  /** A string flag that has a default or is required, so it is always set. */
  need(name: string): string {
    const v = this.string(name);
    if (v === undefined) throw new Error(`flag --${name} has no value`);
    return v;
  }

  number(name: string): number | undefined {
    const v = this.#values.get(name);
    return typeof v === 'number' ? v : undefined;
  }

  bool(name: string): boolean {
    return this.#values.get(name) === true;
  }

  list(name: string): string[] {
    const v = this.#values.get(name);
    return Array.isArray(v) ? v : [];
  }

  address(name: string): HostPort {
    const v = this.#values.get(name);
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error(`flag --${name} has no address`);
    return v;
  }
}

/** Turns one raw value into its typed form; `where` is `--max-body` or `KEYBRAKE_MAX_BODY`. */
function typed(spec: FlagSpec, raw: string, where: string): Value {
  const fail = (why: string): never => {
    throw new UsageError(`${where} ${JSON.stringify(raw)} ${why}`);
  };
  try {
    switch (spec.type ?? 'string') {
      case 'integer':
        return parseInteger(raw, spec.min, spec.max);
      case 'size':
        return parseSize(raw);
      case 'duration':
        return parseDurationMs(raw);
      case 'address':
        return parseHostPort(raw);
      case 'choice': {
        const choices = spec.choices ?? [];
        if (!choices.includes(raw)) fail(`is not one of ${choices.join(', ')}${didYouMean(raw, choices)}`);
        return raw;
      }
      case 'boolean':
        if (!['true', 'false', '1', '0'].includes(raw)) fail('is not a boolean: use true or false');
        return raw === 'true' || raw === '1';
      default:
        if (spec.required && raw === '') fail('is empty');
        return raw;
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    return fail((err as Error).message);
  }
}

function findFlag(specs: readonly FlagSpec[], token: string): FlagSpec | undefined {
  if (token.startsWith('--')) return specs.find((s) => s.name === token.slice(2));
  return specs.find((s) => s.short === token.slice(1));
}

/** True when the command line asks for help (anywhere before `--`): help wins over every other check. */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** Parses `argv` against the command's flags; throws UsageError for anything it cannot take. */
export function parseCommand(spec: CommandSpec, argv: readonly string[], env: NodeJS.ProcessEnv = process.env): { flags: ParsedFlags; positionals: string[] } {
  const specs = [...spec.flags, HELP];
  const values = new Map<string, Value>();
  const positionals: string[] = [];
  const names = specs.map((s) => `--${s.name}`);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === undefined) continue; // i < argv.length: never
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const token = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const flag = findFlag(specs, token);
    if (!flag) throw new UsageError(`unknown option ${token}${didYouMean(token, names)}`);
    let raw: string;
    if (eq > 0 && token !== arg) raw = arg.slice(eq + 1);
    else if (flag.type === 'boolean') raw = 'true';
    else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) throw new UsageError(`--${flag.name} needs a value`);
      raw = next;
      i++;
    }
    const value = typed(flag, raw, `--${flag.name}`);
    if (flag.multiple) values.set(flag.name, [...((values.get(flag.name) as string[] | undefined) ?? []), String(value)]);
    else values.set(flag.name, value);
  }
  const max = spec.maxPositionals ?? 0;
  if (positionals.length > max) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[max])}`);
  for (const flag of spec.flags) {
    if (values.has(flag.name)) continue;
    const fromEnv = flag.env ? env[flag.env] : undefined;
    if (fromEnv !== undefined && fromEnv !== '') {
      values.set(
        flag.name,
        flag.multiple
          ? fromEnv
              .split(',')
              .map((x) => x.trim())
              .filter(Boolean)
          : typed(flag, fromEnv, flag.env!),
      );
    } else if (flag.default !== undefined) {
      values.set(flag.name, typed(flag, flag.default, `--${flag.name} (default)`));
    }
  }
  const excused = (f: FlagSpec) => f.requiredUnless !== undefined && values.get(f.requiredUnless.flag) === f.requiredUnless.value;
  const missing = spec.flags.filter((f) => f.required && !excused(f) && !values.has(f.name)).map((f) => `--${f.name}`);
  if (missing.length) throw new UsageError(`missing ${missing.join(', ')}`);
  return { flags: new ParsedFlags(values), positionals };
}

function placeholder(f: FlagSpec): string {
  if (f.type === 'boolean') return '';
  if (f.value) return ` ${f.value}`;
  const byType: Record<FlagType, string> = {
    string: 'VALUE',
    boolean: '',
    integer: 'N',
    size: 'SIZE',
    duration: 'DURATION',
    address: 'HOST:PORT',
    choice: f.choices?.join('|') ?? '',
  };
  return ` ${byType[f.type ?? 'string']}`;
}

export function helpText(spec: CommandSpec): string {
  const rows = [...spec.flags, HELP].map((f) => {
    const extras = [
      f.required ? 'required' : '',
      f.default !== undefined ? `default ${f.default}` : '',
      f.env ? `env ${f.env}` : '',
      f.multiple ? 'repeatable' : '',
    ].filter(Boolean);
    const left = `  ${f.short ? `-${f.short}, ` : ''}--${f.name}${placeholder(f)}`;
    return { left, help: `${f.help}${extras.length ? ` (${extras.join('; ')})` : ''}` };
  });
  const args = spec.positionals?.length ? `\narguments:\n${columns(spec.positionals.map((p) => ({ left: `  ${p.name}`, help: p.help })))}\n` : '';
  return `usage: ${spec.usage}\n\n${spec.summary}\n${args}\noptions:\n${columns(rows)}\n${spec.footer ? `\n${spec.footer.trimEnd()}\n` : ''}`;
}

export interface Io {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

const STDIO: Io = { out: process.stdout, err: process.stderr };

/**
 * Runs one command: --help to stdout (exit 0), a usage error to stderr with
 * the usage (exit 2), a ConfigError to stderr (exit 1); otherwise `body`'s exit code.
 */
export async function runCommand(
  spec: CommandSpec,
  argv: readonly string[],
  body: (flags: ParsedFlags, positionals: string[]) => Promise<number> | number,
  io: Io = STDIO,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  try {
    return await runCommandSync(spec, argv, body, io, env);
  } catch (err) {
    return reported(spec, err, io);
  }
}

/** runCommand for a command whose work is synchronous (it returns the exit code, not a promise). */
export function runCommandSync<T extends number | Promise<number>>(
  spec: CommandSpec,
  argv: readonly string[],
  body: (flags: ParsedFlags, positionals: string[]) => T,
  io: Io = STDIO,
  env: NodeJS.ProcessEnv = process.env,
): T | number {
  if (wantsHelp(argv)) {
    io.out.write(helpText(spec));
    return 0;
  }
  try {
    const { flags, positionals } = parseCommand(spec, argv, env);
    return body(flags, positionals);
  } catch (err) {
    return reported(spec, err, io);
  }
}

/** A usage error → 2, a configuration error → 1 (each on stderr); anything else is a bug and goes up. */
function reported(spec: CommandSpec, err: unknown, io: Io): number {
  if (err instanceof UsageError) {
    io.err.write(usageMessage(spec.command, err, spec.usage));
    return 2;
  }
  if (err instanceof ConfigError) {
    io.err.write(`${spec.command}: ${err.message}\n`);
    return 1;
  }
  throw err;
}

/** Picks a subcommand (`keys new`, `audit spend`) or throws a UsageError with a suggestion. */
export function subcommand(command: string, given: string | undefined, known: readonly string[]): string {
  if (given === undefined || given.startsWith('-')) throw new UsageError(`missing subcommand: one of ${known.join(', ')}`);
  if (!known.includes(given)) {
    const hit = closest(given, known);
    throw new UsageError(`unknown subcommand ${JSON.stringify(given)} for ${command}${hit ? `; did you mean "${hit}"?` : `: use one of ${known.join(', ')}`}`);
  }
  return given;
}
