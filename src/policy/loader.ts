// The one loader every policy feed delivers to: parse, pick the documents that
// select this pod, validate, compile, keep the last good policy, number
// generations and report problems. Feeds (file-feed.ts, the ConfigMap watch)
// only do I/O.
import type { CompiledPolicy } from './compiled.ts';
import type { LoadVerdict, PolicyDocuments, PolicyProblem } from './feed.ts';
import type { PolicyValidator } from './validator.ts';
import { parsePolicyTexts, type ParsedDocument } from './documents.ts';
import { compilePolicies } from './compile.ts';
import { PolicyError } from './documents.ts';

export interface PolicyLoaderOptions {
  validator: PolicyValidator;
  /** The pod's own labels (ConfigMap source): only documents whose spec.selector matches them apply. */
  podLabels?: Readonly<Record<string, string>>;
  /**
   * Number each policy with the source's version when it is a decimal (the ConfigMap's `generation`
   * key the controller writes), so every sidecar of a namespace reports the controller's number.
   */
  versionIsGeneration?: boolean;
}

export class PolicyLoader {
  readonly #validator: PolicyValidator;
  readonly #labels?: Readonly<Record<string, string>>;
  readonly #versionIsGeneration: boolean;
  #current?: CompiledPolicy;
  #generation = 0;
  #goodVersion?: string;
  #problems: PolicyProblem[] = [];
  readonly #listeners: Array<(p: CompiledPolicy | undefined) => void> = [];

  constructor(opts: PolicyLoaderOptions) {
    this.#validator = opts.validator;
    this.#labels = opts.podLabels;
    this.#versionIsGeneration = opts.versionIsGeneration ?? false;
  }

  /** The policy in force, or undefined while none was ever loaded (or none selects this pod). */
  get current(): CompiledPolicy | undefined {
    return this.#current;
  }

  /** Problems of the last delivery (empty after a good one). */
  get problems(): readonly PolicyProblem[] {
    return this.#problems;
  }

  /**
   * Called on every change of `current` (a new generation, or no policy selecting this pod any more).
   * A listener that throws refuses the new policy (e.g. the proxy's CA cannot sign one of its hosts):
   * the last good one stays in force and the error becomes the delivery's problem.
   */
  onChange(listener: (p: CompiledPolicy | undefined) => void): void {
    this.#listeners.push(listener);
  }

  /** The `deliver` callback a PolicyFeed calls. Never throws: problems come back in the verdict. */
  deliver = (docs: PolicyDocuments): LoadVerdict => {
    if (this.#current && docs.version === this.#goodVersion) return this.#accept(this.#current); // e.g. a bad edit reverted
    const { parsed, problems } = parsePolicyTexts(docs.documents);
    if (problems.length) return this.#refuse(problems);
    const selected = this.#labels ? parsed.filter((d) => selects(d, this.#labels!)) : parsed;
    if (selected.length === 0) {
      if (this.#labels) {
        // The controller removed the last policy for this pod: keeping the old one would keep its access.
        this.#goodVersion = undefined;
        this.#set(undefined);
        return this.#refuse([{ document: docs.source, path: '', message: `no EgressPolicy selects this pod (labels ${JSON.stringify(this.#labels)})` }]);
      }
      // An empty file is far more often a half-written one than a wish to refuse everything.
      return this.#refuse([{ document: docs.source, path: '', message: 'contains no EgressPolicy document' }]);
    }
    let policy: CompiledPolicy;
    try {
      policy = compilePolicies(selected.map((d) => d.value) as never, {
        validator: this.#validator,
        generation: this.#nextGeneration(docs.version),
        documentNames: selected.map((d) => d.document),
      });
    } catch (err) {
      if (err instanceof PolicyError) return this.#refuse([...err.problems]);
      return this.#refuse([{ document: docs.source, path: '', message: (err as Error).message }]);
    }
    const refused = this.#set(policy);
    if (refused) return this.#refuse([{ document: docs.source, path: '', message: refused.message }]);
    this.#goodVersion = docs.version;
    this.#generation = policy.generation;
    return this.#accept(policy);
  };

  #nextGeneration(version: string): number {
    if (this.#versionIsGeneration && /^[1-9][0-9]{0,14}$/.test(version)) return Number(version);
    return this.#generation + 1;
  }

  #accept(policy: CompiledPolicy): LoadVerdict {
    this.#problems = [];
    return { ok: true, generation: policy.generation };
  }

  #refuse(problems: PolicyProblem[]): LoadVerdict {
    this.#problems = problems;
    return { ok: false, problems };
  }

  #set(policy: CompiledPolicy | undefined): Error | undefined {
    try {
      for (const listener of this.#listeners) listener(policy);
    } catch (err) {
      return err as Error;
    }
    this.#current = policy;
    return undefined;
  }
}

/** `spec.selector.matchLabels` ⊆ pod labels; no selector (or an empty one) selects every pod, as in Kubernetes. */
function selects(doc: ParsedDocument, labels: Readonly<Record<string, string>>): boolean {
  const spec = (doc.value as { spec?: { selector?: { matchLabels?: unknown } } }).spec;
  const wanted = spec?.selector?.matchLabels;
  // A malformed selector is kept so the validator names it instead of it silently not applying.
  if (wanted === undefined) return true;
  if (wanted === null || typeof wanted !== 'object') return true;
  return Object.entries(wanted).every(([k, v]) => labels[k] === v);
}
