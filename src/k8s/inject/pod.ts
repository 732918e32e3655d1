// The few Pod fields injection reads, as plain JSON (the webhook never
// round-trips a Pod through typed models: unknown fields would be lost).
export interface SecurityContext {
  privileged?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  capabilities?: { add?: string[]; drop?: string[] };
  [k: string]: unknown;
}

export interface Container {
  name: string;
  env?: Array<{ name: string; value?: string; [k: string]: unknown }>;
  volumeMounts?: Array<{ name: string; mountPath: string; [k: string]: unknown }>;
  securityContext?: SecurityContext;
  [k: string]: unknown;
}

export interface Pod {
  metadata?: { name?: string; generateName?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown };
  spec?: {
    containers?: Container[];
    initContainers?: Container[];
    ephemeralContainers?: Container[];
    volumes?: Array<{ name: string; [k: string]: unknown }>;
    hostNetwork?: boolean;
    shareProcessNamespace?: boolean;
    securityContext?: { runAsUser?: number; runAsGroup?: number; fsGroup?: number; supplementalGroups?: number[]; [k: string]: unknown };
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

/** Every container of the pod with where it sits, for messages ("spec.initContainers[1] (setup)"). */
export function allContainers(pod: Pod): Array<{ where: string; c: Container }> {
  const spec = pod.spec ?? {};
  return (['initContainers', 'containers', 'ephemeralContainers'] as const).flatMap((list) =>
    (spec[list] ?? []).map((c, i) => ({ where: `spec.${list}[${i}] (${c.name})`, c })),
  );
}

export function podName(pod: Pod, requestName?: string): string {
  return requestName || pod.metadata?.name || `${pod.metadata?.generateName ?? ''}*`;
}
