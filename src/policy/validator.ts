// One validator for every policy source: the proxy's loader, `keybrake policy
// check` and the controller. Three passes, each refusing what the one before
// cannot see: the schema (ajv: shapes, bounds, unknown fields with "did you
// mean"), the schema's CEL rules (the CRD's own), then what needs code
// (entry-checks.ts) and what spans documents (names, host conflicts).
import type { ValidateFunction } from 'ajv';
import { buildPolicySchema, type EgressPolicy } from './schema.ts';
import type { PolicyProblem } from './feed.ts';
import { compileSchema, schemaProblems } from './schema-check.ts';
import { ruleProblems } from './schema-rules.ts';
import { entryProblems, type PackLookup } from './entry-checks.ts';
import { parsePolicyTexts, type ParsedDocument } from './documents.ts';
import { childPath } from './field-path.ts';
import { entryHosts } from './entry-hosts.ts';

export type { PackLookup } from './entry-checks.ts';

export interface PolicyValidatorOptions {
  packs: PackLookup;
  /** Known vendor ids: the schema's vendor rule lists them. */
  vendorIds: readonly string[];
}

export class PolicyValidator {
  /** The JSON Schema ajv compiled: `keybrake policy schema` prints this very object. */
  readonly schema: ReturnType<typeof buildPolicySchema>;
  readonly packs: PackLookup;
  readonly #validate: ValidateFunction;

  constructor(opts: PolicyValidatorOptions) {
    this.packs = opts.packs;
    this.schema = buildPolicySchema(opts.vendorIds);
    this.#validate = compileSchema(this.schema);
  }

  /** The schema object inside the compiled validator (a test proves it is `schema`). */
  get compiledSchema(): unknown {
    return this.#validate.schema;
  }

  /** Every problem of these documents, together (names and hosts must be unique across them). */
  check(docs: readonly ParsedDocument[]): PolicyProblem[] {
    const problems: PolicyProblem[] = [];
    const valid: Array<{ document: string; policy: EgressPolicy }> = [];
    for (const { document, value } of docs) {
      const found = [...schemaProblems(this.#validate, value), ...ruleProblems(this.schema, value)];
      // Code checks read typed fields, so they run only on documents the schema accepted.
      if (found.length === 0) {
        valid.push({ document, policy: value as EgressPolicy });
        found.push(...this.#entries(value as EgressPolicy));
      }
      problems.push(...found.map((f) => ({ document, ...f })));
    }
    problems.push(...crossDocumentProblems(valid, this.packs));
    return problems;
  }

  #entries(policy: EgressPolicy) {
    return policy.spec.vendors.flatMap((entry, i) => entryProblems(entry, `spec.vendors[${i}]`, this.packs(entry.vendor)!));
  }
}

/** Parses and validates YAML texts; `policies` is empty unless there are no problems. */
export function readPolicies(
  texts: readonly { name: string; text: string }[],
  validator: PolicyValidator,
): { policies: EgressPolicy[]; problems: PolicyProblem[] } {
  const { parsed, problems } = parsePolicyTexts(texts);
  problems.push(...validator.check(parsed));
  return { policies: problems.length ? [] : parsed.map((d) => d.value as EgressPolicy), problems };
}

/** The seam in CONTRACTS: structured problems for the CLI, the loader and the controller. */
export function validatePolicyDocuments(texts: readonly { name: string; text: string }[], validator: PolicyValidator): PolicyProblem[] {
  return readPolicies(texts, validator).problems;
}

function crossDocumentProblems(docs: Array<{ document: string; policy: EgressPolicy }>, packs: PackLookup): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const names = new Map<string, string>();
  const governed = new Map<string, string>();
  const passthrough: Array<{ host: string; document: string; path: string }> = [];
  for (const { document, policy } of docs) {
    const id = `${policy.metadata.namespace ?? ''}/${policy.metadata.name}`;
    const first = names.get(id);
    if (first) problems.push({ document, path: 'metadata.name', message: `${id} is defined twice (also in ${first})` });
    else names.set(id, document);
    policy.spec.vendors.forEach((entry, i) => {
      const path = `spec.vendors[${i}]`;
      for (const host of entryHosts(entry, packs(entry.vendor)!)) {
        const owner = governed.get(host.toLowerCase());
        if (owner) problems.push({ document, path, message: `host ${host} is already governed by ${owner}; one host, one vendor entry` });
        else governed.set(host.toLowerCase(), `${document} ${path}`);
      }
    });
    (policy.spec.passthrough ?? []).forEach((host, i) => passthrough.push({ host, document, path: childPath('spec.passthrough', i) }));
  }
  // After all documents, so the order in which policies appear does not matter.
  for (const { host, document, path } of passthrough) {
    const owner = governed.get(host);
    if (owner) problems.push({ document, path, message: `${host} is governed by ${owner}; a host cannot also be passthrough` });
  }
  return problems;
}

const cache = new WeakMap<PackLookup, Map<string, PolicyValidator>>();

/** One validator per (packs, vendor ids): compiling the schema costs a fraction of a second. */
export function validatorFor(packs: PackLookup, vendorIds: readonly string[]): PolicyValidator {
  let byIds = cache.get(packs);
  if (!byIds) cache.set(packs, (byIds = new Map()));
  const key = vendorIds.join(',');
  let validator = byIds.get(key);
  if (!validator) byIds.set(key, (validator = new PolicyValidator({ packs, vendorIds })));
  return validator;
}
