// Validates a rendered object against its Kubernetes schema: built-ins with kubernetes-models,
// cert-manager and prometheus-operator kinds with their @kubernetes-models packages. An object of a
// kind none of them knows is an error, so nothing rendered goes unchecked.
import type { K8sObject } from './render.ts';

type Model = new (o: unknown) => { validate(): void };

function modulePath(apiVersion: string): string {
  if (!apiVersion.includes('/')) return `kubernetes-models/${apiVersion}`; // core: "v1"
  const group = apiVersion.split('/')[0];
  if (group === 'cert-manager.io') return `@kubernetes-models/cert-manager/${apiVersion}`;
  if (group === 'monitoring.coreos.com') return `@kubernetes-models/prometheus-operator/${apiVersion}`;
  return `kubernetes-models/${apiVersion}`;
}

export async function validateObject(o: K8sObject): Promise<void> {
  const mod = (await import(modulePath(o.apiVersion))) as Record<string, Model>;
  const Kind = mod[o.kind];
  if (typeof Kind !== 'function') throw new Error(`no schema for ${o.apiVersion} ${o.kind}`);
  try {
    new Kind(o).validate();
  } catch (err) {
    throw new Error(`${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name}: ${(err as Error).message}`, { cause: err });
  }
}
