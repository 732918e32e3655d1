// A grant: what a Restricted Key allows, one level per permission row.
// Write implies Read; a few rows imply other rows' Read (Stripe's reference).
import { INVALID_SLUGS, PERMISSIONS, SLUGS, permissionRow, slugOf, type Level } from './permissions.ts';

export type Grant = ReadonlyMap<string, Level>;

export function raise(grant: Map<string, Level>, rowId: string, level: Level): void {
  if (grant.get(rowId) !== 'write') grant.set(rowId, level);
}

/** `rak_a,rak_b` → a grant, or every slug that is not a real one with what to use instead. */
export function grantFromSlugs(slugs: readonly string[]): { ok: true; grant: Map<string, Level> } | { ok: false; errors: string[] } {
  const grant = new Map<string, Level>();
  const errors: string[] = [];
  for (const raw of slugs) {
    const slug = raw.trim().toLowerCase();
    if (slug === '') continue;
    const known = SLUGS.get(slug);
    if (known) raise(grant, known.row.id, known.level);
    else if (Object.hasOwn(INVALID_SLUGS, slug))
      errors.push(`${slug} is not a real Stripe permission (seen only in third-party links); use ${INVALID_SLUGS[slug]}`);
    else
      errors.push(
        `${slug} is not in keybrake's catalog of ${SLUGS.size} Stripe Restricted Key permissions (rak_<resource>_read or _write, e.g. rak_charge_write)`,
      );
  }
  return errors.length ? { ok: false, errors } : { ok: true, grant };
}

/** The slugs to tick: the highest level of each row (Write implies Read), in catalog order. */
export function grantSlugs(grant: Grant): string[] {
  return PERMISSIONS.filter((p) => grant.has(p.id)).map((p) => slugOf(p.id, grant.get(p.id)!));
}

/** True when the key holds `rowId` at `level` or above, directly or through All Issuing resources. */
export function holds(grant: Grant, rowId: string, level: Level): boolean {
  const at = (id: string) => grant.get(id) === 'write' || (level === 'read' && grant.get(id) === 'read');
  if (at(rowId)) return true;
  if (rowId.startsWith('issuing_') && at('issuing')) return true;
  if (level === 'read') {
    for (const id of grant.keys()) {
      if (permissionRow(id).implies?.includes(slugOf(rowId, 'read'))) return true;
    }
  }
  return false;
}

/** API keys W can mint any key: for the score and the pairs it holds every permission. */
export function effectiveGrant(grant: Grant): Grant {
  if (grant.get('api_key') !== 'write') return grant;
  return new Map(PERMISSIONS.map((p) => [p.id, p.write ? 'write' : 'read'] as const));
}
