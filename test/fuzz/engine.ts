// A small coverage-guided fuzzer in plain TypeScript. Why not jazzer.js: its
// engine (@jazzer.js/fuzzer) is a native libFuzzer addon built with cmake-js,
// and this project takes no native addons (and its machines cannot fetch
// prebuilt binaries). Coverage comes from V8 itself instead: the inspector's
// precise block coverage tells, after each input, which blocks of the code
// under test ran; an input that reaches a block no earlier input reached joins
// the corpus and is mutated further. Mutations are byte-level (flip, insert,
// delete, repeat, splice two corpus entries) plus dictionary tokens of the
// formats under test. Seeded: a run with the same seed, corpus and budget
// explores the same inputs, so a failure reproduces.
import fs from 'node:fs';
import inspector from 'node:inspector/promises';
import path from 'node:path';

export interface FuzzTarget {
  name: string;
  /** Source files or folders whose block coverage guides this target (paths relative to the repo root). */
  cover: string[];
  /** Tokens mutations insert (format syntax the parser branches on). */
  dictionary: string[];
  /** Runs one input; throws (an oracle failure) when the code under test misbehaves. */
  run(input: Buffer): void | Promise<void>;
}

export interface FuzzOptions {
  seed: number;
  /** Inputs to try beyond the seed corpus. */
  runs: number;
  corpusDir: string;
  /** Write new coverage-increasing inputs back to the corpus dir (the long run does; tests do not). */
  saveNew?: boolean;
  maxLen?: number;
}

export interface FuzzReport {
  target: string;
  executed: number;
  corpus: number;
  blocks: number;
  saved: number;
}

export class FuzzFailure extends Error {
  readonly input: Buffer;
  constructor(target: string, input: Buffer, cause: unknown) {
    super(
      `fuzz target ${target} failed on input ${JSON.stringify(input.toString('latin1').slice(0, 300))} (base64 ${input.toString('base64').slice(0, 400)}): ${(cause as Error)?.stack ?? String(cause)}`,
    );
    this.input = input;
  }
}

const ROOT = path.resolve(import.meta.dirname, '../..');

/** A seeded generator in [0, 1): the same seed gives the same inputs. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    // xorshift32: fast, seedable, good enough to pick mutations
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

export function mutate(input: Buffer, r: () => number, dictionary: string[], corpus: Buffer[], maxLen: number): Buffer {
  let out = Buffer.from(input);
  const steps = 1 + Math.floor(r() * 4);
  for (let i = 0; i < steps; i++) {
    const at = Math.floor(r() * (out.length + 1));
    switch (Math.floor(r() * 7)) {
      case 0: // flip a bit
        if (out.length) out[Math.min(at, out.length - 1)]! ^= 1 << Math.floor(r() * 8);
        break;
      case 1: // random byte
        out = Buffer.concat([out.subarray(0, at), Buffer.from([Math.floor(r() * 256)]), out.subarray(at)]);
        break;
      case 2: // delete a span
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1 + Math.floor(r() * 8))]);
        break;
      case 3: // dictionary token
      case 4: {
        const token = Buffer.from(dictionary[Math.floor(r() * dictionary.length)] ?? '', 'latin1');
        out = Buffer.concat([out.subarray(0, at), token, out.subarray(at)]);
        break;
      }
      case 5: {
        // repeat a span (long lists, deep nesting)
        const len = 1 + Math.floor(r() * 16);
        const span = out.subarray(at, at + len);
        const times = 1 + Math.floor(r() * 8);
        out = Buffer.concat([out.subarray(0, at), ...Array<Buffer>(times).fill(span), out.subarray(at)]);
        break;
      }
      default: {
        // splice with another corpus entry
        const other = corpus[Math.floor(r() * corpus.length)] ?? Buffer.alloc(0);
        const cut = Math.floor(r() * (other.length + 1));
        out = Buffer.concat([out.subarray(0, at), other.subarray(cut)]);
      }
    }
  }
  return out.length > maxLen ? out.subarray(0, maxLen) : out;
}

/** Block-coverage keys (file:start-end) with a non-zero count since the last call. */
async function coveredBlocks(session: inspector.Session, files: readonly string[]): Promise<string[]> {
  const { result } = await session.post('Profiler.takePreciseCoverage');
  const keys: string[] = [];
  for (const script of result) {
    const file = script.url.startsWith('file://') ? script.url.slice(7) : script.url;
    if (!files.some((f) => file.startsWith(f))) continue;
    for (const fn of script.functions) {
      for (const range of fn.ranges) if (range.count > 0) keys.push(`${file}:${range.startOffset}-${range.endOffset}`);
    }
  }
  return keys;
}

export function loadCorpus(dir: string): Buffer[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .sort()
    .map((f) => fs.readFileSync(path.join(dir, f)));
}

export async function fuzz(target: FuzzTarget, o: FuzzOptions): Promise<FuzzReport> {
  const r = rng(o.seed);
  const maxLen = o.maxLen ?? 4096;
  const files = target.cover.map((f) => path.join(ROOT, f));
  const corpus = loadCorpus(o.corpusDir);
  if (corpus.length === 0) corpus.push(Buffer.from(''));
  const seen = new Set<string>();
  const session = new inspector.Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  let executed = 0;
  let saved = 0;
  const runOne = async (input: Buffer): Promise<boolean> => {
    try {
      await target.run(input);
    } catch (err) {
      throw new FuzzFailure(target.name, input, err);
    } finally {
      executed++;
    }
    let fresh = false;
    for (const key of await coveredBlocks(session, files)) {
      if (!seen.has(key)) {
        seen.add(key);
        fresh = true;
      }
    }
    return fresh;
  };
  try {
    await coveredBlocks(session, files); // drop what loading the modules ran
    for (const input of [...corpus]) await runOne(input);
    for (let i = 0; i < o.runs; i++) {
      const parent = corpus[Math.floor(r() * corpus.length)]!;
      const child = mutate(parent, r, target.dictionary, corpus, maxLen);
      if (await runOne(child)) {
        corpus.push(child);
        if (o.saveNew) {
          fs.mkdirSync(o.corpusDir, { recursive: true });
          fs.writeFileSync(path.join(o.corpusDir, `gen-${o.seed}-${i}`), child);
          saved++;
        }
      }
    }
  } finally {
    await session.post('Profiler.stopPreciseCoverage').catch(() => {});
    session.disconnect();
  }
  return { target: target.name, executed, corpus: corpus.length, blocks: seen.size, saved };
}
