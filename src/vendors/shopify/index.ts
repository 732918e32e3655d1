// The Shopify Admin pack: the shops a policy names (`shops:`, each
// <name>.myshopify.com; any other shop is refused at the connection), the
// X-Shopify-Access-Token swapped for the shop's real token, GraphQL Admin
// mutations judged one by one (request.ts), legacy REST refunds and gift
// cards, cost in the shop's currency, settle from the mutation payloads.
import type { EntryFields, Operation, ParsedBody, VendorPack } from '../pack.ts';
import { compileCatalog } from '../paths.ts';
import { isCurrencyCode } from '../../money/money.ts';
import { headerSecret, withToken } from '../email/credential.ts';
import { SHOPIFY_OPERATIONS } from './catalog.ts';
import { estimateShopifyCost } from './cost.ts';
import { shopifyErrorResponse } from './errors.ts';
import { callsOf, parseShopifyRequest } from './request.ts';
import { shopifyNothingHappened, shopifySettledAmount } from './settle.ts';
import { mutationModel } from './mutations.ts';

export const TOKEN_HEADER = 'x-shopify-access-token';
/** A shop's Admin API host: one label below myshopify.com. */
export const SHOP_HOST = /^[a-z0-9][a-z0-9-]{0,62}\.myshopify\.com$/;

function shopsOf(entry: EntryFields): string[] {
  return Array.isArray(entry.shops) ? entry.shops.filter((s): s is string => typeof s === 'string') : [];
}

function validateShopifyEntry(entry: EntryFields): string[] {
  const errors: string[] = [];
  const shops: unknown = entry.shops;
  if (!Array.isArray(shops) || shops.length === 0) errors.push('shops: list the shops this entry governs, e.g. shops: [acme.myshopify.com]');
  else {
    shops.forEach((shop, i) => {
      if (typeof shop !== 'string' || !SHOP_HOST.test(shop))
        errors.push(`shops[${i}]: ${JSON.stringify(shop)} is not a shop host like acme.myshopify.com (lowercase)`);
    });
    if (new Set(shops).size !== shops.length) errors.push('shops: a shop is listed twice');
  }
  if (entry.hosts !== undefined) errors.push('hosts: Shopify entries name their shops in shops, not hosts; remove hosts');
  if (!isCurrencyCode(entry.shopCurrency)) {
    errors.push(`shopCurrency: the shops' currency as a lowercase ISO code (usd, eur) is required, found ${JSON.stringify(entry.shopCurrency ?? null)}`);
  }
  if (entry.unitPrices !== undefined) errors.push('unitPrices: Shopify amounts come from each request; remove unitPrices');
  if (entry.maxCallMinutes !== undefined) errors.push('maxCallMinutes: only Twilio places calls; remove it');
  return errors;
}

function shopifyFingerprint(op: Operation, body: ParsedBody): unknown[] {
  const calls = callsOf(body);
  if (calls) return [op.id, calls.map((c) => [c.field, c.args])];
  return [op.id, op.params, body];
}

export const shopifyPack: VendorPack = {
  id: 'shopify',
  // No default host: a policy names its shops.
  hosts: [],
  operations: SHOPIFY_OPERATIONS,
  identify: compileCatalog(SHOPIFY_OPERATIONS),
  parse: parseShopifyRequest,
  hostsFor: shopsOf,
  // Rules may allow any mutation by name (a misspelt one allows nothing); caps count only mutations keybrake models.
  namesOperation: (id, inCap) => (inCap ? mutationModel(id) !== undefined : /^[_A-Za-z][_0-9A-Za-z]*$/.test(id)),
  presentedKey: (headers) => {
    const key = headers[TOKEN_HEADER]?.trim();
    return key ? { key } : undefined;
  },
  applyCredential: (headers, secret) => {
    const token = headerSecret(secret, 'Shopify');
    // Authorization is dropped: Shopify reads only the token header, and it could carry the agent key upstream.
    return token.ok ? { ok: true, headers: withToken(headers, TOKEN_HEADER, token.value, ['authorization']) } : token;
  },
  estimateCost: estimateShopifyCost,
  settledAmount: shopifySettledAmount,
  nothingHappened: shopifyNothingHappened,
  loopFingerprint: shopifyFingerprint,
  responseRequestId: (headers) => headers['x-request-id'],
  errorResponse: shopifyErrorResponse,
  validateEntry: validateShopifyEntry,
};
