// A GraphQL request ({query, variables, operationName}) → what it will do,
// parsed by the `graphql` reference implementation, never by hand:
// - the operation the server will run (operationName, or the only one);
// - a query is a read; a subscription is refused;
// - a mutation is its top-level fields, each one call with its arguments
//   resolved from literals and variables, its alias kept for the response.
// Fragments and @skip/@include at the top level are followed when they can be
// resolved exactly; @idempotent(key:) on a mutation field (required on
// refundCreate from API 2026-04) is read as the call's idempotency key; any
// other directive, a fragment on another type, a cycle
// or an unknown name refuses the document: what cannot be resolved fully is
// never forwarded.
import {
  Kind,
  Lexer,
  Source,
  TokenKind,
  parse,
  type DirectiveNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { ABSENT, Unresolvable, define, resolveValue, type Variables } from './values.ts';
import { oversizedShape } from '../body-text.ts';

/** One top-level mutation field. */
export interface MutationCall {
  field: string;
  /** The key the response carries it under: the alias, else the field name. */
  responseKey: string;
  alias?: string;
  args: Record<string, unknown>;
  /** The key of its @idempotent directive: Shopify answers a retry with the same key with the first result. */
  idempotencyKey?: string;
  /**
   * The payload selection has no alias, directive or fragment anywhere, so the
   * response's `userErrors` and amounts are the real fields (settle trusts them).
   */
  plainPayload: boolean;
}

export type ResolvedRequest = { ok: true; type: 'query' } | { ok: true; type: 'mutation'; calls: MutationCall[] } | { ok: false; message: string };

/** Tokens a document may have: a bound on parse work for any body within the size limit. */
export const MAX_TOKENS = 20_000;
/** Deepest nesting of braces, brackets and parentheses: the parser recurses once per level. */
export const MAX_NESTING = 64;
/** Top-level mutation fields in one document. */
export const MAX_CALLS = 50;

export function resolveRequest(request: Record<string, unknown>): ResolvedRequest {
  try {
    return resolve(request);
  } catch (err) {
    if (err instanceof Unresolvable) return { ok: false, message: err.message };
    // The parser's own errors (syntax, token limit) and a stack overflow on absurd nesting.
    const text = err instanceof Error ? err.message : String(err);
    return { ok: false, message: `the GraphQL document does not parse: ${text.slice(0, 200)}` };
  }
}

function resolve(request: Record<string, unknown>): ResolvedRequest {
  const { query, operationName } = request;
  if (typeof query !== 'string' || query.trim() === '') {
    throw new Unresolvable('the request carries no GraphQL document in "query" (persisted queries cannot be judged); send the document');
  }
  checkNesting(query);
  const document = parse(query, { maxTokens: MAX_TOKENS, noLocation: true });
  const fragments = fragmentsOf(document);
  const operation = selectOperation(document, operationName);
  if (operation.operation === 'query') return { ok: true, type: 'query' };
  if (operation.operation !== 'mutation') throw new Unresolvable(`${operation.operation} operations are not supported over this endpoint`);
  if (operation.directives?.length) throw new Unresolvable(`directive @${operation.directives[0]!.name.value} on the mutation is not supported`);
  const variables = variablesOf(operation, request.variables);
  const calls: MutationCall[] = [];
  collect(operation.selectionSet, { fragments, variables, calls, visiting: new Set(), visited: 0 });
  if (calls.length === 0) throw new Unresolvable('the mutation selects no field');
  const keys = new Set<string>();
  for (const call of calls) {
    if (keys.has(call.responseKey)) throw new Unresolvable(`two mutation fields answer as "${call.responseKey}"; give each its own alias`);
    keys.add(call.responseKey);
    const big = oversizedShape(call.args);
    if (big) throw new Unresolvable(big);
  }
  return { ok: true, type: 'mutation', calls };
}

/**
 * graphql-js parses by recursive descent, so a document nested thousands of
 * levels deep would exhaust the stack. Its own lexer counts the levels first
 * (within the token budget) and refuses a document deeper than any real one.
 */
function checkNesting(query: string): void {
  const lexer = new Lexer(new Source(query));
  let depth = 0;
  for (let tokens = 0; tokens <= MAX_TOKENS; tokens++) {
    const token = lexer.advance();
    if (token.kind === TokenKind.EOF) return;
    if (token.kind === TokenKind.BRACE_L || token.kind === TokenKind.BRACKET_L || token.kind === TokenKind.PAREN_L) {
      if (++depth > MAX_NESTING) throw new Unresolvable(`the GraphQL document nests more than ${MAX_NESTING} levels deep`);
    } else if (token.kind === TokenKind.BRACE_R || token.kind === TokenKind.BRACKET_R || token.kind === TokenKind.PAREN_R) {
      depth--;
    }
  }
  throw new Unresolvable(`the GraphQL document has more than ${MAX_TOKENS} tokens`);
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) {
      if (fragments.has(def.name.value)) throw new Unresolvable(`fragment ${def.name.value} is defined twice`);
      fragments.set(def.name.value, def);
    } else if (def.kind !== Kind.OPERATION_DEFINITION) {
      throw new Unresolvable(`a request document holds operations and fragments only, found ${def.kind}`);
    }
  }
  return fragments;
}

/** The operation the server runs: the one named by operationName, or the only one. */
function selectOperation(document: DocumentNode, operationName: unknown): OperationDefinitionNode {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operationName === undefined || operationName === null) {
    if (operations.length === 1) return operations[0]!;
    throw new Unresolvable(`the document has ${operations.length} operations and no operationName; name the one to run`);
  }
  if (typeof operationName !== 'string' || operationName === '') throw new Unresolvable('operationName must be a non-empty string');
  const named = operations.filter((op) => op.name?.value === operationName);
  if (named.length !== 1) {
    throw new Unresolvable(
      `operationName ${JSON.stringify(operationName.slice(0, 60))} names ${named.length} operations of the document; it must name exactly one`,
    );
  }
  return named[0]!;
}

/** Declared variables with the values the request sends, or their defaults, or ABSENT. */
function variablesOf(operation: OperationDefinitionNode, sent: unknown): Variables {
  if (sent !== undefined && sent !== null && (typeof sent !== 'object' || Array.isArray(sent))) {
    throw new Unresolvable('"variables" must be a JSON object');
  }
  const given = (sent ?? {}) as Record<string, unknown>;
  const variables = new Map<string, unknown>();
  for (const def of operation.variableDefinitions ?? []) {
    const name = def.variable.name.value;
    if (variables.has(name)) throw new Unresolvable(`variable $${name} is declared twice`);
    if (Object.hasOwn(given, name)) variables.set(name, given[name]);
    else if (def.defaultValue) variables.set(name, resolveValue(def.defaultValue, new Map()));
    else variables.set(name, ABSENT);
  }
  return variables;
}

interface Walk {
  fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  variables: Variables;
  calls: MutationCall[];
  /** Fragments being expanded: a spread of one of them again is a cycle. */
  visiting: Set<string>;
  /** Selections visited so far: fragments spreading fragments twice over would otherwise grow exponentially. */
  visited: number;
}

/** Top-level selections visited through fragments, at most. */
export const MAX_SELECTIONS = 2_000;

/** The top-level fields of the mutation, through inline fragments and fragment spreads on Mutation. */
function collect(selectionSet: SelectionSetNode, walk: Walk): void {
  for (const selection of selectionSet.selections) {
    if (++walk.visited > MAX_SELECTIONS) throw new Unresolvable(`the mutation expands to more than ${MAX_SELECTIONS} selections through its fragments`);
    if (!included(selection.directives, walk.variables, selection.kind === Kind.FIELD)) continue;
    switch (selection.kind) {
      case Kind.FIELD: {
        const field = selection.name.value;
        if (field === '__typename') continue;
        if (field.startsWith('__')) throw new Unresolvable(`${field} is not a mutation`);
        if (walk.calls.length >= MAX_CALLS) throw new Unresolvable(`the mutation has more than ${MAX_CALLS} fields; split it`);
        const args: Record<string, unknown> = {};
        for (const arg of selection.arguments ?? []) {
          const name = arg.name.value;
          if (Object.hasOwn(args, name)) throw new Unresolvable(`argument ${name} of ${field} is written twice`);
          const value = resolveValue(arg.value, walk.variables);
          if (value !== ABSENT) define(args, name, value);
        }
        const alias = selection.alias?.value;
        const key = idempotencyKeyOf(selection.directives, walk.variables);
        walk.calls.push({
          field,
          responseKey: alias ?? field,
          ...(alias !== undefined && alias !== field ? { alias } : {}),
          args,
          ...(key !== undefined ? { idempotencyKey: key } : {}),
          plainPayload: !selection.selectionSet || isPlain(selection.selectionSet),
        });
        break;
      }
      case Kind.INLINE_FRAGMENT:
        onMutation(selection.typeCondition?.name.value, 'an inline fragment');
        collect(selection.selectionSet, walk);
        break;
      case Kind.FRAGMENT_SPREAD: {
        const name = selection.name.value;
        const fragment = walk.fragments.get(name);
        if (!fragment) throw new Unresolvable(`fragment ${name} is not defined`);
        if (walk.visiting.has(name)) throw new Unresolvable(`fragment ${name} spreads itself`);
        if (fragment.directives?.length) throw new Unresolvable(`directive @${fragment.directives[0]!.name.value} on fragment ${name} is not supported`);
        if (fragment.variableDefinitions?.length) throw new Unresolvable(`fragment ${name} declares variables, which are not supported`);
        onMutation(fragment.typeCondition.name.value, `fragment ${name}`);
        walk.visiting.add(name);
        collect(fragment.selectionSet, walk);
        walk.visiting.delete(name);
        break;
      }
      default:
        throw new Unresolvable('an unknown kind of selection');
    }
  }
}

function onMutation(type: string | undefined, what: string): void {
  if (type !== undefined && type !== 'Mutation') throw new Unresolvable(`${what} on ${type} at the top of a mutation cannot be resolved`);
}

/**
 * @skip / @include with an `if` that resolves to a boolean decide exactly; any
 * other directive could change what runs and is refused.
 */
function included(directives: readonly DirectiveNode[] | undefined, variables: Variables, onField: boolean): boolean {
  let include = true;
  for (const directive of directives ?? []) {
    const name = directive.name.value;
    if (name === IDEMPOTENT && onField) continue; // read by idempotencyKeyOf: it changes no argument
    if (name !== 'skip' && name !== 'include') throw new Unresolvable(`directive @${name} at the top of a mutation is not supported`);
    const args = directive.arguments ?? [];
    if (args.length !== 1 || args[0]!.name.value !== 'if') throw new Unresolvable(`@${name} takes exactly one argument, if`);
    const value = resolveValue(args[0]!.value, variables);
    if (typeof value !== 'boolean') throw new Unresolvable(`@${name}(if:) must be a boolean, found ${value === ABSENT ? 'no value' : JSON.stringify(value)}`);
    if (name === 'skip' && value) include = false;
    if (name === 'include' && !value) include = false;
  }
  return include;
}

const IDEMPOTENT = 'idempotent';

/** `@idempotent(key: "…")` on a mutation field: its key (a non-empty string), or undefined without one. */
function idempotencyKeyOf(directives: readonly DirectiveNode[] | undefined, variables: Variables): string | undefined {
  const found = (directives ?? []).filter((d) => d.name.value === IDEMPOTENT);
  if (found.length === 0) return undefined;
  const args = found[0]!.arguments ?? [];
  if (found.length > 1 || args.length !== 1 || args[0]!.name.value !== 'key')
    throw new Unresolvable('@idempotent takes exactly one argument, key, once per field');
  const key = resolveValue(args[0]!.value, variables);
  if (typeof key !== 'string' || key === '' || key.length > 255)
    throw new Unresolvable('@idempotent(key:) must be a non-empty string of at most 255 characters');
  return key;
}

/** No alias, directive or fragment anywhere below: response keys are the schema's own field names. */
function isPlain(selectionSet: SelectionSetNode, depth = 0): boolean {
  if (depth > 32) return false;
  return selectionSet.selections.every(
    (s) => s.kind === Kind.FIELD && !s.alias && !s.directives?.length && (!s.selectionSet || isPlain(s.selectionSet, depth + 1)),
  );
}
