// The policy validator and file source as every command builds them: the
// vendor registry supplies the packs and the known vendor ids.
import { getPack, listPacks } from '../vendors/registry.ts';
import { PolicyValidator } from '../policy/validator.ts';
import { PolicyLoader } from '../policy/loader.ts';
import { FilePolicyFeed, type PolicyLog } from '../policy/file-feed.ts';
import { FeedPolicySource } from '../policy/source.ts';
import type { PolicyFeed } from '../policy/feed.ts';
import type { CompiledPolicy } from '../policy/compiled.ts';
import type { PolicyWire } from '../app/peers.ts';
import { compilePolicies } from '../policy/compile.ts';
import { noPolicyYet } from '../policy/no-policy.ts';

let shared: PolicyValidator | undefined;

/** One validator per process (compiling the schema takes a few milliseconds). */
export function registryValidator(): PolicyValidator {
  shared ??= new PolicyValidator({ packs: getPack, vendorIds: listPacks().map((p) => p.id) });
  return shared;
}

/**
 * Any other feed (the ConfigMap watch): starts with no policy, refusing every call, until one loads;
 * with `podLabels`, only the documents whose spec.selector matches them apply.
 */
export function feedPolicySource(feed: PolicyFeed, podLabels?: Readonly<Record<string, string>>): FeedPolicySource {
  return new FeedPolicySource({ feed, loader: new PolicyLoader({ validator: registryValidator(), podLabels }), packs: listPacks() });
}

/** `--policy FILE`: unusable at start → the start fails with every problem; later bad edits keep the last good policy. */
export function filePolicySource(file: string, log?: PolicyLog): FeedPolicySource {
  return new FeedPolicySource({
    feed: new FilePolicyFeed(file, log),
    loader: new PolicyLoader({ validator: registryValidator() }),
    packs: listPacks(),
    requireInitial: true,
  });
}

/** A `--workers N` worker's copy of the policy the primary loaded: the same documents, compiled under the primary's generation. */
export function compileRelayedPolicy(wire: PolicyWire): CompiledPolicy {
  if ('unloaded' in wire) return noPolicyYet(listPacks(), wire.unloaded);
  return compilePolicies(wire.documents, { validator: registryValidator(), generation: wire.generation });
}
