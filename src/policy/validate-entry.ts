// Validation of one `spec.vendors[i]` entry: the vendor, its credential and
// agent keys, fx, loop brake and hosts, then its caps and rules, then whatever
// the vendor's pack checks itself (unit prices, call minutes…).
import type { VendorEntry } from './schema.ts';
import type { VendorPack } from '../vendors/pack.ts';
import { isDuration } from './duration.ts';
import { parseRate } from '../money/money.ts';
import { validateCaps } from './validate-caps.ts';
import { validateRules } from './validate-rules.ts';
import {
  CURRENCY, describe, isHostname, isPositiveInteger, requireList, requireMapping, requireString, uniqueValues,
  type Fields, type Report,
} from './checks.ts';

export type PackLookup = (id: string) => VendorPack | undefined;

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** A Kubernetes Secret data key; it also becomes a file name under --secrets-dir, so `.` and `..` are out. */
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/** Checks one entry; returns its pack when the vendor is known (callers use it for host checks). */
export function validateVendorEntry(
  entry: Fields,
  path: string,
  report: Report,
  packs: PackLookup,
  vendorIds: readonly string[],
): VendorPack | undefined {
  const pack = requireString(entry.vendor, `${path}.vendor`, report) ? packs(entry.vendor) : undefined;
  if (typeof entry.vendor === 'string' && !pack) {
    const valid = vendorIds.length ? `; valid vendors: ${vendorIds.join(', ')}` : '';
    report(`${path}.vendor`, `unknown vendor ${JSON.stringify(entry.vendor)}${valid}`);
  }
  validateCredential(entry.credential, `${path}.credential`, report);
  validateAgentKeys(entry.agentKeys, `${path}.agentKeys`, report);
  validateFx(entry.fx, `${path}.fx`, report);
  validateLoopBrake(entry.loopBrake, `${path}.loopBrake`, report);
  if (entry.hosts !== undefined && requireList(entry.hosts, `${path}.hosts`, report)) {
    entry.hosts.forEach((host, i) => {
      if (!isHostname(host)) report(`${path}.hosts[${i}]`, `${describe(host)} is not a lowercase hostname`);
    });
  }
  validateCaps(entry.caps, `${path}.caps`, report, pack);
  validateRules(entry.rules, `${path}.rules`, report, pack);
  if (pack?.validateEntry) {
    try {
      for (const message of pack.validateEntry(entry as unknown as VendorEntry)) report(path, message);
    } catch (err) {
      // A pack reading a malformed entry must not take validation down with it.
      report(path, `${pack.id} settings could not be checked: ${(err as Error).message}`);
    }
  }
  return pack;
}

function validateCredential(credential: unknown, path: string, report: Report): void {
  if (!requireMapping(credential, path, report)) return;
  const ref = credential.secretRef;
  if (!requireMapping(ref, `${path}.secretRef`, report)) return;
  if (requireString(ref.name, `${path}.secretRef.name`, report) && !isHostname(ref.name)) {
    report(`${path}.secretRef.name`, `${describe(ref.name)} is not a Secret name (lowercase letters, digits, '-' and '.')`);
  }
  if (requireString(ref.key, `${path}.secretRef.key`, report) && (!SECRET_KEY.test(ref.key) || /^\.\.?$/.test(ref.key))) {
    report(`${path}.secretRef.key`, `${describe(ref.key)} is not a Secret key (letters, digits, '-', '_' and '.')`);
  }
}

function validateAgentKeys(keys: unknown, path: string, report: Report): void {
  if (!requireList(keys, path, report)) return;
  const ids: Array<{ value: unknown; path: string }> = [];
  const hashes: Array<{ value: unknown; path: string }> = [];
  keys.forEach((key, i) => {
    const at = `${path}[${i}]`;
    if (!requireMapping(key, at, report)) return;
    if (requireString(key.id, `${at}.id`, report)) ids.push({ value: key.id, path: `${at}.id` });
    if (typeof key.sha256 !== 'string' || !SHA256_HEX.test(key.sha256)) {
      report(`${at}.sha256`, `must be 64 lowercase hex characters (the SHA-256 of the agent key), found ${describe(key.sha256)}`);
    } else {
      hashes.push({ value: key.sha256, path: `${at}.sha256` });
    }
  });
  uniqueValues(ids, 'agent key id', report);
  uniqueValues(hashes, 'agent key hash', report);
}

function validateFx(fx: unknown, path: string, report: Report): void {
  if (fx === undefined || !requireMapping(fx, path, report)) return;
  for (const [currency, rate] of Object.entries(fx)) {
    const at = `${path}.${currency}`;
    if (!CURRENCY.test(currency)) report(at, `${JSON.stringify(currency)} is not a lowercase ISO currency code (eur, gbp)`);
    if (typeof rate !== 'string') {
      report(at, `must be a quoted positive decimal like "1.08", found ${describe(rate)}`);
      continue;
    }
    try {
      parseRate(rate);
    } catch (err) {
      report(at, (err as Error).message);
    }
  }
}

function validateLoopBrake(brake: unknown, path: string, report: Report): void {
  if (brake === undefined || !requireMapping(brake, path, report)) return;
  if (!isPositiveInteger(brake.maxIdentical)) {
    report(`${path}.maxIdentical`, `must be a whole number ≥ 1, found ${describe(brake.maxIdentical)}`);
  }
  if (!isDuration(brake.within)) report(`${path}.within`, `${describe(brake.within)} is not a duration (500ms, 60s, 5m, 1h)`);
}
