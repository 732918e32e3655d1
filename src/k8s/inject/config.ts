// The values injection is built from: the names, numbers and paths of the
// keybrake contract, and the few knobs a platform engineer sets on the controller.
export const ANNOTATION_INJECT = 'keybrake.dev/inject';
export const ANNOTATION_STATUS = 'keybrake.dev/status';
export const ANNOTATION_SIDECAR_MODE = 'keybrake.dev/sidecar-mode';
export const STATUS_INJECTED = 'injected';
export const CONTROLLER_LABEL = { key: 'app.kubernetes.io/name', value: 'keybrake-controller' } as const;

export const INIT_CONTAINER = 'keybrake-init';
export const PROXY_CONTAINER = 'keybrake-proxy';

export const SIDECAR_UID = 17777;
export const DATA_PORT = 17001;
export const ADMIN_PORT = 17020;

export const PATHS = {
  ca: '/etc/keybrake/ca',
  secrets: '/etc/keybrake/secrets',
  tokens: '/etc/keybrake/tokens',
  podinfo: '/etc/keybrake/podinfo',
  state: '/var/lib/keybrake',
  caBundleDir: '/var/run/keybrake/ca-bundle',
  caBundleFile: '/var/run/keybrake/ca-bundle/ca-bundle.crt',
  shutdownTokenFile: '/var/run/keybrake/ca-bundle/shutdown-token',
} as const;

/** Every variable a common TLS stack reads its trust store from (OpenSSL, Node, Python requests, curl). */
export const CA_BUNDLE_ENV = ['SSL_CERT_FILE', 'NODE_EXTRA_CA_CERTS', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'] as const;

export type SidecarMode = 'native' | 'container';

export interface Resources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

export interface InjectConfig {
  image: string;
  imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  /** native (restartable init container, Kubernetes 1.29+) unless a pod's annotation says otherwise. */
  sidecarMode: SidecarMode;
  uid: number;
  dataPort: number;
  adminPort: number;
  /** Cluster resolver addresses for init-redirect; empty: the pod's resolv.conf decides. */
  dns: string[];
  /** The mesh CA, a kubernetes.io/tls Secret in the pod's namespace (tls.crt, tls.key). */
  caSecret: string;
  tokensSecret: string;
  /** The vendor Secrets the policies that select this pod reference (the controller knows them). */
  secretsFor(namespace: string, labels: Record<string, string>): string[];
  proxyResources: Resources;
  initResources: Resources;
}

export const DEFAULT_INJECT_CONFIG: Omit<InjectConfig, 'image'> = {
  imagePullPolicy: 'IfNotPresent',
  sidecarMode: 'native',
  uid: SIDECAR_UID,
  dataPort: DATA_PORT,
  adminPort: ADMIN_PORT,
  dns: [],
  caSecret: 'keybrake-ca',
  tokensSecret: 'keybrake-tokens',
  secretsFor: () => [],
  proxyResources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { cpu: '1', memory: '384Mi' } },
  initResources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
};

export function injectConfig(overrides: Partial<InjectConfig> & { image: string }): InjectConfig {
  return { ...DEFAULT_INJECT_CONFIG, ...overrides };
}
