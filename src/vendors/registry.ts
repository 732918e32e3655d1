// Every vendor pack keybrake ships, one line each. Adding a vendor is a folder
// in src/vendors/ and a line here.
import type { VendorPack } from './pack.ts';
import { stripePack } from './stripe/index.ts';
import { twilioPack } from './twilio/index.ts';
import { resendPack } from './resend/index.ts';
import { postmarkPack } from './postmark/index.ts';
import { shopifyPack } from './shopify/index.ts';

const PACKS: readonly VendorPack[] = [stripePack, twilioPack, resendPack, postmarkPack, shopifyPack];

const byId = new Map(PACKS.map((p) => [p.id, p]));
const byHost = new Map(PACKS.flatMap((p) => p.hosts.map((h) => [h.toLowerCase(), p] as const)));

export function getPack(id: string): VendorPack | undefined {
  return byId.get(id);
}

export function listPacks(): readonly VendorPack[] {
  return PACKS;
}

/** The pack whose default hosts include `host` (policies may override hosts per entry). */
export function packForHost(host: string): VendorPack | undefined {
  return byHost.get(host.toLowerCase().replace(/\.$/, ''));
}
