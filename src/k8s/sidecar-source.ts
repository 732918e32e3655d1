// `keybrake proxy --policy-source configmap`: the ConfigMap feed for this pod,
// from POD_NAMESPACE, the downward-API labels file and in-cluster credentials
// (or KUBECONFIG), delivering into the shared loader like the file source.
// Loaded lazily so the file source never loads the Kubernetes client.
import type { PackLookup } from '../policy/validator.ts';
import { validatorFor } from '../policy/validator.ts';
import { PolicyLoader } from '../policy/loader.ts';
import { FeedPolicySource, type PolicySource } from '../policy/source.ts';
import type { VendorPack } from '../vendors/pack.ts';
import { ConfigMapFeed } from './configmap-feed.ts';
import { PersistedFeed, type PersistedFeedOptions } from './persisted-feed.ts';
import { KubeApi, loadKubeConfig } from './kube.ts';
import { readLabelsFile } from './labels.ts';

export interface SidecarSourceOptions {
  namespace?: string;
  labelsFile?: string;
  kubeconfig?: string;
  stateDir: string;
  packs: PackLookup;
  vendors: readonly string[];
  log: PersistedFeedOptions['log'];
}

export function configMapPolicySource(o: SidecarSourceOptions): PolicySource {
  if (!o.namespace) throw new Error('--policy-source configmap needs the pod namespace: set POD_NAMESPACE (downward API) or --namespace');
  if (!o.labelsFile) throw new Error('--policy-source configmap needs --pod-labels-file (downward API labels, e.g. /etc/keybrake/podinfo/labels)');
  const podLabels = readLabelsFile(o.labelsFile);
  const api = new KubeApi(loadKubeConfig(o.kubeconfig));
  const loader = new PolicyLoader({ validator: validatorFor(o.packs, o.vendors), podLabels, versionIsGeneration: true });
  const feed = new PersistedFeed(new ConfigMapFeed(api, o.namespace, o.log), { stateDir: o.stateDir, inForce: () => loader.current !== undefined, log: o.log });
  const packs = o.vendors.map((id) => o.packs(id)).filter((p): p is VendorPack => p !== undefined);
  return new FeedPolicySource({ feed, loader, packs });
}
