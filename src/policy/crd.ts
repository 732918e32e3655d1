// The EgressPolicy CustomResourceDefinition, generated from the one schema
// (schema.ts) by `npm run gen:crd`. A structural schema may not carry
// additionalProperties: false, patternProperties, $ref or const, so this
// rewrites those; unknown fields are then pruned by the API server, while the
// proxy's own validator (same schema, before this rewrite) refuses them. The
// x-kubernetes-validations CEL rules are copied as they are: the validator
// evaluates the very same rules.
import { buildPolicySchema, API_VERSION, KIND } from './schema.ts';
import { PolicyStatusSchema } from './status-schema.ts';

export const CRD_GROUP = 'keybrake.dev';
export const CRD_PLURAL = 'egresspolicies';
export const CRD_NAME = `${CRD_PLURAL}.${CRD_GROUP}`;
export const CRD_FILE = `deploy/crds/${CRD_NAME}.yaml`;

type Node = Record<string, unknown>;

/** One JSON Schema node (and everything below it) → its structural, CRD-acceptable form. */
export function toStructural(schema: unknown): Node {
  const node = JSON.parse(JSON.stringify(schema)) as Node; // drops TypeBox's symbol keys
  return rewrite(node);
}

function rewrite(node: Node): Node {
  const out: Node = {};
  for (const [key, value] of Object.entries(node)) {
    switch (key) {
      case '$schema':
      case '$id':
        break;
      case 'additionalProperties':
        // false is the validator's strictness; in a CRD pruning drops unknown fields instead.
        if (value !== false) out.additionalProperties = rewrite(value as Node);
        break;
      case 'patternProperties': {
        // TypeBox writes a string-keyed map as patternProperties {"^(.*)$": X}; a CRD says additionalProperties: X.
        const values = Object.values(value as Record<string, Node>);
        if (values.length !== 1) throw new Error('a CRD map needs exactly one value schema');
        out.additionalProperties = rewrite(values[0]!);
        break;
      }
      case 'anyOf':
        // Only `in`/`notIn` items (string | number) are unions; they are marked int-or-string.
        if (node['x-kubernetes-int-or-string'] !== true) throw new Error('anyOf is allowed only on x-kubernetes-int-or-string nodes');
        break;
      case 'const':
        out.enum = [value];
        break;
      case 'properties':
        out.properties = Object.fromEntries(Object.entries(value as Record<string, Node>).map(([k, v]) => [k, rewrite(v)]));
        break;
      case 'items':
        out.items = rewrite(value as Node);
        break;
      default:
        out[key] = value;
    }
  }
  return out;
}

const column = (name: string, type: string, jsonPath: string, description?: string) => ({ name, type, jsonPath, ...(description ? { description } : {}) });

/** The whole CRD object; `vendorIds` feed the known-vendor rule (from the vendor registry). */
export function buildCrd(vendorIds: readonly string[]): Node {
  const policy = buildPolicySchema(vendorIds);
  const version = API_VERSION.split('/')[1]!;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: CRD_NAME, labels: { 'app.kubernetes.io/part-of': 'keybrake' } },
    spec: {
      group: CRD_GROUP,
      scope: 'Namespaced',
      names: { kind: KIND, listKind: `${KIND}List`, plural: CRD_PLURAL, singular: KIND.toLowerCase(), shortNames: ['egp'], categories: ['keybrake'] },
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            column('Enforcement', 'string', '.spec.enforcement', 'enforce, or dryrun (evaluate, audit, forward anyway)'),
            column('Killed', 'boolean', '.spec.killed', 'spec.killed: every call of every matching pod refused'),
            column('Vendors', 'string', '.spec.vendors[*].vendor', 'vendors governed'),
            column('Ready', 'string', '.status.conditions[?(@.type=="Ready")].status', 'accepted and in force in the matching sidecars'),
            column('Age', 'date', '.metadata.creationTimestamp'),
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: policy.title,
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                // The API server owns metadata; a CRD may only constrain name and generateName.
                metadata: { type: 'object' },
                spec: toStructural(policy.properties.spec),
                status: toStructural(PolicyStatusSchema),
              },
            },
          },
        },
      ],
    },
  };
}
