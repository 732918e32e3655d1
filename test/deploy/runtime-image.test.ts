// No Docker engine runs here, so this builds the image's runtime file set the way the Dockerfile's
// runtime stage does (its own `npm ci --omit=dev …` line, read from the Dockerfile, plus a fresh dist/)
// and runs the entrypoint from it as UID/GID 17777. A command that needs a dev dependency fails here.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, parseDockerfile, runCommands } from './dockerfile.ts';
import { startCluster, type Cluster } from '../helpers/k8s-cluster.ts';
import { eventually } from '../helpers/proxy-harness.ts';

const UID = 17777;
let tmp: string;
let app: string;
let bin: string;
let work: string;

/** Runs the image's entrypoint (`keybrake`, a symlink to dist/cli.js as in the Dockerfile) as 17777:17777. */
function asSidecarUser(args: string[]) {
  return {
    cmd: 'setpriv',
    args: ['--reuid', String(UID), '--regid', String(UID), '--clear-groups', '--', path.join(bin, 'keybrake'), ...args],
    env: { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: '/nonexistent', NODE_ENV: 'production' },
  };
}

function run(args: string[]): { code: number; stdout: string; stderr: string } {
  const c = asSidecarUser(args);
  try {
    const stdout = execFileSync(c.cmd, c.args, { env: c.env, cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: 0, stdout, stderr: '' };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    return { code: e.status, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'keybrake-image-'));
  fs.chmodSync(tmp, 0o755);
  app = path.join(tmp, 'app');
  bin = path.join(tmp, 'bin');
  work = path.join(tmp, 'work');
  fs.mkdirSync(app);
  fs.mkdirSync(bin);
  fs.mkdirSync(work);
  fs.chownSync(work, UID, UID);
  const runtime = parseDockerfile().at(-1)!;
  // COPY package.json package-lock.json ./
  for (const f of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(ROOT, f), path.join(app, f));
  // RUN npm ci --omit=dev … (exactly the Dockerfile's flags; --prefer-offline only spares the registry)
  const npmCi = runCommands(runtime).find((c) => c.startsWith('npm ci '))!;
  execFileSync('npm', [...npmCi.split(/\s+/).slice(1), '--prefer-offline'], { cwd: app, stdio: 'pipe' });
  // COPY --from=build /src/dist ./dist: a fresh compile of src/, not the worktree's dist/
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules/@typescript/native/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', path.join(app, 'dist')], { stdio: 'pipe' });
  // RUN chmod 0755 dist/cli.js && ln -s /app/dist/cli.js /usr/local/bin/keybrake
  fs.chmodSync(path.join(app, 'dist/cli.js'), 0o755);
  fs.symlinkSync(path.join(app, 'dist/cli.js'), path.join(bin, 'keybrake'));
}, 240_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the runtime image file set, run as 17777:17777', () => {
  it('holds no dev dependency', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const has = (name: string) => fs.existsSync(path.join(app, 'node_modules', name, 'package.json'));
    // Type packages carry no runtime code; @kubernetes/client-node lists @types/node among its own dependencies.
    expect(Object.keys(pkg.devDependencies).filter((d) => !d.startsWith('@types/')).filter(has)).toEqual([]);
    expect(Object.keys(pkg.dependencies).filter((d) => !has(d))).toEqual([]);
  });

  it('keybrake --help', () => {
    const r = run(['--help']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^keybrake — egress enforcer/);
    expect(r.stdout).toMatch(/^\s+proxy\s/m);
  });

  it('keybrake controller --help and keybrake init-redirect --help', () => {
    const controller = run(['controller', '--help']);
    expect(controller.code).toBe(0);
    expect(controller.stdout).toMatch(/^usage: keybrake controller/);
    const init = run(['init-redirect', '--help']);
    expect(init.code).toBe(0);
    expect(init.stdout).toMatch(/^usage: keybrake init-redirect/);
  });

  it('keybrake controller reaches an API server (client-node and its dependencies are production dependencies)', async () => {
    const cluster: Cluster = await startCluster(['agents']);
    try {
      const kubeconfig = cluster.kubeconfig('runtime-image');
      fs.chmodSync(kubeconfig, 0o644);
      fs.chmodSync(path.dirname(kubeconfig), 0o755);
      const c = asSidecarUser(['controller', '--listen', '127.0.0.1:0', '--identity', 'image', '--lease-namespace', 'keybrake-system']);
      const child = spawn(c.cmd, c.args, { env: { ...c.env, KUBECONFIG: kubeconfig }, cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      try {
        const port = await new Promise<number>((resolve, reject) => {
          readline.createInterface({ input: child.stdout }).on('line', (line) => {
            if (line.startsWith('{') && JSON.parse(line).msg === 'keybrake controller started') resolve(JSON.parse(line).listen.port);
          });
          child.once('exit', (code) => reject(new Error(`controller exited ${code}: ${stderr}`)));
        });
        // Ready means it listed EgressPolicies through the API (the lease and informers run on client-node).
        await eventually(async () => expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200), 30_000);
        expect(cluster.double.requests.some((r) => r.path.startsWith('/apis/keybrake.dev/v1alpha1/egresspolicies'))).toBe(true);
      } finally {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    } finally {
      await cluster.close();
    }
  });

  it('really runs as 17777, which cannot write the app directory', () => {
    const r = run(['ca', 'new', '--out-dir', path.join(app, 'ca')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/EACCES/);
  });

  it('keybrake proxy serves /readyz 200 from a policy file', async () => {
    expect(run(['ca', 'new', '--out-dir', path.join(work, 'ca')]).code).toBe(0);
    const policy = fs.readFileSync(path.join(ROOT, 'examples/policy.yaml'), 'utf8').replace('AGENT_KEY_SHA256', 'a'.repeat(64));
    fs.writeFileSync(path.join(work, 'policy.yaml'), policy);
    fs.mkdirSync(path.join(work, 'secrets/stripe-live'), { recursive: true });
    fs.writeFileSync(path.join(work, 'secrets/stripe-live/apiKey'), 'sk_test_runtime_image');
    const c = asSidecarUser([
      'proxy', '--policy', path.join(work, 'policy.yaml'),
      '--ca-cert', path.join(work, 'ca/ca.crt'), '--ca-key', path.join(work, 'ca/ca.key'),
      '--secrets-dir', path.join(work, 'secrets'), '--state-dir', path.join(work, 'state'),
      '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0',
    ]);
    const child = spawn(c.cmd, c.args, { env: c.env, cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    try {
      const admin = await new Promise<number>((resolve, reject) => {
        readline.createInterface({ input: child.stdout }).on('line', (line) => {
          if (!line.startsWith('{')) return;
          const o = JSON.parse(line);
          if (o.msg === 'keybrake proxy ready') resolve(o.admin.port);
        });
        child.once('exit', (code) => reject(new Error(`proxy exited ${code}: ${stderr}`)));
      });
      const res = await fetch(`http://127.0.0.1:${admin}/readyz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ ready: true });
      expect(fs.statSync(path.join(work, 'state')).uid).toBe(UID);
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });
});
