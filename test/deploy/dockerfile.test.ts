// The Dockerfile: linted by dockerfile-utils (the validator behind the Dockerfile language server) and
// held to the image rules: pinned base, one non-root image, no remote ADD, no secrets in layers.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validate } from 'dockerfile-utils';
import { DOCKERFILE, ROOT, parseDockerfile, runCommands } from './dockerfile.ts';

const text = fs.readFileSync(DOCKERFILE, 'utf8');
const stages = parseDockerfile(text);
const runtime = stages.at(-1)!;
const pkg = JSON.parse(fs.readFileSync(`${ROOT}package.json`, 'utf8'));
const lock = JSON.parse(fs.readFileSync(`${ROOT}package-lock.json`, 'utf8'));

describe('Dockerfile', () => {
  it('passes the linter with no diagnostic at all', () => {
    const diags = validate(text).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
    expect(diags).toEqual([]);
  });

  it('the linter does flag a broken Dockerfile (so the check above can fail)', () => {
    const diags = validate('FROM node:24-slim\nUSER\nCMD ["a"]\nCMD ["b"]\n');
    expect(diags.map((d) => d.message).join('\n')).toMatch(/no arguments/);
  });

  it('is multi-stage on node:24 slim, pinned to the Node release the tests run on', () => {
    const nodeVersion = lock.packages['node_modules/node'].version as string;
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    for (const s of stages) expect(s.from).toBe(`node:${nodeVersion}-slim`);
    expect(text).toMatch(/^# digest: /m);
  });

  it('builds with npm ci and ships only production dependencies plus dist/', () => {
    expect(runCommands(stages[0]!).some((c) => /^npm ci\b/.test(c) && !c.includes('--omit=dev'))).toBe(true);
    expect(runCommands(runtime).filter((c) => /^npm ci\b/.test(c))).toEqual([expect.stringContaining('--omit=dev')]);
    const copies = runtime.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    expect(copies).toEqual(['package.json package-lock.json ./', '--from=build /src/dist ./dist']);
  });

  it('runs as the sidecar UID/GID 17777, never root', () => {
    const users = runtime.instructions.filter((i) => i.keyword === 'USER').map((i) => i.args);
    expect(users).toEqual(['17777:17777']);
    const last = runtime.instructions.at(-1)!;
    expect(runtime.instructions.findIndex((i) => i.keyword === 'USER')).toBeGreaterThan(
      runtime.instructions.findLastIndex((i) => i.keyword === 'RUN'),
    );
    expect(['ENTRYPOINT', 'CMD']).toContain(last.keyword);
    expect(runCommands(runtime).join('\n')).toMatch(/groupadd --system --gid 17777 keybrake/);
    expect(runCommands(runtime).join('\n')).toMatch(/useradd --system --uid 17777 --gid 17777/);
  });

  it('carries iptables and nftables for the init command, one entrypoint for every role', () => {
    const install = runCommands(runtime).find((c) => c.startsWith('apt-get install'))!;
    expect(install.split(/\s+/)).toEqual(expect.arrayContaining(['iptables', 'nftables', '--no-install-recommends']));
    expect(runCommands(runtime)).toContain('rm -rf /var/lib/apt/lists/*');
    expect(runtime.instructions.find((i) => i.keyword === 'ENTRYPOINT')!.args).toBe('["keybrake"]');
  });

  it('has OCI labels whose version is the package version', () => {
    const labels = runtime.instructions.filter((i) => i.keyword === 'LABEL').map((i) => i.args).join(' ');
    for (const k of ['title', 'description', 'version', 'licenses', 'source']) expect(labels).toContain(`org.opencontainers.image.${k}=`);
    expect(runtime.instructions.find((i) => i.keyword === 'ARG' && i.args.startsWith('VERSION='))!.args).toBe(`VERSION=${pkg.version}`);
  });

  it('adds nothing from a URL and bakes no secret into a layer', () => {
    const all = stages.flatMap((s) => s.instructions);
    expect(all.filter((i) => i.keyword === 'ADD')).toEqual([]);
    for (const i of all.filter((x) => x.keyword === 'ARG' || x.keyword === 'ENV')) {
      expect(i.args).not.toMatch(/(secret|token|password|passwd|api_?key|credential)/i);
    }
    expect(all.map((i) => i.args).join('\n')).not.toMatch(/npm_?token|_authToken|\.npmrc/i);
  });

  it('.dockerignore lets in only what the build copies', () => {
    const lines = fs.readFileSync(`${ROOT}.dockerignore`, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    expect(lines[0]).toBe('*');
    const allowed = lines.slice(1).map((l) => l.replace(/^!/, '').replace(/\/$/, ''));
    const copied = stages[0]!.instructions
      .filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(allowed.sort()).toEqual(copied.sort());
  });
});
