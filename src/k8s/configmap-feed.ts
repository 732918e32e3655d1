// The sidecar's policy feed: the `keybrake-policies` ConfigMap of its own
// namespace, watched through the API (a field selector on the name, so RBAC can
// be limited to that one object) instead of a kubelet volume mount, which takes
// up to a minute to follow a change. Only I/O: the loader validates and compiles.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { LoadVerdict, PolicyDocuments, PolicyFeed } from '../policy/feed.ts';
import { ResilientInformer, type InformerLog } from './informer.ts';
import { configMapPath, POLICIES_CONFIGMAP, type KubeApi } from './kube.ts';

interface ConfigMapLike extends KubernetesObject {
  data?: Record<string, string>;
}

/** The ConfigMap's policy documents (`<name>.yaml` keys, sorted) and its `generation` key as the version. */
export function documentsOf(cm: ConfigMapLike, source: string): PolicyDocuments {
  const data = cm.data ?? {};
  const documents = Object.entries(data)
    .filter(([k]) => k.endsWith('.yaml'))
    .sort(([a], [b]) => (a < b ? -1 : 1)) // keys are distinct: the order of a plain sort() of the keys
    .map(([k, text]) => ({ name: k.slice(0, -'.yaml'.length), text }));
  return { source, version: data.generation ?? cm.metadata?.resourceVersion ?? '0', documents };
}

export class ConfigMapFeed implements PolicyFeed {
  readonly description: string;
  readonly #api: KubeApi;
  readonly #namespace: string;
  readonly #name: string;
  readonly #log?: InformerLog;
  #informer?: ResilientInformer;
  #lastVersion?: string;

  constructor(api: KubeApi, namespace: string, log?: InformerLog, name = POLICIES_CONFIGMAP) {
    this.#api = api;
    this.#namespace = namespace;
    this.#name = name;
    this.#log = log;
    this.description = `ConfigMap ${namespace}/${name}`;
  }

  /** Resolves at once: an unreachable API server must not hold the sidecar's start (it enforces the persisted policy). */
  async start(deliver: (docs: PolicyDocuments) => LoadVerdict, fail: (err: Error) => void): Promise<void> {
    this.#informer = new ResilientInformer(this.#api, configMapPath(this.#namespace), {
      fieldSelector: `metadata.name=${this.#name}`,
      log: this.#log,
      onChange: (type, obj) => {
        if (type === 'delete') {
          fail(new Error(`${this.description} was deleted; keeping the last good policy`));
          return;
        }
        const docs = documentsOf(obj as ConfigMapLike, this.description);
        if (docs.version === this.#lastVersion) return; // a relist re-announcing what is loaded
        this.#lastVersion = docs.version;
        deliver(docs);
      },
      onError: (err) => fail(new Error(`watching ${this.description}: ${(err as Error)?.message ?? String(err)}; enforcing the last good policy`)),
    });
    void this.#informer.start();
  }

  stop(): void {
    this.#informer?.stop();
  }
}
