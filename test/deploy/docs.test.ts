// The install docs point only at things that exist: deploy/kind/e2e.sh (which cannot run here — no
// Docker, no cluster — so it is syntax-checked and its repository paths resolved) and the README's
// "Install on a cluster" section.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NAMESPACE, ROOT } from './render.ts';

const E2E = path.join(ROOT, 'deploy/kind/e2e.sh');
const script = fs.readFileSync(E2E, 'utf8');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const install = readme.slice(readme.indexOf('## Install on a cluster'), readme.indexOf('\n## ', readme.indexOf('## Install on a cluster') + 5));

describe('deploy/kind/e2e.sh', () => {
  it('is executable bash that parses (bash -n) and stops on the first error', () => {
    expect(fs.statSync(E2E).mode & 0o111).not.toBe(0);
    execFileSync('bash', ['-n', E2E]);
    expect(script).toMatch(/^#!\/usr\/bin\/env bash\n/);
    expect(script).toContain('set -euo pipefail');
  });

  it('says plainly that it was not run here', () => {
    expect(script).toMatch(/NOT run where it was written/);
  });

  it('uses files that exist and the chart\'s namespace, release and example names', () => {
    const paths = [...script.matchAll(/\$ROOT\/([\w./-]+)/g)].map((m) => m[1]!);
    expect(paths.length).toBeGreaterThan(3);
    // dist/ is what the script builds (npm run build) from src/
    const source = (p: string) => p.replace(/^dist\/(.*)\.js$/, 'src/$1.ts');
    for (const p of paths) expect(fs.existsSync(path.join(ROOT, source(p))), p).toBe(true);
    expect(script).toContain(`NS_SYSTEM=${NAMESPACE}`);
    expect(script).toMatch(/kubectl keybrake kill policy\/support-refunds/);
    // the all-zero placeholder the example policies ship with is what the script replaces
    expect(fs.readFileSync(path.join(ROOT, 'deploy/examples/support-refunds/policy.yaml'), 'utf8')).toContain('0'.repeat(64));
  });
});

describe('README: Install on a cluster', () => {
  it('walks helm install, annotate, apply a policy, watch spend, kill', () => {
    for (const step of ['helm install keybrake charts/keybrake -n keybrake-system', 'keybrake.dev/inject', 'kubectl apply -f deploy/examples/support-refunds/policy.yaml', 'kubectl keybrake status', 'kubectl keybrake kill']) {
      expect(install).toContain(step);
    }
    expect(install).toMatch(/has not been run/i);
  });

  it('names only repository paths that exist', () => {
    const paths = [...install.matchAll(/(?<![\w/])((?:charts|deploy)\/[\w./-]*[\w])/g)].map((m) => m[1]!);
    expect(paths.length).toBeGreaterThan(5);
    for (const p of paths) expect(fs.existsSync(path.join(ROOT, p)), p).toBe(true);
  });
});
