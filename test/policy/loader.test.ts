import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { PolicyLoader } from '../../src/policy/loader.ts';
import type { CompiledPolicy } from '../../src/policy/compiled.ts';
import { basePolicy, fakeValidator } from './fake-pack.ts';

const docs = (version: string, texts: Record<string, string>) => ({
  source: 'test',
  version,
  documents: Object.entries(texts).map(([name, text]) => ({ name, text })),
});
const selecting = (name: string, labels: Record<string, string> | undefined) => {
  const p = basePolicy(name);
  if (labels) p.spec.selector = { matchLabels: labels };
  p.spec.vendors[0]!.hosts = [`${name}.fakepay.test`];
  return stringify(p);
};

describe('PolicyLoader', () => {
  it('numbers good loads, keeps the last good policy on a bad one and names its problems', () => {
    const loader = new PolicyLoader({ validator: fakeValidator });
    const seen: Array<CompiledPolicy | undefined> = [];
    loader.onChange((p) => seen.push(p));
    expect(loader.deliver(docs('1', { 'a.yaml': selecting('a', undefined) }))).toEqual({ ok: true, generation: 1 });
    const first = loader.current;
    const bad = selecting('a', undefined).replace('enforcement', 'enforcment');
    expect(loader.deliver(docs('2', { 'a.yaml': bad }))).toEqual({
      ok: false,
      problems: [{ document: 'a.yaml', path: 'spec.enforcment', message: 'unknown field "enforcment"; did you mean "enforcement"?' }],
    });
    expect(loader.current).toBe(first);
    expect(loader.problems).toHaveLength(1);
    // The good version again (a bad edit reverted) is the policy in force: no new generation.
    expect(loader.deliver(docs('1', { 'a.yaml': selecting('a', undefined) }))).toEqual({ ok: true, generation: 1 });
    expect(loader.problems).toEqual([]);
    expect(loader.deliver(docs('3', { 'a.yaml': selecting('a', undefined), 'b.yaml': selecting('b', undefined) }))).toEqual({ ok: true, generation: 2 });
    expect(seen.map((p) => p?.generation)).toEqual([1, 2]);
  });

  it('refuses an empty delivery without pod labels (a half-written file), keeping the policy', () => {
    const loader = new PolicyLoader({ validator: fakeValidator });
    loader.deliver(docs('1', { 'a.yaml': selecting('a', undefined) }));
    expect(loader.deliver(docs('2', { 'a.yaml': '# editing\n' }))).toEqual({
      ok: false,
      problems: [{ document: 'test', path: '', message: 'contains no EgressPolicy document' }],
    });
    expect(loader.current?.generation).toBe(1);
  });

  it('applies only the documents whose selector matches the pod labels', () => {
    const loader = new PolicyLoader({ validator: fakeValidator, podLabels: { app: 'support', tier: 'x' } });
    const verdict = loader.deliver(
      docs('1', {
        'mine.yaml': selecting('mine', { app: 'support' }),
        'all.yaml': selecting('all', undefined),
        // Not selected, so its problem does not block this pod's policy.
        'theirs.yaml': selecting('theirs', { app: 'billing' }).replace('enforcement', 'enforcment'),
      }),
    );
    expect(verdict).toEqual({ ok: true, generation: 1 });
    expect(loader.current!.documents.map((d) => d.metadata.name)).toEqual(['mine', 'all']);
  });

  it('drops to no policy when nothing selects the pod any more, and counts on from there', () => {
    const loader = new PolicyLoader({ validator: fakeValidator, podLabels: { app: 'support' } });
    const seen: Array<number | undefined> = [];
    loader.onChange((p) => seen.push(p?.generation));
    loader.deliver(docs('1', { 'a.yaml': selecting('a', { app: 'support' }) }));
    expect(loader.deliver(docs('2', { 'a.yaml': selecting('a', { app: 'other' }) }))).toMatchObject({ ok: false });
    expect(loader.current).toBeUndefined();
    expect(loader.deliver(docs('3', { 'a.yaml': selecting('a', { app: 'support' }) }))).toEqual({ ok: true, generation: 2 });
    expect(seen).toEqual([1, undefined, 2]);
  });

  it('a listener that throws refuses the policy: the last good one stays, the error is the problem', () => {
    const loader = new PolicyLoader({ validator: fakeValidator });
    loader.deliver(docs('1', { 'a.yaml': selecting('a', undefined) }));
    const first = loader.current;
    loader.onChange(() => {
      throw new Error('refusing to mint a certificate for "b.fakepay.test"');
    });
    expect(loader.deliver(docs('2', { 'b.yaml': selecting('b', undefined) }))).toEqual({
      ok: false,
      problems: [{ document: 'test', path: '', message: 'refusing to mint a certificate for "b.fakepay.test"' }],
    });
    expect(loader.current).toBe(first);
  });

  it('numbers with the source version when told it is the generation (the ConfigMap key)', () => {
    const loader = new PolicyLoader({ validator: fakeValidator, versionIsGeneration: true });
    expect(loader.deliver(docs('7', { 'a.yaml': selecting('a', undefined) }))).toEqual({ ok: true, generation: 7 });
    // Not a decimal generation: counted on from the last one.
    expect(loader.deliver(docs('rv-12', { 'b.yaml': selecting('b', undefined) }))).toEqual({ ok: true, generation: 8 });
  });
});
