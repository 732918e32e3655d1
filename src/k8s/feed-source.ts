// Adapts a PolicyFeed (the ConfigMap watch) to the proxy's PolicySource: keeps
// the documents whose spec.selector matches this pod's labels, compiles them,
// persists the last good set in the state dir (a sidecar restarted during an
// API outage enforces it), and until a policy was loaded once serves a
// placeholder that refuses every call in each vendor's own error shape.
import fs from 'node:fs';
import path from 'node:path';
import type { CompiledPolicy } from '../policy/compiled.ts';
import type { PolicySource } from '../policy/source.ts';
import type { LoadVerdict, PolicyDocuments, PolicyFeed, PolicyProblem } from '../policy/feed.ts';
import type { EgressPolicy } from '../policy/schema.ts';
import { validatorFor, type PackLookup } from '../policy/validator.ts';
import { parsePolicyTexts, PolicyError } from '../policy/documents.ts';
import { compilePolicies } from '../policy/compile.ts';
import { selectorMatches } from './labels.ts';

export interface FeedSourceOptions {
  feed: PolicyFeed;
  labels: Record<string, string>;
  stateDir: string;
  packs: PackLookup;
  vendors: readonly string[];
  log: { info(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void };
}

const STATE_FILE = 'policy-feed.json';

export class FeedPolicySource implements PolicySource {
  readonly #o: FeedSourceOptions;
  #loaded = false;

  constructor(o: FeedSourceOptions) {
    this.#o = o;
  }

  /** True once a policy from the feed (or its persisted copy) is in force. */
  get loaded(): boolean {
    return this.#loaded;
  }

  async start(onChange: (p: CompiledPolicy) => void, onError: (err: Error) => void): Promise<CompiledPolicy> {
    let first = this.#fromDisk();
    this.#loaded = !!first;
    if (!first) first = this.#placeholder(`no policy loaded yet from ${this.#o.feed.description}`, 0);
    const deliver = (docs: PolicyDocuments): LoadVerdict => {
      const result = this.#compile(docs);
      if (!result.ok) {
        const err = new PolicyError(`invalid policy in ${docs.source} (version ${docs.version}); keeping the last good policy`, result.problems);
        onError(err);
        return { ok: false, problems: result.problems };
      }
      this.#persist(docs);
      this.#loaded = true;
      onChange(result.policy);
      return { ok: true, generation: result.policy.generation };
    };
    await this.#o.feed.start(deliver, onError);
    return first;
  }

  stop(): void {
    this.#o.feed.stop();
  }

  #compile(docs: PolicyDocuments): { ok: true; policy: CompiledPolicy } | { ok: false; problems: PolicyProblem[] } {
    const generation = Number.parseInt(docs.version, 10) || 1;
    const { parsed, problems } = parsePolicyTexts(docs.documents);
    if (problems.length) return { ok: false, problems };
    const mine = parsed.map((d) => d.value as EgressPolicy).filter((p) => selectorMatches(p.spec?.selector, this.#o.labels));
    if (mine.length === 0) {
      return { ok: true, policy: this.#placeholder(`no EgressPolicy in ${docs.source} selects this pod's labels`, generation) };
    }
    try {
      return { ok: true, policy: compilePolicies(mine, { validator: this.#validator(), generation }) };
    } catch (err) {
      const found = err instanceof PolicyError ? [...err.problems] : [{ document: docs.source, path: '', message: (err as Error).message }];
      return { ok: false, problems: found };
    }
  }

  #validator() {
    return validatorFor(this.#o.packs, this.#o.vendors);
  }

  /**
   * Every vendor host governed, every call refused before any credential is touched:
   * the policy-kill bit carries the reason, so the agent gets a vendor-shaped refusal that says why.
   */
  #placeholder(reason: string, generation: number): CompiledPolicy {
    const doc = {
      apiVersion: 'keybrake.dev/v1alpha1' as const,
      kind: 'EgressPolicy' as const,
      metadata: { name: 'keybrake-no-policy' },
      spec: {
        killed: true,
        vendors: this.#o.vendors.map((vendor) => ({ vendor, credential: { secretRef: { name: 'none', key: 'none' } }, agentKeys: [] })),
      },
    };
    const compiled = compilePolicies([doc], { validator: this.#validator(), generation });
    return { ...compiled, documents: [], killedBy: reason };
  }

  #stateFile(): string {
    return path.join(this.#o.stateDir, STATE_FILE);
  }

  #fromDisk(): CompiledPolicy | undefined {
    let docs: PolicyDocuments;
    try {
      docs = JSON.parse(fs.readFileSync(this.#stateFile(), 'utf8')) as PolicyDocuments;
    } catch {
      return undefined;
    }
    const result = this.#compile(docs);
    if (!result.ok) {
      this.#o.log.warn({ file: this.#stateFile(), problems: result.problems }, 'persisted policy no longer compiles; ignoring it');
      return undefined;
    }
    this.#o.log.info({ file: this.#stateFile(), version: docs.version }, 'enforcing the persisted policy until the API server answers');
    return result.policy;
  }

  #persist(docs: PolicyDocuments): void {
    try {
      fs.mkdirSync(this.#o.stateDir, { recursive: true });
      const tmp = `${this.#stateFile()}.tmp`;
      const fd = fs.openSync(tmp, 'w', 0o600);
      fs.writeSync(fd, JSON.stringify(docs));
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      fs.renameSync(tmp, this.#stateFile());
    } catch (err) {
      this.#o.log.error({ err: (err as Error).message, dir: this.#o.stateDir }, 'cannot persist the policy in --state-dir; a restart during an API outage would refuse everything');
    }
  }
}
