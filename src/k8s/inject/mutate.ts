// The mutating webhook as a pure function: AdmissionReview v1 in, response out.
// Pod CREATE of annotated pods only; never the controller's own pods; a second
// pass over an injected pod is a no-op; a pod that could bypass the sidecar is refused.
import {
  ANNOTATION_INJECT,
  ANNOTATION_SIDECAR_MODE,
  ANNOTATION_STATUS,
  CA_BUNDLE_ENV,
  CONTROLLER_LABEL,
  INIT_CONTAINER,
  PROXY_CONTAINER,
  STATUS_INJECTED,
  type InjectConfig,
  type SidecarMode,
} from './config.ts';
import { allContainers, podName, type Container, type Pod } from './pod.ts';
import { refusals } from './refusals.ts';
import { ADMIN_SECRET_DIR, agentEnv, agentMount, initContainer, INJECTED_VOLUME_PREFIX, proxyContainer, volumes } from './sidecar.ts';
import { appendAll, prependAll, setKey, type PatchOp } from './patch.ts';

export interface AdmissionRequest {
  uid: string;
  kind?: { group?: string; version?: string; kind?: string };
  resource?: { group?: string; version?: string; resource?: string };
  subResource?: string;
  name?: string;
  namespace?: string;
  operation?: string;
  object?: Pod;
  dryRun?: boolean;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  patchType?: 'JSONPatch';
  patch?: string;
  status?: { code: number; reason: string; message: string };
  warnings?: string[];
}

export interface Decision {
  response: AdmissionResponse;
  /** The operations, before base64 (for logs and tests). */
  ops: PatchOp[];
  /** Why nothing was patched, or what was refused. */
  outcome: 'injected' | 'skipped' | 'refused';
  reason: string;
}

const allow = (uid: string, reason: string, warnings?: string[]): Decision => ({
  response: { uid, allowed: true, ...(warnings?.length ? { warnings } : {}) },
  ops: [],
  outcome: 'skipped',
  reason,
});

const refuse = (uid: string, message: string): Decision => ({
  response: { uid, allowed: false, status: { code: 403, reason: 'Forbidden', message } },
  ops: [],
  outcome: 'refused',
  reason: message,
});

function injectionState(pod: Pod): 'none' | 'complete' | 'partial' {
  const names = new Set(allContainers(pod).map(({ c }) => c.name));
  const marked = pod.metadata?.annotations?.[ANNOTATION_STATUS] === STATUS_INJECTED;
  const present = names.has(INIT_CONTAINER) && names.has(PROXY_CONTAINER);
  if (marked && present) return 'complete';
  if (!marked && !names.has(INIT_CONTAINER) && !names.has(PROXY_CONTAINER)) return 'none';
  return 'partial';
}

export function mutate(request: AdmissionRequest, cfg: InjectConfig): Decision {
  const uid = request.uid;
  if (request.kind?.kind !== 'Pod' || request.subResource) return allow(uid, 'not a Pod');
  // Injection at CREATE only: the apiserver refuses container changes on a running pod anyway.
  if (request.operation !== 'CREATE') return allow(uid, `operation ${request.operation}`);
  const pod = request.object ?? {};
  const annotations = pod.metadata?.annotations;
  if (annotations?.[ANNOTATION_INJECT] !== 'true') return allow(uid, `no ${ANNOTATION_INJECT}: "true" annotation`);
  const name = podName(pod, request.name);
  if (pod.metadata?.labels?.[CONTROLLER_LABEL.key] === CONTROLLER_LABEL.value) {
    return allow(uid, 'the keybrake controller itself', [`keybrake: ${name} is the keybrake controller; it is never injected`]);
  }
  const state = injectionState(pod);
  if (state === 'complete') return allow(uid, 'already injected');
  if (state === 'partial') {
    return refuse(
      uid,
      `keybrake: pod ${name} carries part of an injection (${ANNOTATION_STATUS} or a ${INIT_CONTAINER}/${PROXY_CONTAINER} container) but not all of it: remove them and let the webhook inject`,
    );
  }
  const problems = refusals(pod, cfg);
  const clash = (pod.spec?.volumes ?? []).find((v) => v.name.startsWith(INJECTED_VOLUME_PREFIX));
  if (clash) problems.push(`spec.volumes has "${clash.name}"; names starting with ${INJECTED_VOLUME_PREFIX} are keybrake's: rename it`);
  if (problems.length) return refuse(uid, `keybrake refused to inject pod ${name}: ${problems.join('; ')}`);

  const mode = (annotations[ANNOTATION_SIDECAR_MODE] as SidecarMode | undefined) ?? cfg.sidecarMode;
  // keybrake-admin is where the tokens go: a vendor Secret of that name could not be mounted beside them.
  const secrets = [...new Set(cfg.secretsFor(request.namespace ?? '', pod.metadata?.labels ?? {}))].filter((s) => s !== ADMIN_SECRET_DIR).sort();
  const { ops, warnings } = injectionPatch(pod, cfg, mode, secrets);
  return {
    response: {
      uid,
      allowed: true,
      patchType: 'JSONPatch',
      patch: Buffer.from(JSON.stringify(ops)).toString('base64'),
      ...(warnings.length ? { warnings } : {}),
    },
    ops,
    outcome: 'injected',
    reason: `injected (${mode} sidecar)`,
  };
}

/** Mount the CA bundle and point the TLS variables at it; an existing value of one is replaced (and said so). */
function agentOps(base: string, c: Container, warnings: string[]): PatchOp[] {
  const ops: PatchOp[] = appendAll(`${base}/volumeMounts`, c.volumeMounts, [agentMount]);
  const env = c.env ?? [];
  const fresh = agentEnv.filter((e) => !env.some((x) => x.name === e.name));
  env.forEach((e, j) => {
    if (!(CA_BUNDLE_ENV as readonly string[]).includes(e.name)) return;
    ops.push({ op: 'replace', path: `${base}/env/${j}`, value: agentEnv.find((a) => a.name === e.name) });
    warnings.push(`keybrake: container ${c.name}: ${e.name} now points at the keybrake CA bundle (system roots + mesh CA)`);
  });
  ops.push(...appendAll(`${base}/env`, c.env, fresh));
  return ops;
}

export function injectionPatch(pod: Pod, cfg: InjectConfig, mode: SidecarMode, secrets: string[]): { ops: PatchOp[]; warnings: string[] } {
  const spec = pod.spec ?? {};
  const warnings: string[] = [];
  const proxy = proxyContainer(cfg, secrets, mode);
  const ops: PatchOp[] = [setKey('/metadata/annotations', pod.metadata?.annotations, ANNOTATION_STATUS, STATUS_INJECTED)];

  // Agent containers first, while their indexes are still the pod's own. Native mode: the pod's own init
  // containers start after the sidecar and are agents too; in container mode they run before it, with no egress.
  spec.containers?.forEach((c, i) => ops.push(...agentOps(`/spec/containers/${i}`, c, warnings)));
  if (mode === 'native') spec.initContainers?.forEach((c, i) => ops.push(...agentOps(`/spec/initContainers/${i}`, c, warnings)));

  // The redirect goes first of all, so no init container of the pod runs before it.
  ops.push(...prependAll('/spec/initContainers', spec.initContainers, mode === 'native' ? [initContainer(cfg), proxy] : [initContainer(cfg)]));
  if (mode === 'container') {
    // First container: kubelet starts containers in order and waits for its postStart hook.
    ops.push({ op: 'add', path: '/spec/containers/0', value: proxy });
    warnings.push('keybrake: sidecar-mode container: a Job must POST /shutdown to the sidecar when done (see the README)');
  }
  ops.push(...appendAll('/spec/volumes', spec.volumes, volumes(cfg, secrets)));
  return { ops, warnings };
}
