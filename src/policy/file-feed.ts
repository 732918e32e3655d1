// The local-file policy feed: reads one YAML file, then re-reads it when it
// changes (directory watch plus a stat poll) and hands the text to the loader.
// I/O only: validation, last-good and generations are the loader's.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { LoadVerdict, PolicyDocuments, PolicyFeed } from './feed.ts';

/** The slice of a pino logger the feed uses. */
export interface PolicyLog {
  warn(obj: object, msg: string): void;
}

/** Fallback for filesystems where fs.watch is silent (network mounts, some containers). */
const POLL_MS = 250;
/** Editors write in steps (truncate, write); wait for the burst to end before reading. */
const SETTLE_MS = 50;
/** Rename-on-save leaves the path briefly missing; only a longer absence is reported. */
const MISSING_GRACE_MS = 1000;

type Deliver = (docs: PolicyDocuments) => LoadVerdict;

export class FilePolicyFeed implements PolicyFeed {
  readonly path: string;
  readonly description: string;
  readonly #log?: PolicyLog;
  #lastText?: string;
  #lastStat = '';
  #missingSince?: number;
  #stopped = false;
  #pending = false;
  #queue: Promise<void> = Promise.resolve();
  #watcher?: fs.FSWatcher;
  #poll?: NodeJS.Timeout;
  #settle?: NodeJS.Timeout;

  constructor(file: string, log?: PolicyLog) {
    this.path = path.resolve(file);
    this.description = `file ${this.path}`;
    this.#log = log;
  }

  async start(deliver: Deliver, fail: (err: Error) => void): Promise<void> {
    this.#lastStat = await this.#statSignature();
    try {
      this.#deliver(await fs.promises.readFile(this.path, 'utf8'), deliver);
    } catch (err) {
      fail(new Error(`cannot read policy file ${this.path}: ${(err as Error).message}`));
    }
    this.#watch(() => this.#reload(deliver, fail));
  }

  stop(): void {
    this.#stopped = true;
    this.#watcher?.close();
    clearInterval(this.#poll);
    clearTimeout(this.#settle);
  }

  #deliver(text: string, deliver: Deliver): void {
    this.#lastText = text;
    const version = createHash('sha256').update(text).digest('hex');
    deliver({ source: this.path, version, documents: [{ name: this.path, text }] });
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
          // A throwing callback must not stop later reloads.
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

  async #reload(deliver: Deliver, fail: (err: Error) => void): Promise<void> {
    if (this.#stopped) return;
    let text: string;
    try {
      text = await fs.promises.readFile(this.path, 'utf8');
    } catch (err) {
      this.#noteUnreadable(err as NodeJS.ErrnoException, fail);
      return;
    }
    this.#missingSince = undefined;
    if (text === this.#lastText || this.#stopped) return; // a touch, or the poll seeing what the watch already handled
    this.#deliver(text, deliver);
  }

  #noteUnreadable(err: NodeJS.ErrnoException, fail: (err: Error) => void): void {
    if (err.code !== 'ENOENT') {
      fail(new Error(`cannot read policy file ${this.path}: ${err.message}; keeping the last good policy`));
      return;
    }
    const now = Date.now();
    this.#missingSince ??= now;
    if (now - this.#missingSince < MISSING_GRACE_MS || this.#lastText === '') return;
    this.#lastText = ''; // report once; reappearing content is then always "new"
    fail(new Error(`policy file ${this.path} is missing; keeping the last good policy`));
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
