// Every fact in the scope data points at something real: operation ids the
// Stripe pack knows (or METHOD /path patterns for endpoints it does not), slugs
// in the permission catalog, and use cases whose key covers every operation
// their policy allows.
import { describe, expect, it } from 'vitest';
import { isAllowPattern, parseAllowPattern } from '../../src/policy/allow-pattern.ts';
import { stripePack } from '../../src/vendors/stripe/index.ts';
import { ENDPOINTS, endpoint } from '../../src/scope/endpoints.ts';
import { GRANULARITY } from '../../src/scope/granularity.ts';
import { holds, raise } from '../../src/scope/grant.ts';
import { PAIRS } from '../../src/scope/pairs.ts';
import { INVALID_SLUGS, PERMISSIONS, SLUGS, type Level } from '../../src/scope/permissions.ts';
import { DATA, ESCALATION, MONEY } from '../../src/scope/risk.ts';
import { USE_CASES, operationsOf } from '../../src/scope/use-cases.ts';

const known = new Set(stripePack.operations.map((op) => op.id));
const rowIds = new Set(PERMISSIONS.map((p) => p.id));

describe('scope data cross-checks', () => {
  it('every allow entry is a Stripe pack operation id, or a pattern for an endpoint the pack does not know', () => {
    const entries = new Set([...ENDPOINTS.map((e) => e.allow), ...USE_CASES.flatMap(operationsOf)]);
    for (const entry of entries) {
      if (!isAllowPattern(entry)) {
        expect(known, `${entry} is not in src/vendors/stripe/catalog.ts`).toContain(entry);
        continue;
      }
      const pattern = parseAllowPattern(entry);
      // A concrete path for the pattern: if the pack knows it, the data must use the pack's id instead.
      const path = `/${pattern.segments.map((s) => (s === '*' ? 'obj_1' : s)).join('/')}`;
      expect(stripePack.identify(pattern.method, path).id, `${entry} is known to the pack; use its operation id`).toBe('');
    }
    expect(entries.size).toBeGreaterThan(60);
  });

  it('every slug the data names is in the permission catalog, and no invalid slug is', () => {
    const named = [...ENDPOINTS.map((e) => e.needs), ...PERMISSIONS.flatMap((p) => p.implies ?? [])];
    for (const slug of named) expect(SLUGS.has(slug), slug).toBe(true);
    for (const slug of Object.keys(INVALID_SLUGS)) expect(SLUGS.has(slug), slug).toBe(false);
    expect(SLUGS.size).toBeGreaterThan(150);
  });

  it('every row the use cases, risks, pairs and warnings name exists at that level', () => {
    const at = (row: string, level: Level) => {
      expect(rowIds, row).toContain(row);
      expect(PERMISSIONS.find((p) => p.id === row)![level], `${row} has no ${level} slug`).toBeDefined();
    };
    for (const u of USE_CASES) for (const p of u.permissions) at(p.row, p.level);
    for (const id of Object.keys(MONEY)) at(id, 'write');
    for (const id of Object.keys(ESCALATION)) at(id, 'write');
    for (const id of Object.keys(DATA)) expect(rowIds, id).toContain(id);
    for (const g of GRANULARITY) at(g.row, g.level);
    for (const pair of PAIRS) for (const rows of pair.needs) for (const r of rows) at(r, 'write');
  });

  it("each use case's key covers every operation its policy allows, and nothing it does not need", () => {
    for (const u of USE_CASES) {
      const grant = new Map<string, Level>();
      for (const p of u.permissions) raise(grant, p.row, p.level);
      const needed = new Set<string>();
      for (const op of operationsOf(u)) {
        const slug = endpoint(op).needs;
        const { row, level } = SLUGS.get(slug)!;
        expect(holds(grant, row.id, level), `${u.id}: ${op} needs ${slug}`).toBe(true);
        needed.add(row.id);
      }
      // Rows granted but used by no allowed operation must be explained by a note (files, optional links).
      const notes = u.notes
        .map((n) => n.text)
        .join(' ')
        .toLowerCase();
      for (const p of u.permissions.filter((x) => !needed.has(x.row))) {
        const label = PERMISSIONS.find((x) => x.id === p.row)!.label.toLowerCase();
        expect(notes, `${u.id}: no allowed operation needs ${label}; a note must say why it is there`).toContain(label.split(' ')[0]);
      }
    }
  });

  it('fourteen use cases with unique ids; every fact carries an evidence grade', () => {
    expect(USE_CASES).toHaveLength(14);
    expect(new Set(USE_CASES.map((u) => u.id)).size).toBe(14);
    for (const p of PERMISSIONS) for (const level of ['read', 'write'] as const) if (p[level]) expect(p[level]!.length, p.id).toBeGreaterThan(0);
    for (const e of ENDPOINTS) expect(e.evidence.length, e.allow).toBeGreaterThan(0);
    for (const u of USE_CASES) for (const n of u.notes) expect(n.evidence.length, n.text).toBeGreaterThan(0);
  });
});
