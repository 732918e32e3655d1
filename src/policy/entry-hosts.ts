// The hosts one vendor entry governs: compilation routes them, the validator
// keeps them unique across documents.
import type { VendorEntry } from './schema.ts';
import type { VendorPack } from '../vendors/pack.ts';

/** The pack's own field (Shopify `shops`), else `hosts`, else the pack's defaults. */
export function entryHosts(entry: VendorEntry, pack: VendorPack): readonly string[] {
  const own = pack.hostsFor?.(entry);
  if (own) return own;
  return Array.isArray(entry.hosts) ? entry.hosts : pack.hosts;
}
