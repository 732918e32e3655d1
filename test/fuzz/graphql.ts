// Fuzz target for the Shopify GraphQL path: the bytes are a document, a NUL,
// its variables (JSON), a NUL and an operationName, sent as the JSON body the
// official clients send. Oracles: parsing never throws; a document keybrake
// accepts is one it resolved fully, and exactly as a reference reading built
// on graphql-js itself resolves it (getOperationAST picks the same operation;
// the top-level fields after fragments and @skip/@include are the same fields,
// in order, with the same arguments, valueFromASTUntyped reading each).
import { isDeepStrictEqual } from 'node:util';
import { Kind, getOperationAST, parse, valueFromASTUntyped, type DocumentNode, type FieldNode, type SelectionSetNode } from 'graphql';
import type { FuzzTarget } from './engine.ts';
import { shopifyPack } from '../../src/vendors/shopify/index.ts';

const GQL = '/admin/api/2025-10/graphql.json';
const TOKENS = [
  'mutation',
  'query',
  'subscription',
  '{',
  '}',
  '(',
  ')',
  ':',
  '$v',
  '$s',
  '...',
  '... on Mutation',
  'on Query',
  '@skip(if: true)',
  '@include(if: $s)',
  '@defer',
  'fragment F on Mutation { giftCardCreate(input: {}) { id } }',
  '...F',
  'refundCreate',
  'giftCardCreate',
  'alias: ',
  '__typename',
  '"12.50"',
  '1e3',
  '[',
  ']',
  '!',
  '=',
  ',',
  '\n',
  '#',
  '"""',
  '\\u0000',
  '\0',
  '{"v":"1"}',
  '__proto__',
];

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`oracle: ${what}`);
}

/** Numbers and numeric text compare as numbers: keybrake keeps a literal's text, the reference parses it. */
function normalize(value: unknown): unknown {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$/.test(value)) return Number(value);
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : normalize(v)));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) Object.defineProperty(out, k, { value: normalize(v), enumerable: true });
    return out;
  }
  return value;
}

/** The reference: top-level fields graphql-js would run, or undefined when it could not tell. */
function referenceFields(
  document: DocumentNode,
  operationName: string | undefined,
  sent: Record<string, unknown>,
): { type: string; fields: Array<{ name: string; args: unknown }> } | undefined {
  const operation = getOperationAST(document, operationName);
  if (!operation) return undefined;
  const variables: Record<string, unknown> = {};
  for (const def of operation.variableDefinitions ?? []) {
    const name = def.variable.name.value;
    if (Object.hasOwn(sent, name)) variables[name] = sent[name];
    else if (def.defaultValue) variables[name] = valueFromASTUntyped(def.defaultValue);
  }
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  const fields: FieldNode[] = [];
  const walk = (set: SelectionSetNode, depth: number): boolean => {
    if (depth > 64) return false;
    for (const s of set.selections) {
      const skip = s.directives?.find((d) => d.name.value === 'skip');
      const include = s.directives?.find((d) => d.name.value === 'include');
      if (skip && valueFromASTUntyped(skip.arguments![0]!.value, variables) === true) continue;
      if (include && valueFromASTUntyped(include.arguments![0]!.value, variables) === false) continue;
      if (s.kind === Kind.FIELD) {
        if (s.name.value !== '__typename') fields.push(s);
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        if (!walk(s.selectionSet, depth + 1)) return false;
      } else {
        const fragment = fragments.get(s.name.value);
        if (!fragment || !walk(fragment.selectionSet, depth + 1)) return false;
      }
    }
    return true;
  };
  if (!walk(operation.selectionSet, 0)) return undefined;
  const args = (f: FieldNode) => Object.fromEntries((f.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value, variables)]));
  return { type: operation.operation, fields: fields.map((f) => ({ name: f.name.value, args: normalize(args(f)) })) };
}

export const graphqlRequest: FuzzTarget = {
  name: 'graphql',
  cover: ['src/vendors/shopify'],
  dictionary: TOKENS,
  run(input) {
    const [query = '', variablesText = '', operationName] = input.toString('utf8').split('\0');
    let variables: unknown;
    try {
      variables = variablesText ? JSON.parse(variablesText) : undefined;
    } catch {
      variables = variablesText;
    }
    const body = JSON.stringify({ query, variables, ...(operationName ? { operationName } : {}) });
    const req = { method: 'POST', path: GQL, query: '', headers: { 'content-type': 'application/json' }, body: Buffer.from(body) };
    const parsed = shopifyPack.parse(req, shopifyPack.identify('POST', GQL)); // throwing here fails the target
    if (!parsed.ok) return;
    const sent = variables !== null && typeof variables === 'object' && !Array.isArray(variables) ? (variables as Record<string, unknown>) : {};
    const reference = referenceFields(parse(query), operationName || undefined, sent);
    check(reference !== undefined, 'keybrake accepted a document whose operation or fragments graphql-js cannot resolve');
    if (reference!.type !== 'mutation') {
      check(reference!.type === 'query' && !parsed.parts, `a ${reference!.type} was accepted as ${parsed.parts ? 'a mutation' : 'a read'}`);
      return;
    }
    const parts = parsed.parts ?? [];
    const judged = parts.map((p) => ({ name: p.operation.id, args: normalize(p.body[p.operation.id]) }));
    check(isDeepStrictEqual(judged, reference!.fields), `keybrake judged ${JSON.stringify(judged)} where graphql-js runs ${JSON.stringify(reference!.fields)}`);
    shopifyPack.estimateCost(shopifyPack.identify('POST', GQL), parsed.body, { defaultCurrency: 'usd' }, req);
  },
};
