import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { FeedPolicySource } from '../../src/policy/source.ts';
import { FilePolicyFeed } from '../../src/policy/file-feed.ts';
import { PolicyLoader } from '../../src/policy/loader.ts';
import { PolicyError } from '../../src/policy/documents.ts';
import type { CompiledPolicy } from '../../src/policy/compiled.ts';
import type { LoadVerdict, PolicyDocuments, PolicyFeed } from '../../src/policy/feed.ts';
import { basePolicy, fakeMail, fakePay, fakeValidator } from './fake-pack.ts';

let dir: string;
const sources: FeedPolicySource[] = [];

/** The file source as `keybrake proxy --policy FILE` builds it, over the fake packs. */
function fileSource(file: string): FeedPolicySource {
  const loader = new PolicyLoader({ validator: fakeValidator });
  return new FeedPolicySource({ feed: new FilePolicyFeed(file), loader, packs: [fakePay, fakeMail], requireInitial: true });
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'keybrake-policy-'));
});
afterEach(() => {
  for (const s of sources.splice(0)) s.stop();
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** The example policy as YAML, with a per-minute request cap of `perMinute`. */
function policyYaml(perMinute: number): string {
  const doc = basePolicy();
  doc.spec.vendors[0]!.caps![1]!.maxRequests = perMinute;
  return stringify(doc);
}

const requestCap = (p: CompiledPolicy) => p.byHost.get('api.fakepay.test')!.caps[1]!.limit;

/** Starts a source on a fresh file and records what it reports. */
async function started(text: string) {
  const file = path.join(dir, `policy-${sources.length}-${Date.now()}.yaml`);
  await fs.writeFile(file, text);
  const source = fileSource(file);
  sources.push(source);
  const changes: CompiledPolicy[] = [];
  const errors: Error[] = [];
  const initial = await source.start(
    (p) => changes.push(p),
    (e) => errors.push(e),
  );
  return { file, source, initial, changes, errors };
}

async function waitFor<T>(probe: () => T | undefined, ms = 1000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`nothing within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const settle = (ms = 600) => new Promise((r) => setTimeout(r, ms));

describe('the file feed through the shared loader', () => {
  it('starts with generation 1 from a good file', async () => {
    const { initial } = await started(policyYaml(30));
    expect(initial.generation).toBe(1);
    expect(requestCap(initial)).toEqual({ kind: 'requests', count: 30 });
  });

  it('refuses to start from a bad, empty or missing file', async () => {
    await expect(started(policyYaml(30).replace('1m', '1 minute'))).rejects.toThrow(/caps\[1\]\.window: must be a duration/);
    await expect(started('# nothing yet\n')).rejects.toThrow(/contains no EgressPolicy document/);
    const missing = fileSource(path.join(dir, 'absent.yaml'));
    await expect(
      missing.start(
        () => {},
        () => {},
      ),
    ).rejects.toThrow(/cannot read policy file .*absent\.yaml: ENOENT/);
  });

  // How fast an edit is in force is measured in `npm run bench`, not asserted here.
  it('puts a good edit in force with the next generation', async () => {
    const { file, changes } = await started(policyYaml(30));
    await fs.writeFile(file, policyYaml(60));
    const next = await waitFor(() => changes[0]);
    expect(next.generation).toBe(2);
    expect(requestCap(next)).toEqual({ kind: 'requests', count: 60 });
  });

  it('keeps the last good policy on an invalid edit and reports why', async () => {
    const { file, changes, errors } = await started(policyYaml(30));
    await fs.writeFile(file, policyYaml(30).replace('maxRequests: 30', 'maxRequests: lots'));
    const error = await waitFor(() => errors[0]);
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).problems).toEqual([
      { document: file, path: 'spec.vendors[0].caps[1].maxRequests', message: 'must be a whole number, found "lots"' },
    ]);
    await settle();
    expect(changes).toEqual([]);
    expect(errors).toHaveLength(1); // watch and poll both saw it; reported once

    await fs.writeFile(file, policyYaml(45));
    const next = await waitFor(() => changes[0]);
    expect(next.generation).toBe(2);
    expect(requestCap(next)).toEqual({ kind: 'requests', count: 45 });
  });

  it('follows rename-on-save, and keeps following after it', async () => {
    const { file, changes } = await started(policyYaml(30));
    const saveByRename = async (text: string) => {
      const tmp = `${file}.swp`;
      await fs.writeFile(tmp, text);
      await fs.rename(tmp, file);
    };
    await saveByRename(policyYaml(40));
    expect(requestCap(await waitFor(() => changes[0]))).toEqual({ kind: 'requests', count: 40 });
    await saveByRename(policyYaml(50));
    const second = await waitFor(() => changes[1]);
    expect(second.generation).toBe(3);
    expect(requestCap(second)).toEqual({ kind: 'requests', count: 50 });
  });

  it('ignores saves that do not change the content', async () => {
    const { file, changes, errors } = await started(policyYaml(30));
    await fs.writeFile(file, policyYaml(30));
    await settle();
    expect(changes).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('reports a file that stays missing, keeping the last good policy', async () => {
    const { file, changes, errors } = await started(policyYaml(30));
    await fs.rm(file);
    const error = await waitFor(() => errors[0], 2500);
    expect(error.message).toMatch(/is missing; keeping the last good policy$/);
    await fs.writeFile(file, policyYaml(35));
    expect(requestCap(await waitFor(() => changes[0]))).toEqual({ kind: 'requests', count: 35 });
  });

  it('reports nothing after stop()', async () => {
    const { file, source, changes, errors } = await started(policyYaml(30));
    source.stop();
    await fs.writeFile(file, policyYaml(99));
    await settle();
    expect(changes).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe('a pod no EgressPolicy selects (ConfigMap source)', () => {
  it('reports the refusal once while it lasts, not on every delivery, and again once it changes', async () => {
    let deliver!: (docs: PolicyDocuments) => LoadVerdict;
    const feed: PolicyFeed = {
      description: 'ConfigMap agents/keybrake-policies',
      start: async (d) => {
        deliver = d;
      },
      stop: () => {},
    };
    const other = basePolicy();
    other.spec.selector = { matchLabels: { app: 'someone-else' } };
    const docs = (version: string): PolicyDocuments => ({ source: feed.description, version, documents: [{ name: 'other.yaml', text: stringify(other) }] });
    const loader = new PolicyLoader({ validator: fakeValidator, podLabels: { app: 'support-agent' } });
    const source = new FeedPolicySource({ feed, loader, packs: [fakePay, fakeMail] });
    const errors: Error[] = [];
    await source.start(
      () => {},
      (e) => errors.push(e),
    );
    for (const v of ['2', '3', '4']) expect(deliver(docs(v)).ok).toBe(false);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/refused; every call is refused:\n.*no EgressPolicy selects this pod/);
    // A different problem is news: reported.
    expect(deliver({ source: feed.description, version: '5', documents: [{ name: 'bad.yaml', text: 'kind: EgressPolicy\nspec: [' }] }).ok).toBe(false);
    expect(errors).toHaveLength(2);
  });
});
