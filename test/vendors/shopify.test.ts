// The Shopify pack on its own: GraphQL documents resolved into mutations
// (aliases, variables, fragments, directives), refusals for what cannot be
// resolved, cost in minor units, settle from payloads, the error shape.
import { describe, expect, it } from 'vitest';
import { shopifyPack } from '../../src/vendors/shopify/index.ts';
import type { CostEstimate, OperationPart, ParsedBody, PriceContext, Refusal } from '../../src/vendors/pack.ts';
import type { EgressPolicy } from '../../src/policy/schema.ts';
import { formatProblem } from '../../src/policy/feed.ts';
import { registryValidator } from '../../src/commands/policy-setup.ts';
import { parseYamlPolicy } from './shopify-policy.ts';
import { vendorRequest } from './vendor-request.ts';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

const GQL = '/admin/api/2025-10/graphql.json';
const prices: PriceContext = { defaultCurrency: 'usd' };

type Parsed = { body: ParsedBody; parts?: OperationPart[] };

function gql(query: string, variables?: unknown, operationName?: unknown): Parsed | Refusal {
  const body = JSON.stringify({ query, ...(variables === undefined ? {} : { variables }), ...(operationName === undefined ? {} : { operationName }) });
  const op = shopifyPack.identify('POST', GQL);
  const parsed = shopifyPack.parse(vendorRequest('POST', GQL, { body }), op);
  return parsed.ok ? { body: parsed.body, ...(parsed.parts ? { parts: parsed.parts } : {}) } : parsed.refusal;
}

function parts(query: string, variables?: unknown, operationName?: unknown): OperationPart[] {
  const p = gql(query, variables, operationName);
  if ('code' in p) throw new Error(p.message);
  return p.parts ?? [];
}

function refused(query: string, variables?: unknown, operationName?: unknown): string {
  const p = gql(query, variables, operationName);
  if (!('code' in p)) throw new Error(`expected a refusal, got ${JSON.stringify(p.body)}`);
  expect(p.code).toBe('keybrake_unparseable_body');
  return p.message;
}

function cost(query: string, variables?: unknown, ctx: PriceContext = prices): CostEstimate {
  const p = gql(query, variables);
  if ('code' in p) throw new Error(p.message);
  return shopifyPack.estimateCost(shopifyPack.identify('POST', GQL), p.body, ctx, vendorRequest('POST', GQL));
}

const REFUND = `mutation R($input: RefundInput!) { refundCreate(input: $input) { refund { id } userErrors { field message } } }`;
const refundInput = (...amounts: string[]) => ({
  input: {
    orderId: 'gid://shopify/Order/1',
    transactions: amounts.map((amount) => ({ orderId: 'gid://shopify/Order/1', gateway: 'shopify_payments', kind: 'REFUND', amount })),
  },
});

describe('shopify: GraphQL documents', () => {
  it('makes each top-level mutation field one operation, its arguments under its name', () => {
    const [p] = parts(REFUND, refundInput('12.50'));
    expect(p!.operation).toEqual({ id: 'refundCreate', billable: true, params: {} });
    expect(p!.body).toEqual({ refundCreate: refundInput('12.50') });
  });

  it('reads variable-carried and inline arguments the same way', () => {
    const inline = parts(`mutation { giftCardCreate(input: {initialValue: "25.00", note: "x"}) { giftCard { id } } }`);
    const viaVariable = parts(`mutation G($v: Decimal!) { giftCardCreate(input: {initialValue: $v, note: "x"}) { giftCard { id } } }`, { v: '25.00' });
    const wholeVariable = parts(`mutation G($i: GiftCardCreateInput!) { giftCardCreate(input: $i) { giftCard { id } } }`, {
      i: { initialValue: '25.00', note: 'x' },
    });
    expect(inline[0]!.body).toEqual(viaVariable[0]!.body);
    expect(inline[0]!.body).toEqual(wholeVariable[0]!.body);
  });

  it('understands aliases: the operation is the field, the alias only names the response', () => {
    const ps = parts(
      `mutation { small: giftCardCreate(input: {initialValue: "1"}) { giftCard { id } } big: giftCardCreate(input: {initialValue: "900"}) { giftCard { id } } }`,
    );
    expect(ps.map((p) => [p.operation.id, p.label])).toEqual([
      ['giftCardCreate', 'giftCardCreate (alias small)'],
      ['giftCardCreate', 'giftCardCreate (alias big)'],
    ]);
  });

  it('follows fragments on Mutation and @skip/@include that resolve exactly', () => {
    const q = `mutation M($skipIt: Boolean!) {
      ...Gifts
      ... on Mutation { storeCreditAccountCredit(id: "gid://shopify/Customer/1", creditInput: {creditAmount: {amount: "5", currencyCode: USD}}) { userErrors { message } } }
      refundCreate(input: {orderId: "o"}) @skip(if: $skipIt) { userErrors { message } }
    }
    fragment Gifts on Mutation { giftCardCreate(input: {initialValue: "3"}) { userErrors { message } } }`;
    expect(parts(q, { skipIt: true }).map((p) => p.operation.id)).toEqual(['giftCardCreate', 'storeCreditAccountCredit']);
    expect(parts(q, { skipIt: false }).map((p) => p.operation.id)).toEqual(['giftCardCreate', 'storeCreditAccountCredit', 'refundCreate']);
    // the enum literal USD is kept as its name
    expect(parts(q, { skipIt: true })[1]!.body).toEqual({
      storeCreditAccountCredit: { id: 'gid://shopify/Customer/1', creditInput: { creditAmount: { amount: '5', currencyCode: 'USD' } } },
    });
  });

  it('uses a declared default and leaves out a variable that is neither sent nor defaulted', () => {
    const q = `mutation G($v: Decimal = "7.00", $note: String) { giftCardCreate(input: {initialValue: $v, note: $note}) { giftCard { id } } }`;
    expect(parts(q)[0]!.body).toEqual({ giftCardCreate: { input: { initialValue: '7.00' } } });
    expect(parts(q, { v: '8.00', note: null })[0]!.body).toEqual({ giftCardCreate: { input: { initialValue: '8.00', note: null } } });
  });

  it('runs the operation operationName names, or the only one', () => {
    const two = `query Q { shop { name } } mutation M { giftCardCreate(input: {initialValue: "1"}) { giftCard { id } } }`;
    expect(parts(two, undefined, 'M').map((p) => p.operation.id)).toEqual(['giftCardCreate']);
    expect(gql(two, undefined, 'Q')).toEqual({ body: {} }); // a query: the read `query`, no parts
    expect(refused(two)).toMatch(/2 operations and no operationName/);
    expect(refused(two, undefined, 'Nope')).toMatch(/names 0 operations/);
    expect(refused(two, undefined, '')).toMatch(/non-empty string/);
    expect(
      refused(
        `mutation M { a: giftCardCreate(input: {}) { giftCard { id } } } mutation M { b: giftCardCreate(input: {}) { giftCard { id } } }`,
        undefined,
        'M',
      ),
    ).toMatch(/names 2 operations/);
  });

  it('reads @idempotent(key:) as the retry key of the document, not as something hiding arguments', () => {
    const q = `mutation R($input: RefundInput!, $k: String!) { refundCreate(input: $input) @idempotent(key: $k) { refund { id } } }`;
    const op = shopifyPack.identify('POST', GQL);
    const send = (variables: unknown) => shopifyPack.parse(vendorRequest('POST', GQL, { body: JSON.stringify({ query: q, variables }) }), op);
    expect(send({ ...refundInput('1.00'), k: 'ab12' })).toMatchObject({
      ok: true,
      idempotencyKey: '["ab12"]',
      parts: [{ body: { refundCreate: refundInput('1.00') } }],
    });
    expect(send({ ...refundInput('1.00'), k: '' })).toMatchObject({ ok: false, refusal: { message: expect.stringMatching(/non-empty string/) } });
    // a document where one mutation has no key has no key
    const mixed = `mutation { a: giftCardCreate(input: {initialValue: "1"}) @idempotent(key: "x") { giftCard { id } } b: giftCardCreate(input: {initialValue: "1"}) { giftCard { id } } }`;
    const parsed = shopifyPack.parse(vendorRequest('POST', GQL, { body: JSON.stringify({ query: mixed }) }), op);
    expect(parsed).toMatchObject({ ok: true });
    expect(parsed.ok && parsed.idempotencyKey).toBeUndefined();
    expect(refused(`mutation { ...F @idempotent(key: "x") } fragment F on Mutation { giftCardCreate(input: {}) { giftCard { id } } }`)).toMatch(
      /@idempotent at the top/,
    );
  });

  it.each([
    ['a parse error', 'mutation { giftCardCreate(input: {initialValue: "1"}', {}, /does not parse: Syntax Error/],
    ['an undefined fragment', 'mutation { ...Missing }', {}, /fragment Missing is not defined/],
    ['a fragment on another type', 'mutation { ... on Query { shop { name } } }', {}, /inline fragment on Query/],
    ['a fragment cycle', 'mutation { ...A } fragment A on Mutation { ...A }', {}, /spreads itself/],
    ['an unknown directive', 'mutation { giftCardCreate(input: {initialValue: "1"}) @defer { giftCard { id } } }', {}, /@defer/],
    ['a directive on the operation', 'mutation M @hide { giftCardCreate(input: {}) { giftCard { id } } }', {}, /@hide on the mutation/],
    [
      '@skip whose if is not a boolean',
      'mutation M($s: Boolean) { giftCardCreate(input: {}) @skip(if: $s) { giftCard { id } } }',
      {},
      /must be a boolean, found no value/,
    ],
    ['an undeclared variable', 'mutation { giftCardCreate(input: {initialValue: $v}) { giftCard { id } } }', { v: '1' }, /\$v is used but not declared/],
    ['a repeated input field', 'mutation { giftCardCreate(input: {initialValue: "1", initialValue: "900"}) { giftCard { id } } }', {}, /written twice/],
    [
      'two fields answering as one key',
      'mutation { g: giftCardCreate(input: {}) { giftCard { id } } g: refundCreate(input: {}) { refund { id } } }',
      {},
      /answer as "g"/,
    ],
    ['a subscription', 'subscription { orders { id } }', {}, /subscription operations are not supported/],
    ['a type definition', 'type Evil { a: Int } mutation { giftCardCreate(input: {}) { giftCard { id } } }', {}, /operations and fragments only/],
    ['variables that are not an object', REFUND, ['x'], /"variables" must be a JSON object/],
  ])('refuses %s', (_, query, variables, message) => {
    expect(refused(query as string, variables)).toMatch(message as RegExp);
  });

  it('refuses absurd nesting and size before the recursive parser sees them', () => {
    expect(refused(`mutation { g(x: ${'['.repeat(100_000)} }`)).toMatch(/nests more than 64 levels/);
    expect(refused(`mutation { g ${'{ a '.repeat(70)}${'}'.repeat(70)} }`)).toMatch(/nests more than 64 levels/);
    expect(refused(`mutation { ${'a: b '.repeat(20_001)}}`)).toMatch(/more than 20000 tokens/);
    // a real document is far from either bound
    expect(parts(`mutation { g(x: ${'['.repeat(30)}1${']'.repeat(30)}) { a { b { c } } } }`)).toHaveLength(1);
  });

  it('refuses fragments that would expand exponentially, without expanding them', () => {
    const levels = Array.from({ length: 30 }, (_, i) => `fragment F${i} on Mutation { ...F${i + 1} ...F${i + 1} }`).join('\n');
    expect(refused(`mutation { ...F0 } ${levels} fragment F30 on Mutation { __typename }`)).toMatch(/more than 2000 selections/);
  });

  it('refuses persisted queries, extra request fields and GraphQL over GET', () => {
    const op = shopifyPack.identify('POST', GQL);
    const send = (body: unknown) => shopifyPack.parse(vendorRequest('POST', GQL, { body: JSON.stringify(body) }), op);
    expect(send({ extensions: { persistedQuery: { sha256Hash: 'abc' } } })).toMatchObject({ ok: false });
    expect(send({ query: REFUND, extensions: {} })).toMatchObject({ ok: false, refusal: { param: 'extensions' } });
    const get = shopifyPack.identify('GET', GQL);
    expect(shopifyPack.parse(vendorRequest('GET', `${GQL}?query=mutation`), get)).toMatchObject({ ok: false });
  });
});

describe('shopify: cost', () => {
  it('sums refund transactions exactly in minor units of the shop currency', () => {
    expect(cost(REFUND, refundInput('12.50', '0.07', '100'))).toEqual({ kind: 'amount', amount: 11257, currency: 'usd', units: { mutations: 1 } });
    // the refund's own currency wins over the shop's
    const eur = refundInput('10.10');
    expect(cost(REFUND, { input: { ...eur.input, currency: 'EUR' } })).toMatchObject({ amount: 1010, currency: 'eur' });
    expect(cost(REFUND, refundInput('0.1', '0.2'))).toMatchObject({ amount: 30 }); // never 0.30000000000000004
  });

  it('prices gift cards, store credit, captures and fixed discounts; a document sums its mutations', () => {
    const q = `mutation {
      giftCardCreate(input: {initialValue: "25.00"}) { userErrors { message } }
      giftCardCredit(id: "gid://shopify/GiftCard/1", creditInput: {creditAmount: {amount: "5", currencyCode: USD}}) { userErrors { message } }
      storeCreditAccountCredit(id: "c", creditInput: {creditAmount: {amount: "1.5", currencyCode: USD}}) { userErrors { message } }
      orderCapture(input: {id: "o", parentTransactionId: "t", amount: 2}) { userErrors { message } }
      discountCodeBasicCreate(basicCodeDiscount: {usageLimit: 3, customerGets: {value: {discountAmount: {amount: "4.00", appliesOnEachItem: false}}}}) { userErrors { message } }
    }`;
    expect(cost(q)).toEqual({ kind: 'amount', amount: 2500 + 500 + 150 + 200 + 1200, currency: 'usd', units: { mutations: 5 } });
  });

  it('leaves a percentage discount unknown unless a request cap counts it', () => {
    const q = `mutation { discountCodeBasicCreate(basicCodeDiscount: {customerGets: {value: {percentage: 1.0}}}) { userErrors { message } } }`;
    expect(cost(q)).toMatchObject({ kind: 'unknown', reason: expect.stringMatching(/percentage discount depends on the orders/) });
    expect(cost(q, undefined, { ...prices, countedByRequests: (id) => id === 'discountCodeBasicCreate' })).toEqual({ kind: 'free', units: { mutations: 1 } });
  });

  it('refuses to guess: bad amounts, mixed currencies, unpriced money movers', () => {
    expect(cost(REFUND, refundInput('-5'))).toMatchObject({ kind: 'unknown', reason: expect.stringMatching(/not a non-negative decimal/) });
    expect(cost(REFUND, refundInput('1e3'))).toMatchObject({ kind: 'unknown' });
    expect(cost(REFUND, refundInput('1.005'))).toMatchObject({ kind: 'unknown', reason: expect.stringMatching(/more decimals than USD/) });
    expect(cost(REFUND, refundInput('1.000'))).toMatchObject({ kind: 'amount', amount: 100 });
    const mixed = `mutation { giftCardCreate(input: {initialValue: "1"}) { giftCard { id } } giftCardCredit(id: "g", creditInput: {creditAmount: {amount: "1", currencyCode: EUR}}) { giftCardCreditTransaction { id } } }`;
    expect(cost(mixed)).toMatchObject({ kind: 'unknown', reason: expect.stringMatching(/USD and EUR in one request/) });
    expect(cost(`mutation { draftOrderComplete(id: "d") { draftOrder { id } } }`)).toMatchObject({
      kind: 'unknown',
      reason: expect.stringMatching(/gid:\/\/shopify\/DraftOrder/),
    });
    expect(cost(`mutation { giftCardCreate(input: {initialValue: "1"}) { giftCard { id } } }`, undefined, {})).toMatchObject({
      kind: 'unknown',
      reason: expect.stringMatching(/no shopCurrency/),
    });
  });

  it('looks up totals the request does not carry with one query, adding what the request states', () => {
    const q = `mutation {
      a: draftOrderComplete(id: "gid://shopify/DraftOrder/1") { userErrors { message } }
      b: draftOrderComplete(id: "gid://shopify/DraftOrder/1") { userErrors { message } }
      orderMarkAsPaid(input: {id: "gid://shopify/Order/2"}) { userErrors { message } }
      giftCardCreate(input: {initialValue: "5"}) { userErrors { message } }
    }`;
    const e = cost(q);
    if (e.kind !== 'lookup') throw new Error(`expected a lookup, got ${e.kind}`);
    expect(e.path).toBe(GQL);
    expect(JSON.parse(e.body!)).toEqual({
      query: expect.stringContaining('nodes(ids: $ids)'),
      variables: { ids: ['gid://shopify/DraftOrder/1', 'gid://shopify/Order/2'] },
    });
    const shopMoney = (amount: string) => ({ shopMoney: { amount, currencyCode: 'USD' } });
    const nodes = [
      { __typename: 'DraftOrder', id: 'gid://shopify/DraftOrder/1', totalPriceSet: shopMoney('10.00') },
      { __typename: 'Order', id: 'gid://shopify/Order/2', totalOutstandingSet: shopMoney('2.50') },
    ];
    // both completions of the same draft count (over-count, never under), plus the gift card
    expect(e.read({ data: { nodes } })).toEqual({ amount: 1000 + 1000 + 250 + 500, currency: 'usd' });
    expect(e.read({ data: { nodes: [nodes[0], null] } })).toBeUndefined();
    expect(e.read({ data: { nodes: [{ ...nodes[1], __typename: 'DraftOrder' }, nodes[1]] } })).toBeUndefined();
    expect(e.read({ errors: [{ message: 'ACCESS_DENIED' }] })).toBeUndefined();
  });

  it('counts a mutation that moves no money as free, and a query as the free read', () => {
    expect(cost(`mutation { productUpdate(input: {id: "p", title: "t"}) { product { id } } }`)).toEqual({ kind: 'free', units: { mutations: 1 } });
    expect(cost(`{ shop { name } }`)).toEqual({ kind: 'free' });
  });

  it('prices legacy REST refunds from their transactions', () => {
    const path = '/admin/api/2025-10/orders/450789469/refunds.json';
    const op = shopifyPack.identify('POST', path);
    expect(op).toMatchObject({ id: 'orders.refunds.create', params: { order_id: '450789469' } });
    const body = { refund: { currency: 'usd', transactions: [{ parent_id: 1, amount: '41.94', kind: 'refund', gateway: 'bogus' }] } };
    const parsed = shopifyPack.parse(vendorRequest('POST', path, { body: JSON.stringify(body) }), op);
    if (!parsed.ok) throw new Error(parsed.refusal.message);
    expect(shopifyPack.estimateCost(op, parsed.body, prices, vendorRequest('POST', path))).toEqual({ kind: 'amount', amount: 4194, currency: 'usd' });
  });
});

describe('shopify: settle', () => {
  const estimate: CostEstimate = { kind: 'amount', amount: 2500, currency: 'usd' };
  const op = shopifyPack.identify('POST', GQL);
  const giftBody = (selection: string) => {
    const p = gql(`mutation { giftCardCreate(input: {initialValue: "25.00"}) { ${selection} } }`);
    if ('code' in p) throw new Error(p.message);
    return p.body;
  };

  it('reads what moved from the payload', () => {
    const body = giftBody('giftCard { initialValue { amount currencyCode } } userErrors { message }');
    const response = { data: { giftCardCreate: { giftCard: { initialValue: { amount: '20.0', currencyCode: 'USD' } }, userErrors: [] } } };
    expect(shopifyPack.nothingHappened!(op, response, body)).toBe(false);
    expect(shopifyPack.settledAmount!(op, response, estimate, body)).toEqual({ amount: 2000, currency: 'usd' });
  });

  it('a non-empty userErrors (or a null payload) means nothing happened', () => {
    const body = giftBody('giftCard { id } userErrors { message }');
    expect(shopifyPack.nothingHappened!(op, { data: { giftCardCreate: { giftCard: null, userErrors: [{ message: 'nope' }] } } }, body)).toBe(true);
    expect(shopifyPack.nothingHappened!(op, { data: { giftCardCreate: null }, errors: [{ message: 'x' }] }, body)).toBe(true);
    expect(shopifyPack.nothingHappened!(op, { data: null, errors: [{ message: 'x' }] }, body)).toBe(true);
  });

  it('settles a legacy REST refund from the transactions it answers', () => {
    const path = '/admin/api/2025-10/orders/1/refunds.json';
    const rest = shopifyPack.identify('POST', path);
    const answered = {
      refund: {
        transactions: [
          { amount: '10.00', currency: 'USD' },
          { amount: '0.50', currency: 'USD' },
        ],
      },
    };
    expect(shopifyPack.settledAmount!(rest, answered, estimate, {})).toEqual({ amount: 1050, currency: 'usd' });
    expect(shopifyPack.settledAmount!(rest, { refund: { transactions: [{ amount: '10.00' }] } }, estimate, {})).toBeUndefined();
  });

  it('does not trust a payload whose selection has aliases: the estimate stands', () => {
    const body = giftBody('giftCard { initialValue: balance { amount currencyCode } } userErrors: giftCard { id }');
    const response = { data: { giftCardCreate: { giftCard: { initialValue: { amount: '0.01', currencyCode: 'USD' } }, userErrors: [{ id: 'x' }] } } };
    expect(shopifyPack.nothingHappened!(op, response, body)).toBe(false);
    expect(shopifyPack.settledAmount!(op, response, estimate, body)).toBeUndefined();
  });
});

describe('shopify: refusals and policy', () => {
  it('answers GraphQL refusals with 200 and errors[].extensions.code, REST ones with a 4xx the client does not retry', () => {
    const refusal = { status: 402, code: 'keybrake_cap_exceeded', message: 'cap day shopify spend: …' };
    const graphql = shopifyPack.errorResponse(refusal, vendorRequest('POST', GQL));
    expect(graphql.status).toBe(200);
    expect(JSON.parse(graphql.body)).toEqual({
      errors: [{ message: 'cap day shopify spend: … [KEYBRAKE_CAP_EXCEEDED]', extensions: { code: 'KEYBRAKE_CAP_EXCEEDED' } }],
    });
    expect(shopifyPack.errorResponse(refusal, vendorRequest('POST', '/admin/api/2025-10/orders/1/refunds.json')).status).toBe(402);
    expect(shopifyPack.errorResponse({ ...refusal, status: 429 }, vendorRequest('POST', '/admin/orders/1/refunds.json')).status).toBe(403);
    // keybrake_busy is the one refusal meant to be retried: both clients may
    const busy = { status: 503, code: 'keybrake_busy', message: 'busy' };
    expect(shopifyPack.errorResponse(busy, vendorRequest('POST', GQL)).status).toBe(503);
    expect(shopifyPack.errorResponse(busy, vendorRequest('POST', '/admin/orders/1/refunds.json')).status).toBe(503);
  });

  it('swaps the agent token for the real one and drops Authorization', () => {
    const out = shopifyPack.applyCredential(
      { 'x-shopify-access-token': 'kb_agent', authorization: 'Bearer kb_agent', accept: 'application/json' },
      'shpat_real\n',
      {
        path: GQL,
        op: shopifyPack.identify('POST', GQL),
        presented: { key: 'kb_agent' },
      },
    );
    expect(out).toEqual({ ok: true, headers: { accept: 'application/json', 'x-shopify-access-token': 'shpat_real' } });
  });

  it('validates shops and shopCurrency, and claims each shop as a host', () => {
    const problems = (doc: EgressPolicy) =>
      registryValidator()
        .check([{ document: 'shop-agent.yaml', value: doc }])
        .map(formatProblem)
        .join('\n');
    const ok = parseYamlPolicy(['acme.myshopify.com', 'acme-eu.myshopify.com'], 'usd');
    expect(problems(ok)).toEqual('');
    const bad = parseYamlPolicy(['acme.example.com', 'Acme.myshopify.com'], 'USD');
    expect(problems(bad)).toMatch(/shops\[0\]: "acme\.example\.com" is not a shop host[\s\S]*shops\[1\][\s\S]*shopCurrency/);
    const noCurrency = parseYamlPolicy(['acme.myshopify.com'], 'usd').spec.vendors.map(({ shopCurrency: _, ...entry }) => entry);
    expect(problems({ ...ok, spec: { vendors: noCurrency } })).toMatch(/shopCurrency: the shops' currency as a lowercase ISO code \(usd, eur\) is required/);
    const twice = parseYamlPolicy(['acme.myshopify.com'], 'usd', 2);
    expect(problems(twice)).toMatch(/host acme\.myshopify\.com is already governed/);
  });
});

describe('shopify: docs/vendors.md', () => {
  it('its policy snippet is a valid policy', () => {
    const doc = fs.readFileSync(path.join(import.meta.dirname, '../../docs/vendors.md'), 'utf8');
    const snippet = /```yaml\n(- vendor: shopify\n[\s\S]*?)```/.exec(doc)?.[1];
    expect(snippet).toBeDefined();
    const entry = (parseYaml(snippet!) as unknown[])[0] as Record<string, unknown>;
    (entry.agentKeys as Array<{ sha256: string }>)[0]!.sha256 = 'a'.repeat(64);
    const policy = { apiVersion: 'keybrake.dev/v1alpha1', kind: 'EgressPolicy', metadata: { name: 'docs' }, spec: { vendors: [entry] } };
    expect(registryValidator().check([{ document: 'docs/vendors.md', value: policy }])).toEqual([]);
  });
});
