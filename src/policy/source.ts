// Where the running proxy gets its policy from, and the local-file source.
// A bad file refuses to start; a bad edit keeps the last good policy; a good
// edit is in force within a second. The Kubernetes ConfigMap source implements
// the same interface.
import fs from 'node:fs';
import path from 'node:path';
import type { CompiledPolicy } from './compiled.ts';
import { parsePolicyYaml, PolicyError } from './load.ts';
import { compilePolicies } from './compile.ts';
import type { PackLookup } from './validate.ts';

export interface PolicySource {
  /**
   * Loads the first policy (rejects with PolicyError when unusable), then reports changes until stop().
   * An onChange that throws refuses that policy: the error goes to onError and the last good one stays.
   */
  start(onChange: (p: CompiledPolicy) => void, onError: (err: Error) => void): Promise<CompiledPolicy>;
  stop(): void;
}

/** The slice of a pino logger the source uses. */
export interface PolicyLog {
  warn(obj: object, msg: string): void;
}

/** Fallback for filesystems where fs.watch is silent (network mounts, some containers). */
const POLL_MS = 250;
/** Editors write in steps (truncate, write); wait for the burst to end before reading. */
const SETTLE_MS = 50;
/** Rename-on-save leaves the path briefly missing; only a longer absence is reported. */
const MISSING_GRACE_MS = 1000;

export class FilePolicySource implements PolicySource {
  readonly path: string;
  readonly #packs: PackLookup;
  readonly #log?: PolicyLog;
  readonly #vendors?: readonly string[];
  #generation = 0;
  #goodText = '';
  #lastText = '';
  #lastStat = '';
  #missingSince?: number;
  #stopped = false;
  #pending = false;
  #queue: Promise<void> = Promise.resolve();
  #watcher?: fs.FSWatcher;
  #poll?: NodeJS.Timeout;
  #settle?: NodeJS.Timeout;

  constructor(file: string, packs: PackLookup, log?: PolicyLog, vendors?: readonly string[]) {
    this.path = path.resolve(file);
    this.#packs = packs;
    this.#log = log;
    this.#vendors = vendors;
  }

  async start(onChange: (p: CompiledPolicy) => void, onError: (err: Error) => void): Promise<CompiledPolicy> {
    let text: string;
    try {
      text = await fs.promises.readFile(this.path, 'utf8');
    } catch (err) {
      throw new PolicyError(`cannot read policy file ${this.path}`, [(err as Error).message]);
    }
    const policy = this.#compile(text, 1);
    this.#generation = 1;
    this.#goodText = this.#lastText = text;
    this.#lastStat = await this.#statSignature();
    this.#watch(() => this.#reload(onChange, onError));
    return policy;
  }

  stop(): void {
    this.#stopped = true;
    this.#watcher?.close();
    clearInterval(this.#poll);
    clearTimeout(this.#settle);
  }

  #compile(text: string, generation: number): CompiledPolicy {
    const docs = parsePolicyYaml(text, this.path);
    // An empty file is far more often a half-written one than a wish to refuse everything.
    if (docs.length === 0) throw new PolicyError(`invalid policy in ${this.path}`, [`${this.path} contains no EgressPolicy document`]);
    return compilePolicies(docs, { packs: this.#packs, generation, vendors: this.#vendors });
  }

  #watch(reload: () => Promise<void>): void {
    // Reloads run one at a time; a burst of events while one is queued coalesces into it.
    const enqueue = () => {
      if (this.#pending || this.#stopped) return;
      this.#pending = true;
      this.#queue = this.#queue
        .then(() => {
          this.#pending = false;
          return reload();
        })
        .catch((err: Error) => {
          // A throwing onChange/onError must not stop later reloads.
          this.#log?.warn({ err: err.message, path: this.path }, 'policy reload callback failed');
        });
    };
    try {
      // The directory, not the file: rename-on-save replaces the inode a file watch would follow,
      // and a ConfigMap volume swaps a `..data` symlink next to the file.
      this.#watcher = fs.watch(path.dirname(this.path), { persistent: false }, () => {
        clearTimeout(this.#settle);
        this.#settle = setTimeout(enqueue, SETTLE_MS).unref();
      });
      this.#watcher.on('error', (err) => {
        this.#log?.warn({ err: err.message, path: this.path }, 'policy file watch failed; polling only');
        this.#watcher?.close();
      });
    } catch (err) {
      this.#log?.warn({ err: (err as Error).message, path: this.path }, 'cannot watch policy directory; polling only');
    }
    this.#poll = setInterval(() => {
      void this.#statSignature().then((signature) => {
        // While the file is missing keep looking, so a long absence gets reported.
        if (signature === this.#lastStat && signature !== 'missing') return;
        this.#lastStat = signature;
        enqueue();
      });
    }, POLL_MS).unref();
  }

  async #reload(onChange: (p: CompiledPolicy) => void, onError: (err: Error) => void): Promise<void> {
    if (this.#stopped) return;
    let text: string;
    try {
      text = await fs.promises.readFile(this.path, 'utf8');
    } catch (err) {
      this.#noteUnreadable(err as NodeJS.ErrnoException, onError);
      return;
    }
    this.#missingSince = undefined;
    if (text === this.#lastText) return; // a touch, or the poll seeing what the watch already handled
    this.#lastText = text;
    if (text === this.#goodText) return; // a bad edit reverted: the policy in force is already this one
    let policy: CompiledPolicy;
    try {
      policy = this.#compile(text, this.#generation + 1);
    } catch (err) {
      if (!this.#stopped) onError(err as Error);
      return;
    }
    if (this.#stopped) return;
    try {
      // The proxy may still refuse it (e.g. its CA cannot sign a new vendor host): then it is not good.
      onChange(policy);
    } catch (err) {
      onError(err as Error);
      return;
    }
    this.#generation = policy.generation;
    this.#goodText = text;
  }

  #noteUnreadable(err: NodeJS.ErrnoException, onError: (err: Error) => void): void {
    if (err.code !== 'ENOENT') {
      onError(new Error(`cannot read policy file ${this.path}: ${err.message}; keeping the last good policy`));
      return;
    }
    const now = Date.now();
    this.#missingSince ??= now;
    if (now - this.#missingSince < MISSING_GRACE_MS || this.#lastText === '') return;
    this.#lastText = ''; // report once; reappearing content is then always "new"
    onError(new Error(`policy file ${this.path} is missing; keeping the last good policy`));
  }

  async #statSignature(): Promise<string> {
    try {
      const s = await fs.promises.stat(this.path);
      return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
    } catch {
      return 'missing';
    }
  }
}
