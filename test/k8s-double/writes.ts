// Create, update, patch and delete with the API server's rules: RV preconditions
// (409), no-op writes that change nothing, generation bumped only by non-metadata
// changes, the status subresource split, 415 for strategic merge on custom resources.
import { isDeepStrictEqual } from 'node:util';
import { ApiError, type Store } from './store.ts';
import { mergePatch, jsonPatch, PatchError } from './patch.ts';
import type { KubeObject, ResourceType } from './resources.ts';

const MERGE = 'application/merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';

function resourceName(t: ResourceType): string {
  return t.group ? `${t.plural}.${t.group}` : t.plural;
}

function details(t: ResourceType, name: string): Record<string, unknown> {
  return { name, ...(t.group ? { group: t.group } : {}), kind: t.plural };
}

function notFound(t: ResourceType, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${resourceName(t)} "${name}" not found`, details(t, name));
}

function conflict(t: ResourceType, name: string): ApiError {
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${resourceName(t)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    details(t, name),
  );
}

function withoutMeta(o: KubeObject, dropStatus: boolean): Record<string, unknown> {
  const { metadata: _m, apiVersion: _a, kind: _k, ...rest } = o;
  if (dropStatus) delete rest.status;
  return rest;
}

function checkIdentity(t: ResourceType, body: KubeObject, ns: string | undefined, name: string | undefined): void {
  if (!body || typeof body !== 'object' || typeof body.metadata !== 'object' || body.metadata === null) {
    throw new ApiError(400, 'BadRequest', 'the body must be an object with metadata');
  }
  if (t.namespaced && body.metadata.namespace && body.metadata.namespace !== ns) {
    throw new ApiError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
  }
  if (name !== undefined && body.metadata.name !== name) {
    throw new ApiError(400, 'BadRequest', 'the name of the object does not match the name on the URL');
  }
}

export function create(store: Store, t: ResourceType, ns: string | undefined, body: KubeObject): KubeObject {
  checkIdentity(t, body, ns, undefined);
  const obj = structuredClone(body);
  if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = `${obj.metadata.generateName}${Math.random().toString(36).slice(2, 7)}`;
  if (!obj.metadata.name) throw new ApiError(422, 'Invalid', `${t.kind} "" is invalid: metadata.name: Required value: name or generateName is required`);
  if (t.namespaced) obj.metadata.namespace = ns;
  if (store.get(t, ns, obj.metadata.name)) {
    throw new ApiError(409, 'AlreadyExists', `${resourceName(t)} "${obj.metadata.name}" already exists`, details(t, obj.metadata.name));
  }
  delete obj.metadata.resourceVersion;
  if (t.generation) obj.metadata.generation = 1;
  if (t.statusSubresource && t.custom) delete obj.status;
  return store.put(t, obj, 'ADDED');
}

/** The stored object after `next` replaces `old` through the main resource or /status. */
function commit(store: Store, t: ResourceType, old: KubeObject, next: KubeObject, sub: 'status' | undefined): KubeObject {
  const name = old.metadata.name!;
  if (next.metadata.resourceVersion !== undefined && next.metadata.resourceVersion !== '' && next.metadata.resourceVersion !== old.metadata.resourceVersion) {
    throw conflict(t, name);
  }
  let result: KubeObject;
  if (sub === 'status') {
    // "update is only allowed to set status": everything else comes from the stored object.
    result = structuredClone(old);
    if (next.status === undefined) delete result.status;
    else result.status = structuredClone(next.status);
  } else {
    result = structuredClone(next);
    // Identity and server-owned fields are not the client's to change.
    for (const f of ['uid', 'creationTimestamp', 'generation', 'namespace', 'name']) {
      if (old.metadata[f] === undefined) delete result.metadata[f];
      else result.metadata[f] = old.metadata[f];
    }
    if (t.statusSubresource) {
      if (old.status === undefined) delete result.status;
      else result.status = structuredClone(old.status);
    }
    if (t.generation && !isDeepStrictEqual(withoutMeta(old, true), withoutMeta(result, true))) {
      result.metadata.generation = (old.metadata.generation ?? 1) + 1;
    }
  }
  result.metadata.resourceVersion = old.metadata.resourceVersion;
  result.apiVersion = old.apiVersion;
  result.kind = old.kind;
  if (isDeepStrictEqual(result, old)) return old; // no-op: same RV, no event
  return store.put(t, result, 'MODIFIED');
}

export function update(store: Store, t: ResourceType, ns: string | undefined, name: string, body: KubeObject, sub?: 'status'): KubeObject {
  checkIdentity(t, body, ns, name);
  const old = store.get(t, ns, name);
  if (!old) throw notFound(t, name);
  if (t.custom && !body.metadata.resourceVersion) {
    throw new ApiError(
      422,
      'Invalid',
      `${t.kind}.${t.group} "${name}" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update`,
    );
  }
  return commit(store, t, old, body, sub);
}

export function patch(store: Store, t: ResourceType, ns: string | undefined, name: string, contentType: string, raw: unknown, sub?: 'status'): KubeObject {
  const mime = contentType
    .slice(0, (contentType + ';').indexOf(';'))
    .trim()
    .toLowerCase();
  const accepted = t.custom ? [JSON_PATCH, MERGE] : [JSON_PATCH, MERGE, STRATEGIC];
  if (!accepted.includes(mime)) {
    throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`);
  }
  const old = store.get(t, ns, name);
  if (!old) throw notFound(t, name);
  let next: KubeObject;
  try {
    // Strategic merge on a built-in is treated as a merge patch: the double knows no patch strategies.
    next = (mime === JSON_PATCH ? jsonPatch(old, raw) : mergePatch(old, raw)) as KubeObject;
  } catch (err) {
    if (err instanceof PatchError) throw new ApiError(422, 'Invalid', err.message);
    throw err;
  }
  if (!next || typeof next !== 'object' || typeof next.metadata !== 'object') throw new ApiError(422, 'Invalid', 'the patch removed metadata');
  if (next.metadata.name !== name) throw new ApiError(400, 'BadRequest', 'the name of the object does not match the name on the URL');
  // A resourceVersion inside a merge patch is a precondition; one left from the old object is not.
  if (mime === JSON_PATCH && next.metadata.resourceVersion === old.metadata.resourceVersion) delete next.metadata.resourceVersion;
  return commit(store, t, old, next, sub);
}

export function remove(store: Store, t: ResourceType, ns: string | undefined, name: string): KubeObject {
  const gone = store.delete(t, ns, name);
  if (!gone) throw notFound(t, name);
  return gone;
}
