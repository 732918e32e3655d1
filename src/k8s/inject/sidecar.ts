// What injection adds to a pod: the redirect init container, the keybrake
// sidecar, their volumes, and the CA-bundle mount and variables for agents.
import crypto from 'node:crypto';
import { CA_BUNDLE_ENV, INIT_CONTAINER, PATHS, PROXY_CONTAINER, type InjectConfig, type SidecarMode } from './config.ts';
import type { Container } from './pod.ts';

/** The --secrets-dir entry the proxy reads its admin and Alertmanager tokens from. */
export const ADMIN_SECRET_DIR = 'keybrake-admin';

const VOL = {
  ca: 'keybrake-ca',
  tokens: 'keybrake-tokens',
  adminTokens: 'keybrake-admin-tokens',
  podinfo: 'keybrake-podinfo',
  state: 'keybrake-state',
  caBundle: 'keybrake-ca-bundle',
} as const;

/** Secret files readable by the sidecar's non-root UID; only the sidecar mounts these volumes. */
const SECRET_MODE = 0o444;

/** A volume name (a DNS label, at most 63 characters) for a vendor Secret. */
export function secretVolumeName(secret: string): string {
  const plain = `keybrake-secret-${secret}`;
  if (plain.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(plain)) return plain;
  return `keybrake-secret-${crypto.createHash('sha256').update(secret).digest('hex').slice(0, 16)}`;
}

export function volumes(cfg: InjectConfig, secrets: string[]): Array<Record<string, unknown> & { name: string }> {
  return [
    // A kubernetes.io/tls Secret (cert-manager's, or one you bring): the mesh CA is its certificate and key,
    // ca.crt its issuer, which agents need in their bundle when the mesh CA is an intermediate.
    {
      name: VOL.ca,
      secret: {
        secretName: cfg.caSecret,
        defaultMode: SECRET_MODE,
        items: [
          { key: 'tls.crt', path: 'ca.crt' },
          { key: 'tls.key', path: 'ca.key' },
          { key: 'ca.crt', path: 'issuer.crt' },
        ],
      },
    },
    { name: VOL.tokens, secret: { secretName: cfg.tokensSecret, defaultMode: SECRET_MODE, optional: true } },
    // The same tokens where the proxy reads them today: --secrets-dir/keybrake-admin/{token,alertmanager-token}.
    {
      name: VOL.adminTokens,
      secret: {
        secretName: cfg.tokensSecret,
        defaultMode: SECRET_MODE,
        optional: true,
        items: [
          { key: 'admin-token', path: 'token' },
          { key: 'alertmanager-token', path: 'alertmanager-token' },
        ],
      },
    },
    // A vendor Secret created after the pod leaves the sidecar without that key: calls are refused, the pod still starts.
    ...secrets.map((s) => ({ name: secretVolumeName(s), secret: { secretName: s, defaultMode: SECRET_MODE, optional: true } })),
    { name: VOL.podinfo, downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
    { name: VOL.state, emptyDir: {} },
    { name: VOL.caBundle, emptyDir: { sizeLimit: '4Mi' } },
  ];
}

export function initContainer(cfg: InjectConfig): Container {
  return {
    name: INIT_CONTAINER,
    image: cfg.image,
    imagePullPolicy: cfg.imagePullPolicy,
    command: ['keybrake'],
    args: ['init-redirect', '--uid', String(cfg.uid), '--port', String(cfg.dataPort), ...cfg.dns.flatMap((d) => ['--dns', d])],
    resources: cfg.initResources,
    // Root with exactly the two network capabilities nft and iptables need; nothing else.
    securityContext: {
      runAsUser: 0,
      runAsGroup: 0,
      runAsNonRoot: false,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
    },
  };
}

const readyz = (cfg: InjectConfig) => ({ httpGet: { path: '/readyz', port: cfg.adminPort } });

/**
 * For the ordinary-container fallback: kubelet starts containers in order and
 * waits for a postStart hook, so a hook that returns only once /readyz answers
 * holds the agent containers back until the sidecar is ready.
 */
function waitReadyHook(cfg: InjectConfig): Record<string, unknown> {
  const script =
    `const u='http://127.0.0.1:${cfg.adminPort}/readyz';` +
    `const t=setTimeout(()=>process.exit(1),120000);` +
    `(async()=>{for(;;){try{if((await fetch(u)).ok){clearTimeout(t);return}}catch{}await new Promise(r=>setTimeout(r,250))}})()`;
  return { postStart: { exec: { command: ['node', '-e', script] } } };
}

export function proxyContainer(cfg: InjectConfig, secrets: string[], mode: SidecarMode): Container {
  const args = [
    'proxy',
    '--policy-source',
    'configmap',
    '--pod-labels-file',
    `${PATHS.podinfo}/labels`,
    '--ca-cert',
    `${PATHS.ca}/ca.crt`,
    '--ca-key',
    `${PATHS.ca}/ca.key`,
    '--secrets-dir',
    PATHS.secrets,
    '--state-dir',
    PATHS.state,
    // Loopback: the redirect delivers there; nothing outside the pod reaches the data plane.
    '--listen',
    `127.0.0.1:${cfg.dataPort}`,
    // All interfaces: the kubelet probes from the node and pods/proxy kills arrive from the API server; revive needs the admin token.
    '--admin-listen',
    `0.0.0.0:${cfg.adminPort}`,
    '--ca-bundle-out',
    PATHS.caBundleFile,
    '--ca-bundle-extra',
    `${PATHS.ca}/issuer.crt`,
    ...(mode === 'container' ? ['--shutdown-token-out', PATHS.shutdownTokenFile] : []),
  ];
  return {
    name: PROXY_CONTAINER,
    image: cfg.image,
    imagePullPolicy: cfg.imagePullPolicy,
    command: ['keybrake'],
    args,
    ...(mode === 'native' ? { restartPolicy: 'Always' } : {}),
    env: [
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ],
    ports: [{ name: 'keybrake-admin', containerPort: cfg.adminPort, protocol: 'TCP' }],
    // The startup probe is what holds a native sidecar's pod back: the agent starts only once it passes.
    startupProbe: { ...readyz(cfg), periodSeconds: 1, failureThreshold: 120 },
    readinessProbe: { ...readyz(cfg), periodSeconds: 5 },
    livenessProbe: { httpGet: { path: '/healthz', port: cfg.adminPort }, periodSeconds: 10, failureThreshold: 3 },
    ...(mode === 'container' ? { lifecycle: waitReadyHook(cfg) } : {}),
    resources: cfg.proxyResources,
    securityContext: {
      runAsUser: cfg.uid,
      runAsGroup: cfg.uid,
      runAsNonRoot: true,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    volumeMounts: [
      { name: VOL.ca, mountPath: PATHS.ca, readOnly: true },
      { name: VOL.tokens, mountPath: PATHS.tokens, readOnly: true },
      { name: VOL.adminTokens, mountPath: `${PATHS.secrets}/${ADMIN_SECRET_DIR}`, readOnly: true },
      ...secrets.map((s) => ({ name: secretVolumeName(s), mountPath: `${PATHS.secrets}/${s}`, readOnly: true })),
      { name: VOL.podinfo, mountPath: PATHS.podinfo, readOnly: true },
      { name: VOL.state, mountPath: PATHS.state },
      { name: VOL.caBundle, mountPath: PATHS.caBundleDir },
    ],
  };
}

/** What every agent container gets: the CA bundle, read-only, and the variables that point at it. */
export const agentMount = { name: VOL.caBundle, mountPath: PATHS.caBundleDir, readOnly: true };
export const agentEnv = CA_BUNDLE_ENV.map((name) => ({ name, value: PATHS.caBundleFile }));
export const INJECTED_VOLUME_PREFIX = 'keybrake-';
