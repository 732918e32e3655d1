// The sidecar's ConfigMap feed with a memory: the last documents the loader
// accepted are kept in --state-dir, and handed over first at the next start, so
// a sidecar restarted during an API outage enforces them instead of refusing
// everything. Only I/O, like every feed: the shared loader decides what is good.
import fs from 'node:fs';
import path from 'node:path';
import type { LoadVerdict, PolicyDocuments, PolicyFeed } from '../policy/feed.ts';

export interface PersistedFeedOptions {
  stateDir: string;
  /** Whether a policy is in force after a refused delivery (the loader's `current`). */
  inForce: () => boolean;
  log: { info(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void };
}

const STATE_FILE = 'policy-feed.json';

export class PersistedFeed implements PolicyFeed {
  readonly description: string;
  readonly #inner: PolicyFeed;
  readonly #o: PersistedFeedOptions;

  constructor(inner: PolicyFeed, o: PersistedFeedOptions) {
    this.#inner = inner;
    this.#o = o;
    this.description = inner.description;
  }

  async start(deliver: (docs: PolicyDocuments) => LoadVerdict, fail: (err: Error) => void): Promise<void> {
    const saved = this.#fromDisk();
    if (saved) {
      const verdict = deliver(saved);
      if (verdict.ok) this.#o.log.info({ file: this.#file(), version: saved.version }, 'enforcing the persisted policy until the API server answers');
      else this.#o.log.warn({ file: this.#file(), problems: verdict.problems }, 'persisted policy no longer loads; ignoring it');
    }
    await this.#inner.start((docs) => {
      const verdict = deliver(docs);
      if (verdict.ok) this.#persist(docs);
      // Refused with nothing in force (no policy selects this pod any more): a restart must not revive the old one.
      else if (!this.#o.inForce()) this.#forget();
      return verdict;
    }, fail);
  }

  stop(): void {
    this.#inner.stop();
  }

  #file(): string {
    return path.join(this.#o.stateDir, STATE_FILE);
  }

  #fromDisk(): PolicyDocuments | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.#file(), 'utf8')) as PolicyDocuments;
    } catch {
      return undefined;
    }
  }

  #persist(docs: PolicyDocuments): void {
    try {
      fs.mkdirSync(this.#o.stateDir, { recursive: true });
      const tmp = `${this.#file()}.tmp`;
      const fd = fs.openSync(tmp, 'w', 0o600);
      fs.writeSync(fd, JSON.stringify(docs));
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      fs.renameSync(tmp, this.#file());
    } catch (err) {
      this.#o.log.error(
        { err: (err as Error).message, dir: this.#o.stateDir },
        'cannot persist the policy in --state-dir; a restart during an API outage would refuse everything',
      );
    }
  }

  #forget(): void {
    try {
      fs.rmSync(this.#file(), { force: true });
    } catch (err) {
      this.#o.log.error({ err: (err as Error).message, file: this.#file() }, 'cannot remove the persisted policy; a restart would enforce it again');
    }
  }
}
