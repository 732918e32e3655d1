// The MutatingWebhookConfiguration for the injector, built here so the chart
// and the kustomize base render the same object the tests check.
import { ANNOTATION_INJECT, CONTROLLER_LABEL } from './config.ts';

export const WEBHOOK_PORT = 17443;
export const WEBHOOK_NAME = 'inject.keybrake.dev';

export interface WebhookConfigOptions {
  /** Namespace and Service of the controller that serves /mutate. */
  namespace: string;
  service?: string;
  /** Base64 PEM of the CA that signed the webhook's serving certificate (cert-manager can inject it instead). */
  caBundle?: string;
  timeoutSeconds?: number;
}

/**
 * Fails closed (failurePolicy: Fail) but only for pods that asked for injection
 * (matchConditions), so a controller outage blocks annotated pods, not the cluster;
 * never matches the controller's own pods (objectSelector) or kube-system.
 */
export const INJECT_MATCH_CONDITION = `has(object.metadata.annotations) && '${ANNOTATION_INJECT}' in object.metadata.annotations && object.metadata.annotations['${ANNOTATION_INJECT}'] == 'true'`;

export function buildMutatingWebhookConfiguration(o: WebhookConfigOptions): Record<string, unknown> {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: 'keybrake-sidecar-injector', labels: { 'app.kubernetes.io/part-of': 'keybrake', 'app.kubernetes.io/component': 'webhook' } },
    webhooks: [
      {
        name: WEBHOOK_NAME,
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        failurePolicy: 'Fail',
        // Idempotent (the status annotation), so a re-run after another webhook's change is safe.
        reinvocationPolicy: 'IfNeeded',
        matchPolicy: 'Equivalent',
        timeoutSeconds: o.timeoutSeconds ?? 10,
        clientConfig: {
          service: { namespace: o.namespace, name: o.service ?? 'keybrake-controller', path: '/mutate', port: WEBHOOK_PORT },
          ...(o.caBundle ? { caBundle: o.caBundle } : {}),
        },
        rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }],
        namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system'] }] },
        objectSelector: { matchExpressions: [{ key: CONTROLLER_LABEL.key, operator: 'NotIn', values: [CONTROLLER_LABEL.value] }] },
        matchConditions: [{ name: 'keybrake-inject-annotation', expression: INJECT_MATCH_CONDITION }],
      },
    ],
  };
}
