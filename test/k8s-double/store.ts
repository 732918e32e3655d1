// The double's etcd: objects keyed by kind/namespace/name, one global monotonic
// resourceVersion shared by all kinds, an event log with a compaction floor
// (a watch from below it gets 410 Expired), and live watchers.
import { randomUUID } from 'node:crypto';
import { apiVersionOf, typeKey, type KubeObject, type ResourceType } from './resources.ts';
import type { Matcher } from './selectors.ts';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

interface StoredEvent {
  rv: number;
  type: EventType;
  kind: string; // typeKey
  namespace?: string;
  old?: KubeObject;
  obj: KubeObject;
}

export interface Watcher {
  kind: string;
  namespace?: string;
  match: Matcher;
  send(type: string, obj: unknown): void;
  close(): void;
}

export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details?: Record<string, unknown>;
  constructor(code: number, reason: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }
}

export function status(code: number, reason: string, message: string, details?: Record<string, unknown>): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

export class Store {
  #rv = 1;
  #floor = 0; // events at or below this RV are compacted away
  readonly #objects = new Map<string, KubeObject>();
  readonly #log: StoredEvent[] = [];
  readonly watchers = new Set<Watcher>();

  get resourceVersion(): string {
    return String(this.#rv);
  }

  #key(t: ResourceType, ns: string | undefined, name: string): string {
    return `${typeKey(t.group, t.version, t.plural)}|${t.namespaced ? ns : ''}|${name}`;
  }

  get(t: ResourceType, ns: string | undefined, name: string): KubeObject | undefined {
    const o = this.#objects.get(this.#key(t, ns, name));
    return o && structuredClone(o);
  }

  list(t: ResourceType, ns: string | undefined, match: Matcher): KubeObject[] {
    const prefix = `${typeKey(t.group, t.version, t.plural)}|${t.namespaced && ns ? ns : ''}`;
    const out: KubeObject[] = [];
    for (const [k, o] of this.#objects) {
      if (!k.startsWith(t.namespaced && ns ? `${prefix}|` : `${prefix}`)) continue;
      if (match(o)) out.push(structuredClone(o));
    }
    return out.sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
  }

  /** Stores `obj` as the new state (create when absent). Returns it with its new RV. */
  put(t: ResourceType, obj: KubeObject, type: EventType): KubeObject {
    const key = this.#key(t, obj.metadata.namespace, obj.metadata.name!);
    const old = this.#objects.get(key);
    const next = structuredClone(obj);
    next.apiVersion = apiVersionOf(t);
    next.kind = t.kind;
    next.metadata.resourceVersion = String(++this.#rv);
    if (!old) {
      next.metadata.uid ??= randomUUID();
      next.metadata.creationTimestamp ??= new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    }
    this.#objects.set(key, next);
    this.#emit({ rv: this.#rv, type, kind: typeKey(t.group, t.version, t.plural), namespace: obj.metadata.namespace, old, obj: next });
    return structuredClone(next);
  }

  delete(t: ResourceType, ns: string | undefined, name: string): KubeObject | undefined {
    const key = this.#key(t, ns, name);
    const old = this.#objects.get(key);
    if (!old) return undefined;
    this.#objects.delete(key);
    const gone = structuredClone(old);
    gone.metadata.resourceVersion = String(++this.#rv);
    this.#emit({ rv: this.#rv, type: 'DELETED', kind: typeKey(t.group, t.version, t.plural), namespace: ns, old, obj: gone });
    return structuredClone(gone);
  }

  #emit(e: StoredEvent): void {
    this.#log.push(e);
    for (const w of this.watchers) deliver(w, e);
  }

  /** Forget history: a watch from an older RV gets 410 Expired. */
  compact(): void {
    this.#floor = this.#rv;
    this.#log.length = 0;
  }

  /**
   * Registers a watcher. `rv` undefined or "0": synthetic ADDED for the current state first;
   * otherwise replays what happened after `rv`, or throws 410 when that history is compacted.
   */
  watch(t: ResourceType, w: Watcher, rv: string | undefined): void {
    if (!rv || rv === '0') {
      for (const o of this.list(t, w.namespace, w.match)) w.send('ADDED', o);
    } else {
      const from = Number(rv);
      if (!Number.isInteger(from) || from < 0) throw new ApiError(400, 'BadRequest', `invalid resource version: ${rv}`);
      if (from < this.#floor) {
        throw new ApiError(410, 'Expired', `too old resource version: ${from} (${this.#floor})`);
      }
      for (const e of this.#log) if (e.rv > from && e.kind === w.kind) deliver(w, e);
    }
    this.watchers.add(w);
  }
}

/** Selector transitions: an object that starts matching is ADDED, one that stops matching is DELETED. */
function deliver(w: Watcher, e: StoredEvent): void {
  if (e.kind !== w.kind) return;
  if (w.namespace && e.namespace !== w.namespace) return;
  const now = e.type !== 'DELETED' && w.match(e.obj);
  const before = !!e.old && w.match(e.old);
  if (e.type === 'DELETED') {
    if (before) w.send('DELETED', e.obj);
  } else if (now && !before) w.send('ADDED', e.obj);
  else if (now && before) w.send(e.type === 'ADDED' ? 'ADDED' : 'MODIFIED', e.obj);
  else if (!now && before) w.send('DELETED', e.obj);
}
