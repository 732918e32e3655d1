// EgressPolicy `status`, written by the controller through the status
// subresource. Policy files may carry it (`kubectl get -o yaml` output); the
// proxy ignores it.
import { Type, type Static } from '@sinclair/typebox';
import { Text } from './schema-parts.ts';

const Strict = { additionalProperties: false } as const;

/** metav1.Condition, field for field (required ones as Kubernetes requires them). */
export const ConditionSchema = Type.Object(
  {
    type: Text(316, { pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$' }),
    status: Type.Unsafe<'True' | 'False' | 'Unknown'>({ type: 'string', enum: ['True', 'False', 'Unknown'] }),
    observedGeneration: Type.Optional(Type.Integer({ minimum: 0, format: 'int64' })),
    lastTransitionTime: Type.String({ format: 'date-time', maxLength: 64 }),
    reason: Text(1024, { pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$' }),
    message: Type.String({ maxLength: 32768 }),
  },
  Strict,
);

export const PolicyStatusSchema = Type.Object(
  {
    conditions: Type.Optional(Type.Array(ConditionSchema, { maxItems: 8, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] })),
    observedGeneration: Type.Optional(Type.Integer({ minimum: 0, format: 'int64' })),
    matchedPods: Type.Optional(Type.Integer({ minimum: 0, format: 'int32' })),
    killedBy: Type.Optional(Type.String({ maxLength: 253, description: 'who set spec.killed: alertmanager, kubectl, or a user name' })),
    killedAt: Type.Optional(Type.String({ format: 'date-time', maxLength: 64 })),
    killReason: Type.Optional(Type.String({ maxLength: 1024 })),
    // What the controller writes (src/k8s/controller/status.ts): the ConfigMap generation that carries this
    // policy, and the last kill (who, when, why). Strict like the rest, so they must be listed here.
    configMapGeneration: Type.Optional(Type.Integer({ minimum: 0, format: 'int64' })),
    kill: Type.Optional(
      Type.Object(
        {
          by: Type.String({ maxLength: 253, description: 'who killed: alertmanager: ALERT, kubectl keybrake: USER' }),
          at: Type.String({ format: 'date-time', maxLength: 64 }),
          reason: Type.String({ maxLength: 1024 }),
        },
        Strict,
      ),
    ),
  },
  Strict,
);

export type Condition = Static<typeof ConditionSchema>;
export type PolicyStatus = Static<typeof PolicyStatusSchema>;
