// `keybrake proxy --policy-source configmap`: the ConfigMap feed for this pod,
// from POD_NAMESPACE, the downward-API labels file and in-cluster credentials
// (or KUBECONFIG). Loaded lazily so the file source never loads the Kubernetes client.
import type { PolicySource } from '../policy/source.ts';
import type { PackLookup } from '../policy/validator.ts';
import { ConfigMapFeed } from './configmap-feed.ts';
import { FeedPolicySource, type FeedSourceOptions } from './feed-source.ts';
import { KubeApi, loadKubeConfig } from './kube.ts';
import { readLabelsFile } from './labels.ts';

export interface SidecarSourceOptions {
  namespace?: string;
  labelsFile?: string;
  kubeconfig?: string;
  stateDir: string;
  packs: PackLookup;
  vendors: readonly string[];
  log: FeedSourceOptions['log'];
}

export function configMapPolicySource(o: SidecarSourceOptions): PolicySource {
  if (!o.namespace) throw new Error('--policy-source configmap needs the pod namespace: set POD_NAMESPACE (downward API) or --namespace');
  if (!o.labelsFile) throw new Error('--policy-source configmap needs --pod-labels-file (downward API labels, e.g. /etc/keybrake/podinfo/labels)');
  const labels = readLabelsFile(o.labelsFile);
  const api = new KubeApi(loadKubeConfig(o.kubeconfig));
  return new FeedPolicySource({ feed: new ConfigMapFeed(api, o.namespace, o.log), labels, stateDir: o.stateDir, packs: o.packs, vendors: o.vendors, log: o.log });
}
