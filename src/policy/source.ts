// What the running proxy asks for its policy: one feed (file, ConfigMap)
// delivering into the shared loader. A file that is unusable at start stops
// the start (a laptop user sees why at once); a ConfigMap source starts with
// no policy and refuses every call until one loads.
import type { CompiledPolicy } from './compiled.ts';
import type { PolicyDocuments, PolicyFeed } from './feed.ts';
import type { PolicyLoader } from './loader.ts';
import type { VendorPack } from '../vendors/pack.ts';
import { parsePolicyTexts, PolicyError } from './documents.ts';
import { noPolicyYet } from './no-policy.ts';

export interface PolicySource {
  /**
   * The first policy (or, without requireInitial, the no-policy placeholder), then every change until stop().
   * An onChange that throws refuses that policy: the error goes to onError and the last good one stays.
   */
  start(onChange: (p: CompiledPolicy) => void, onError: (err: Error) => void): Promise<CompiledPolicy>;
  stop(): void;
}

export interface FeedSourceOptions {
  feed: PolicyFeed;
  loader: PolicyLoader;
  /** Every pack: their hosts still answer, in their own error shape, while no policy is loaded. */
  packs: readonly VendorPack[];
  /** Reject start() with a PolicyError when the first delivery yields no policy (the file source). */
  requireInitial?: boolean;
}

export class FeedPolicySource implements PolicySource {
  readonly #o: FeedSourceOptions;

  constructor(o: FeedSourceOptions) {
    this.#o = o;
  }

  async start(onChange: (p: CompiledPolicy) => void, onError: (err: Error) => void): Promise<CompiledPolicy> {
    const { feed, loader, packs } = this.#o;
    const placeholder = (why: string) => noPolicyYet(packs, `no policy is loaded from ${feed.description}: ${why}`);
    let started = false;
    let firstFailure: Error | undefined;
    // While no policy is in force, the same refusal again (every ConfigMap change in a namespace
    // where no EgressPolicy selects this pod) is reported once, not on every delivery.
    let reportedWhileUnloaded: string | undefined;
    loader.onChange((p) => {
      if (started) onChange(p ?? placeholder('no EgressPolicy selects this pod'));
    });
    await feed.start(
      (docs) => {
        const verdict = loader.deliver(docs);
        const repeat = !verdict.ok && !loader.current && JSON.stringify(verdict.problems) === reportedWhileUnloaded;
        reportedWhileUnloaded = !verdict.ok && !loader.current ? JSON.stringify(verdict.problems) : undefined;
        if (!verdict.ok && started && !repeat)
          onError(
            new PolicyError(
              `policy from ${feed.description}${namesOf(docs)} refused; ${loader.current ? 'keeping the last good policy' : 'every call is refused'}`,
              verdict.problems,
            ),
          );
        return verdict;
      },
      (err) => (started ? onError(err) : (firstFailure = err)),
    );
    started = true;
    if (loader.current) return loader.current;
    const problems = loader.problems;
    const why = firstFailure?.message ?? (problems.length ? `${problems.length} problem(s) in the policy` : 'nothing delivered yet');
    if (this.#o.requireInitial) {
      feed.stop();
      throw new PolicyError(`no usable policy from ${feed.description}`, problems.length ? problems : [{ document: feed.description, path: '', message: why }]);
    }
    if (problems.length) onError(new PolicyError(`policy from ${feed.description} refused`, problems));
    else if (firstFailure) onError(firstFailure);
    return placeholder(why);
  }

  stop(): void {
    this.#o.feed.stop();
  }
}

/** " (EgressPolicy a, b)": the operator reading a refused reload in the log learns which policy it was, not only the file. */
function namesOf(docs: PolicyDocuments): string {
  const names = parsePolicyTexts(docs.documents)
    .parsed.map((d) => (d.value as { metadata?: { name?: unknown } }).metadata?.name)
    .filter((n): n is string => typeof n === 'string' && n !== '');
  return names.length ? ` (EgressPolicy ${names.join(', ')})` : '';
}
