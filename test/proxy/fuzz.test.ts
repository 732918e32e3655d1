// Hostile input never throws out of the parsers an agent can reach: the
// ClientHello sniffer, the form codec and every vendor pack's body parser.
// Seeded, so a failure reproduces.
import { describe, expect, it } from 'vitest';
import { parseClientHello } from '../../src/proxy/sni.ts';
import { parseForm } from '../../src/vendors/form.ts';
import { listPacks } from '../../src/vendors/registry.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const FORM_ALPHABET = 'a[]0]1%5B%5D=&+%20%zz%%FF.__proto__constructor\u00e9\u0000';

function randomForm(r: () => number): string {
  let out = '';
  const n = Math.floor(r() * 80);
  for (let i = 0; i < n; i++) {
    const pick = Math.floor(r() * FORM_ALPHABET.length);
    out += r() < 0.2 ? FORM_ALPHABET.slice(pick, pick + 4) : FORM_ALPHABET[pick];
  }
  return out;
}

describe('fuzz', () => {
  it('parseClientHello returns a verdict for 20,000 random and mutated inputs', () => {
    const r = rng(7);
    // A plausible TLS record header with random bytes behind it reaches deep into the parser.
    for (let i = 0; i < 20_000; i++) {
      const len = Math.floor(r() * 600);
      const buf = Buffer.alloc(len);
      for (let j = 0; j < len; j++) buf[j] = Math.floor(r() * 256);
      if (len > 6 && r() < 0.7) {
        buf[0] = 0x16;
        buf[1] = 3;
        buf[5] = 1;
      }
      const v = parseClientHello(buf);
      expect(['need-more', 'not-tls', 'hello']).toContain(v.kind);
    }
  });

  it('parseForm accepts or refuses 20,000 random bodies, never throws, never pollutes prototypes', () => {
    const r = rng(11);
    for (let i = 0; i < 20_000; i++) {
      const text = randomForm(r);
      const result = parseForm(text, { repeatable: (k) => k === 'a' });
      expect(typeof result.ok).toBe('boolean');
    }
    expect(({} as Record<string, unknown>).a).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, '0')).toBe(false);
  });

  it('every vendor pack refuses or parses random bodies on each of its operations without throwing', () => {
    const r = rng(13);
    for (const pack of listPacks()) {
      for (const def of pack.operations) {
        const path = def.path.replace(/\{[^}]+\}/g, (m) => (m.toLowerCase().includes('sid') ? 'AC00000000000000000000000000000000' : 'x_1'));
        const op = pack.identify(def.method, path);
        for (let i = 0; i < 30; i++) {
          const json = r() < 0.5;
          const body = Buffer.from(json ? `{"to":[${'"a@b.c",'.repeat(Math.floor(r() * 3))}1],"x":${randomForm(r).length}}` : randomForm(r));
          const res = pack.parse(
            {
              method: def.method,
              path,
              query: r() < 0.2 ? randomForm(r) : '',
              headers: { 'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded' },
              body,
            },
            op,
          );
          expect(typeof res.ok).toBe('boolean');
          if (res.ok) expect(() => pack.estimateCost(op, res.body, {}, { method: def.method, path, query: '', headers: {}, body })).not.toThrow();
        }
      }
    }
  });
});
