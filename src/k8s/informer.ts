// A client-node ListWatch that never stays down: client-node relists by itself
// after a 410 and reconnects after a clean close or timeout, but any other error
// (connection refused, 5xx, a failed list) stops it for good. Here that error is
// logged and the informer restarted with capped exponential backoff; the cache
// keeps serving the last state meanwhile.
import { ListWatch, Watch, type KubernetesObject, type KubernetesListObject } from '@kubernetes/client-node';
import type { KubeApi } from './kube.ts';

export interface InformerLog {
  warn(obj: object, msg: string): void;
}

export interface InformerOptions {
  labelSelector?: string;
  fieldSelector?: string;
  log?: InformerLog;
  /** First retry delay; doubles up to maxBackoffMs. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  onChange(type: 'add' | 'update' | 'delete', obj: KubernetesObject): void;
  /** After each successful list (the cache is complete). */
  onSynced?(): void;
  onError?(err: unknown): void;
}

export class ResilientInformer {
  readonly #lw: ListWatch<KubernetesObject>;
  readonly #opts: InformerOptions;
  readonly #path: string;
  #stopped = false;
  #failures = 0;
  #retry?: NodeJS.Timeout;
  restarts = 0;

  constructor(api: KubeApi, path: string, opts: InformerOptions) {
    this.#opts = opts;
    this.#path = path;
    const query = new URLSearchParams();
    if (opts.labelSelector) query.set('labelSelector', opts.labelSelector);
    if (opts.fieldSelector) query.set('fieldSelector', opts.fieldSelector);
    const qs = query.size ? `?${query}` : '';
    // The informer puts selectors on the watch only; the list must carry them too.
    const list = async () => {
      const l = (await api.get(`${path}${qs}`)) as KubernetesListObject<KubernetesObject>;
      this.#failures = 0;
      queueMicrotask(() => this.#opts.onSynced?.());
      return l;
    };
    this.#lw = new ListWatch(path, new Watch(api.kc), list, false, opts.labelSelector, opts.fieldSelector);
    this.#lw.on('add', (o) => opts.onChange('add', o));
    this.#lw.on('update', (o) => opts.onChange('update', o));
    this.#lw.on('delete', (o) => opts.onChange('delete', o));
    this.#lw.on('error', (err) => this.#restart(err));
  }

  list(): readonly KubernetesObject[] {
    return this.#lw.list();
  }

  async start(): Promise<void> {
    try {
      await this.#lw.start();
    } catch (err) {
      this.#restart(err);
    }
  }

  #restart(err: unknown): void {
    if (this.#stopped) return;
    this.#opts.onError?.(err);
    const min = this.#opts.minBackoffMs ?? 250;
    const delay = Math.min(this.#opts.maxBackoffMs ?? 10_000, min * 2 ** this.#failures++);
    this.#opts.log?.warn({ path: this.#path, err: (err as Error)?.message ?? String(err), retryMs: delay }, 'watch failed; retrying');
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => {
      this.restarts++;
      void this.start();
    }, delay);
    this.#retry.unref();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retry);
    void this.#lw.stop();
  }
}
