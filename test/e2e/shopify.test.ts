// Issue 17 acceptance, Shopify Admin: the official @shopify/shopify-api
// GraphQL client, configured only with an agent key as its access token,
// through a real keybrake proxy process to a loopback fake shop. The library
// calls the global fetch, so the pod's network is the global undici
// dispatcher: an explicit proxy (CONNECT) or the transparent redirect.
import '@shopify/shopify-api/adapters/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, setGlobalDispatcher } from 'undici';
import { ApiVersion, GraphqlQueryError, HttpRequestError, HttpResponseError, LogSeverity, shopifyApi } from '@shopify/shopify-api';
import { shopifyHandler } from './fakes/shopify.ts';
import { dispatcherFor, MODES, type Mode } from './fakes/network.ts';
import { proxiedVendor, type ProxiedVendor } from '../helpers/proxied-vendor.ts';
import { eventually } from '../helpers/proxy-harness.ts';
import { policyFixtureWithKey } from '../fixtures/policies.ts';

const SHOP = 'acme.myshopify.com';
const REAL_TOKEN = 'shpat_real_acme_token_never_in_agent';

const shopifyPolicy = (sha256: string): string => policyFixtureWithKey('shopify-storefront.yaml', sha256); // governs SHOP

const setUp = () => proxiedVendor({ host: SHOP, handler: shopifyHandler, policy: shopifyPolicy, secrets: { 'shopify-acme/token': REAL_TOKEN } });

function podNetwork(s: ProxiedVendor, mode: Mode): void {
  beforeAll(() => setGlobalDispatcher(dispatcherFor(mode, s.h.port, s.h.caPem)));
  afterAll(() => setGlobalDispatcher(new Agent()));
}

/** The official clients for `shop`, holding only the agent key as its access token. */
function adminApi(agentKey: string) {
  return shopifyApi({
    apiSecretKey: 'unused-for-custom-store-apps',
    adminApiAccessToken: agentKey,
    isCustomStoreApp: true,
    isEmbeddedApp: false,
    hostName: 'agent.local',
    apiVersion: ApiVersion.October25,
    logger: { level: LogSeverity.Error, log: async () => {} },
  });
}

function adminClient(agentKey: string, shop = SHOP) {
  const shopify = adminApi(agentKey);
  return new shopify.clients.Graphql({ session: shopify.session.customAppSession(shop) });
}

function restClient(agentKey: string) {
  const shopify = adminApi(agentKey);
  return new shopify.clients.Rest({ session: shopify.session.customAppSession(SHOP) });
}

const REFUND = `mutation Refund($input: RefundInput!) {
  refundCreate(input: $input) { refund { id totalRefundedSet { shopMoney { amount currencyCode } } } userErrors { field message } }
}`;
const refundInput = (amounts: string[], note?: string) => ({
  input: {
    orderId: 'gid://shopify/Order/1001',
    ...(note ? { note } : {}),
    transactions: amounts.map((amount) => ({
      orderId: 'gid://shopify/Order/1001',
      parentId: 'gid://shopify/OrderTransaction/9',
      gateway: 'shopify_payments',
      kind: 'REFUND',
      amount,
    })),
  },
});
const GIFT = `mutation Gift($input: GiftCardCreateInput!) {
  giftCardCreate(input: $input) { giftCard { id initialValue { amount currencyCode } } userErrors { field message } }
}`;

/** The refusal the client threw: GraphqlQueryError with keybrake's message and code. */
async function refusal(p: Promise<unknown>): Promise<{ message: string; code: string }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GraphqlQueryError);
  const [first] = ((err as GraphqlQueryError).body as { errors: { graphQLErrors: Array<{ message: string; extensions: { code: string } }> } }).errors
    .graphQLErrors;
  return { message: first!.message, code: first!.extensions.code };
}

describe.each(MODES)('@shopify/shopify-api GraphQL client, %s mode', (mode) => {
  const s = setUp();
  podNetwork(s, mode);
  const posts = () => s.fake.received.filter((r) => r.method === 'POST');

  it('forwards an allowed partial refund with the real token, never the agent key', async () => {
    const res = await adminClient(s.key).request(REFUND, { variables: refundInput(['20.00', '5.50']) });
    expect(res.data).toMatchObject({ refundCreate: { refund: { totalRefundedSet: { shopMoney: { amount: '25.50' } } }, userErrors: [] } });
    const arrived = posts().at(-1)!;
    expect(arrived.path).toBe('/admin/api/2025-10/graphql.json');
    expect(arrived.headers['x-shopify-access-token']).toBe(REAL_TOKEN);
    for (const r of s.fake.received) expect(JSON.stringify(r)).not.toContain(s.key);
    await eventually(() =>
      expect(s.h.auditLines().at(-1)).toMatchObject({
        vendor: 'shopify',
        host: SHOP,
        operation: 'refundCreate',
        decision: 'allowed',
        amount: 2550,
        currency: 'usd',
      }),
    );
  });

  it('forwards a refund carrying @idempotent (required on refundCreate from 2026-04) and audits its key', async () => {
    const idempotent = `mutation Refund($input: RefundInput!, $key: String!) { refundCreate(input: $input) @idempotent(key: $key) { userErrors { message } } }`;
    await adminClient(s.key).request(idempotent, { variables: { ...refundInput(['1.00']), key: 'f1c2b3a4-refund' } });
    expect(JSON.parse(s.fake.received.at(-1)!.body).query).toContain('@idempotent(key: $key)');
    await eventually(() =>
      expect(s.h.auditLines().at(-1)).toMatchObject({ operation: 'refundCreate', decision: 'allowed', idempotencyKey: '["f1c2b3a4-refund"]' }),
    );
  });

  it('refuses a refund over the rule max, naming the rule, the element and the numbers', async () => {
    const before = s.fake.received.length;
    const r = await refusal(adminClient(s.key).request(REFUND, { variables: refundInput(['10.00', '75.00']) }));
    expect(r.code).toBe('KEYBRAKE_RULE_DENIED');
    expect(r.message).toContain('rule partial-refunds: refundCreate.input.transactions[*].amount (element 2 of 2) 75 > max 50');
    expect(s.fake.received.length).toBe(before);
  });

  it('judges a variable-carried amount and the same amount written inline alike', async () => {
    const before = s.fake.received.length;
    const inline = (amount: string) => `mutation {
      refundCreate(input: {orderId: "gid://shopify/Order/1001", transactions: [{orderId: "gid://shopify/Order/1001", gateway: "manual", kind: REFUND, amount: "${amount}"}]}) { userErrors { message } }
    }`;
    const viaVariable = await refusal(adminClient(s.key).request(REFUND, { variables: refundInput(['60.00']) }));
    const written = await refusal(adminClient(s.key).request(inline('60.00')));
    expect(written).toEqual(viaVariable);
    expect(s.fake.received.length).toBe(before);
    await adminClient(s.key).request(inline('30.00'));
    await adminClient(s.key).request(REFUND, { variables: refundInput(['30.00']) });
    expect(s.fake.received.length).toBe(before + 2);
  });

  it('still catches a mutation hidden behind an alias', async () => {
    const before = s.fake.received.length;
    const aliased = `mutation($input: RefundInput!) { harmlessLookup: refundCreate(input: $input) { userErrors { message } } }`;
    const r = await refusal(adminClient(s.key).request(aliased, { variables: refundInput(['90.00']) }));
    expect(r.message).toContain('refundCreate (alias harmlessLookup)');
    expect(r.message).toContain('90 > max 50');
    expect(s.fake.received.length).toBe(before);
  });

  it('forwards nothing of a two-mutation document when one mutation is denied', async () => {
    const before = s.fake.received.length;
    const both = `mutation($refund: RefundInput!) {
      refundCreate(input: $refund) { userErrors { message } }
      giftCardCreate(input: {initialValue: "500.00"}) { userErrors { message } }
    }`;
    const r = await refusal(adminClient(s.key).request(both, { variables: { refund: refundInput(['5.00']).input } }));
    expect(r.message).toMatch(/^operation 2 of 2, giftCardCreate: rule small-gift-cards: giftCardCreate\.input\.initialValue 500 > max 100/);
    expect(s.fake.received.length).toBe(before);
  });

  it('refuses a shop the policy does not name, before anything reaches it', async () => {
    const before = s.fake.received.length;
    const err = await adminClient(s.key, 'other-shop.myshopify.com')
      .request(`{ shop { name } }`)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(HttpRequestError);
    expect(s.fake.received.length).toBe(before);
    await eventually(() =>
      expect(
        s.h
          .auditLines()
          .filter((l) => l.host === 'other-shop.myshopify.com')
          .at(-1),
      ).toMatchObject({
        decision: 'denied',
        reason: expect.stringContaining('neither a governed vendor host'),
      }),
    );
  });

  it('governs a legacy REST refund the same way: forwarded under the max, refused over it with a 4xx the client does not retry', async () => {
    const refund = (amount: string) => ({ refund: { currency: 'USD', transactions: [{ parent_id: 801038806, amount, kind: 'refund', gateway: 'bogus' }] } });
    const ok = await restClient(s.key).post({ path: 'orders/450789469/refunds', data: refund('41.94') });
    expect(ok.body).toMatchObject({ refund: { transactions: [{ amount: '41.94' }] } });
    const arrived = posts().at(-1)!;
    expect(arrived.path).toBe('/admin/api/2025-10/orders/450789469/refunds.json');
    expect(arrived.headers['x-shopify-access-token']).toBe(REAL_TOKEN);
    await eventually(() => expect(s.h.auditLines().at(-1)).toMatchObject({ operation: 'orders.refunds.create', decision: 'allowed', amount: 4194 }));

    const before = s.fake.received.length;
    const err = await restClient(s.key)
      .post({ path: 'orders/450789469/refunds', data: refund('80.00'), tries: 3 })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(HttpResponseError);
    const { code, body } = (err as HttpResponseError).response;
    expect(code).toBe(403);
    expect(JSON.stringify(body)).toContain('refund.transactions[*].amount (element 1 of 1) 80 > max 50');
    expect(s.fake.received.length).toBe(before);
    // tries: 3 allowed two retries; a 403 is not retried, so keybrake saw the refund once
    await eventually(() => expect(s.h.auditLines().filter((l) => l.operation === 'orders.refunds.create' && l.decision === 'denied')).toHaveLength(1));
  });

  it('lets reads through as the read `query`', async () => {
    const res = await adminClient(s.key).request(`query { shop { name } }`);
    expect(res.data).toEqual({ shop: { name: 'Acme' } });
  });
});

describe('a $100/day gift card cap on one shop', () => {
  const s = setUp();
  podNetwork(s, 'explicit');

  it('refuses the gift card that would cross it, naming the cap and the numbers; userErrors give the hold back', async () => {
    const client = adminClient(s.key);
    // declined by the shop (userErrors): the $80 hold is released, not kept
    const declined = await client.request(GIFT, { variables: { input: { initialValue: '80.00', note: 'decline' } } });
    expect((declined.data as { giftCardCreate: { userErrors: unknown[] } }).giftCardCreate.userErrors).toHaveLength(1);
    const issued = await client.request(GIFT, { variables: { input: { initialValue: '80.00' } } });
    expect(issued.data).toMatchObject({ giftCardCreate: { giftCard: { initialValue: { amount: '80.00' } } } });
    expect(s.fake.received).toHaveLength(2);

    const r = await refusal(client.request(GIFT, { variables: { input: { initialValue: '30.00' } } }));
    expect(r.code).toBe('KEYBRAKE_CAP_EXCEEDED');
    expect(r.message).toMatch(/^cap gift-cards: \$80\.00 used \+ \$30\.00 requested > \$100\.00 limit\. shopify:giftCardCreate was not forwarded/);
    expect(s.fake.received).toHaveLength(2);

    // exactly up to the cap still goes through: the declined call gave its request back too (2 of 2, not 3)
    await client.request(GIFT, { variables: { input: { initialValue: '20.00' } } });
    expect(s.fake.received).toHaveLength(3);
  });
});

describe('a draft order completed: its total is looked up before forwarding', () => {
  const s = setUp();
  podNetwork(s, 'transparent');
  const COMPLETE = `mutation Complete($id: ID!) { draftOrderComplete(id: $id) { draftOrder { id totalPriceSet { shopMoney { amount currencyCode } } } userErrors { message } } }`;

  it('reads the total with one bounded query (real token), counts it, and refuses the draft that would cross the cap', async () => {
    const client = adminClient(s.key);
    await client.request(COMPLETE, { variables: { id: 'gid://shopify/DraftOrder/7' } });
    const [lookup, completed] = s.fake.received;
    expect(JSON.parse(lookup!.body)).toEqual({ query: expect.stringMatching(/^query KeybrakeTotals/), variables: { ids: ['gid://shopify/DraftOrder/7'] } });
    expect(lookup!.headers['x-shopify-access-token']).toBe(REAL_TOKEN);
    expect(JSON.parse(completed!.body).variables).toEqual({ id: 'gid://shopify/DraftOrder/7' });
    await eventually(() => expect(s.h.auditLines().at(-1)).toMatchObject({ operation: 'draftOrderComplete', decision: 'allowed', amount: 4200 }));

    const r = await refusal(client.request(COMPLETE, { variables: { id: 'gid://shopify/DraftOrder/8' } }));
    expect(r.message).toMatch(/^cap drafts: \$42\.00 used \+ \$42\.00 requested > \$50\.00 limit/);
    // the second lookup went out, the completion did not
    expect(s.fake.received.map((x) => JSON.parse(x.body).query.slice(0, 22))).toEqual([
      'query KeybrakeTotals($',
      'mutation Complete($id:',
      'query KeybrakeTotals($',
    ]);
  });

  it('refuses a draft the shop does not have: its total cannot be known', async () => {
    const before = s.fake.received.length;
    const r = await refusal(adminClient(s.key).request(COMPLETE, { variables: { id: 'gid://shopify/Order/8' } }));
    expect(r.code).toBe('KEYBRAKE_COST_UNKNOWN');
    expect(r.message).toContain('Check that gid://shopify/Order/8 exists in this shop');
    expect(s.fake.received.length).toBe(before + 1); // the lookup only
  });
});
