// Why an annotated pod cannot be admitted: anything that could reach the
// network around the sidecar, read its memory, or pass for its UID. Each
// message names the field to change.
import { ANNOTATION_INJECT, ANNOTATION_SIDECAR_MODE, ANNOTATION_STATUS, type InjectConfig } from './config.ts';
import { allContainers, type Pod } from './pod.ts';

/** Capabilities that let a process rewrite or step around the redirect, or read the sidecar. */
const BYPASS_CAPABILITIES = ['NET_ADMIN', 'NET_RAW', 'SYS_ADMIN', 'ALL'];

const KEYBRAKE_ANNOTATIONS = new Set([ANNOTATION_INJECT, ANNOTATION_STATUS, ANNOTATION_SIDECAR_MODE]);

/** Annotation keys other meshes use to exempt traffic from their redirect (Istio, Linkerd, Kuma …). */
const EXCLUSION_KEY = /(exclude|skip)[-_.]?(outbound|interfaces)|outbound[-_.]?(exclude|skip)/i;

const normalizeCap = (c: string) => c.toUpperCase().replace(/^CAP_/, '');

export function refusals(pod: Pod, cfg: InjectConfig): string[] {
  const out: string[] = [];
  const spec = pod.spec ?? {};
  const uid = cfg.uid;
  if (spec.hostNetwork) out.push("spec.hostNetwork: true uses the node's network, where the redirect does not apply: remove it");
  if (spec.shareProcessNamespace) {
    out.push("spec.shareProcessNamespace: true would let the agent read the sidecar's memory and files (its CA key and vendor keys): remove it");
  }
  const podSc = spec.securityContext ?? {};
  if (podSc.fsGroup === uid) out.push(`spec.securityContext.fsGroup is ${uid}, the keybrake sidecar's GID: pick another group`);
  if (podSc.supplementalGroups?.includes(uid)) out.push(`spec.securityContext.supplementalGroups contains ${uid}, the keybrake sidecar's GID: remove it`);

  for (const { where, c } of allContainers(pod)) {
    const sc = c.securityContext ?? {};
    if (sc.privileged) out.push(`${where}: securityContext.privileged: true can rewrite the redirect: remove it`);
    const added = (sc.capabilities?.add ?? []).map(normalizeCap).filter((cap) => BYPASS_CAPABILITIES.includes(cap));
    if (added.length)
      out.push(`${where}: securityContext.capabilities.add has ${added.join(', ')}, which can bypass the redirect: remove ${added.length > 1 ? 'them' : 'it'}`);
    const runAsUser = sc.runAsUser ?? podSc.runAsUser;
    const runAsGroup = sc.runAsGroup ?? podSc.runAsGroup;
    const field = (f: string) => (sc[f] !== undefined ? `securityContext.${f}` : `spec.securityContext.${f} (inherited)`);
    if (runAsUser === uid)
      out.push(`${where}: ${field('runAsUser')} is ${uid}, the keybrake sidecar's UID, whose traffic is not redirected: run as another UID`);
    if (runAsGroup === uid) out.push(`${where}: ${field('runAsGroup')} is ${uid}, the keybrake sidecar's GID: run as another group`);
  }

  for (const [key, value] of Object.entries(pod.metadata?.annotations ?? {})) {
    if (key.startsWith('keybrake.dev/') && !KEYBRAKE_ANNOTATIONS.has(key)) {
      out.push(
        `annotation ${key} is not a keybrake setting (nothing can exempt traffic from the redirect): remove it; a destination the agent needs goes in the policy's passthrough list`,
      );
    } else if (EXCLUSION_KEY.test(key)) {
      out.push(
        `annotation ${key} asks to exempt outbound traffic from redirection, which keybrake never does: remove it; a destination the agent needs goes in the policy's passthrough list`,
      );
    } else if (key === ANNOTATION_SIDECAR_MODE && value !== 'native' && value !== 'container') {
      out.push(`annotation ${ANNOTATION_SIDECAR_MODE} is "${value}": use native or container`);
    }
  }
  return out;
}
