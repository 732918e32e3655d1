// What keybrake knows of each Shopify Admin GraphQL mutation that moves money:
// how to price it from its arguments (decimal strings → exact minor units)
// and where its payload says what actually moved. Input shapes are from the
// GraphQL Admin reference (docs/vendors.md grades each one). Mutations not
// listed here move no money by themselves; those listed with no price are
// refused, never counted as free.
import { currencyOf, sumMinor, toMinor, type Minor } from './money.ts';
import { isPlainObject } from '../../guards.ts';

export type CallCost =
  | { kind: 'amount'; amount: number; currency: string }
  | { kind: 'free' }
  | { kind: 'unknown'; reason: string }
  /** The amount is on an object the shop holds: read `money` (a MoneyBag path) of node `id` (cost.ts batches them into one query). */
  | { kind: 'lookup'; id: string; type: 'DraftOrder' | 'Order'; money: readonly string[] };

export interface PriceInput {
  args: Record<string, unknown>;
  /** The policy's shopCurrency: what an amount without a currency code is in. */
  shopCurrency: string | undefined;
  /** A request or unit cap counts this mutation, so an unpriceable one may lean on it. */
  counted: boolean;
}

interface MutationModel {
  price(input: PriceInput): CallCost;
  /** Path in the payload to a MoneyV2 `{amount, currencyCode}` that says what moved. */
  settled?: readonly string[];
}

export const obj = (value: unknown): Record<string, unknown> => (isPlainObject(value) ? value : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** A MoneyInput `{amount, currencyCode}`. */
function moneyInput(value: unknown, where: string): Minor {
  const money = obj(value);
  const currency = currencyOf(money.currencyCode);
  if (!currency) return { ok: false, reason: `${where}.currencyCode is missing or not a currency code` };
  return toMinor(money.amount, currency, `${where}.amount`);
}

function shopAmount(value: unknown, currencyCode: unknown, shopCurrency: string | undefined, where: string): Minor {
  const currency = currencyOf(currencyCode) ?? shopCurrency;
  if (!currency) return { ok: false, reason: `${where} names no currency and the policy sets no shopCurrency` };
  return toMinor(value, currency, where);
}

function asCost(minor: Minor): CallCost {
  return minor.ok ? { kind: 'amount', amount: minor.amount, currency: minor.currency } : { kind: 'unknown', reason: minor.reason };
}

/** A sum over a list that may be empty: no element moves no money. */
function sumOrZero(items: Minor[], currency: string | undefined): CallCost {
  if (items.length === 0) return currency ? { kind: 'amount', amount: 0, currency } : { kind: 'free' };
  return asCost(sumMinor(items, 'no amount'));
}

const refundCreate: MutationModel = {
  price: ({ args, shopCurrency }) => {
    const input = obj(args.input);
    const currency = currencyOf(input.currency) ?? shopCurrency;
    const items = list(input.transactions).map((t, i) => shopAmount(obj(t).amount, input.currency, shopCurrency, `input.transactions[${i}].amount`));
    list(input.refundMethods).forEach((m, i) => {
      const credit = obj(m).storeCreditRefund;
      if (credit !== undefined) items.push(moneyInput(obj(credit).amount, `input.refundMethods[${i}].storeCreditRefund.amount`));
    });
    return sumOrZero(items, currency);
  },
  settled: ['refund', 'totalRefundedSet', 'shopMoney'],
};

const returnRefund: MutationModel = {
  price: ({ args, shopCurrency }) => {
    const input = obj(args.returnRefundInput);
    const items = list(input.orderTransactions).map((t, i) =>
      moneyInput(obj(t).transactionAmount, `returnRefundInput.orderTransactions[${i}].transactionAmount`),
    );
    return sumOrZero(items, shopCurrency);
  },
  settled: ['refund', 'totalRefundedSet', 'shopMoney'],
};

const giftCardCreate: MutationModel = {
  price: ({ args, shopCurrency }) => asCost(shopAmount(obj(args.input).initialValue, undefined, shopCurrency, 'input.initialValue')),
  settled: ['giftCard', 'initialValue'],
};

const giftCardCredit: MutationModel = {
  price: ({ args }) => asCost(moneyInput(obj(args.creditInput).creditAmount, 'creditInput.creditAmount')),
  settled: ['giftCardCreditTransaction', 'amount'],
};

const storeCreditAccountCredit: MutationModel = {
  price: ({ args }) => asCost(moneyInput(obj(args.creditInput).creditAmount, 'creditInput.creditAmount')),
  settled: ['storeCreditAccountTransaction', 'amount'],
};

const orderCapture: MutationModel = {
  price: ({ args, shopCurrency }) => {
    const input = obj(args.input);
    return asCost(shopAmount(input.amount, input.currency, shopCurrency, 'input.amount'));
  },
  settled: ['transaction', 'amountSet', 'shopMoney'],
};

const UNPRICEABLE_DISCOUNT =
  "depends on the orders it will apply to, which keybrake cannot know; count these discounts with a maxRequests cap (or maxUnits of 'mutations') limited to this operation";

/**
 * A basic discount's value (`customerGets.value`): a fixed amount costs that
 * amount per use (usageLimit, else once); a percentage, an amount on each item
 * or a quantity discount cannot be priced, so only a request cap can bound them.
 */
function discount(argument: string, usesLimit: boolean): MutationModel {
  return {
    price: ({ args, shopCurrency, counted }) => {
      const input = obj(args[argument]);
      const value = input.customerGets === undefined ? undefined : obj(obj(input.customerGets).value);
      if (value === undefined) return { kind: 'free' }; // an update that leaves the value alone
      const where = `${argument}.customerGets.value`;
      const fixed = value.discountAmount === undefined ? undefined : obj(value.discountAmount);
      if (fixed && fixed.appliesOnEachItem !== true) {
        const once = shopAmount(fixed.amount, undefined, shopCurrency, `${where}.discountAmount.amount`);
        const uses = usesLimit ? usageLimit(input.usageLimit) : 1;
        if (!once.ok) return asCost(once);
        if (uses === undefined) return { kind: 'unknown', reason: `${argument}.usageLimit must be a positive whole number when set` };
        return { kind: 'amount', amount: once.amount * uses, currency: once.currency };
      }
      const what = fixed ? 'an amount off each item' : value.percentage !== undefined ? 'a percentage discount' : 'this discount value';
      return counted ? { kind: 'free' } : { kind: 'unknown', reason: `the cost of ${what} ${UNPRICEABLE_DISCOUNT}` };
    },
  };
}

/** A code's usageLimit: how many times its amount can be spent (absent: counted once). */
function usageLimit(value: unknown): number | undefined {
  if (value === undefined || value === null) return 1;
  const n = typeof value === 'string' && /^[1-9][0-9]{0,8}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 1 ? n : undefined;
}

/** The draft order's or order's total, read before forwarding (the request does not carry it). */
function lookedUp(
  type: 'DraftOrder' | 'Order',
  money: readonly string[],
  id: (args: Record<string, unknown>) => unknown,
  settled?: readonly string[],
): MutationModel {
  return {
    price: ({ args }) => {
      const value = id(args);
      if (typeof value !== 'string' || !/^gid:\/\/shopify\/[A-Za-z]+\/[0-9]+$/.test(value)) {
        return { kind: 'unknown', reason: `the ${type} id must be a gid://shopify/${type}/<number> string` };
      }
      return { kind: 'lookup', id: value, type, money };
    },
    ...(settled ? { settled } : {}),
  };
}

function unpriced(reason: string): MutationModel {
  return { price: () => ({ kind: 'unknown', reason }) };
}

/** A discount kind keybrake cannot price: only a request cap can bound it. */
function countedDiscount(what: string): MutationModel {
  return { price: ({ counted }) => (counted ? { kind: 'free' } : { kind: 'unknown', reason: `the cost of ${what} ${UNPRICEABLE_DISCOUNT}` }) };
}

export const MUTATIONS: Readonly<Record<string, MutationModel>> = {
  refundCreate,
  returnRefund,
  giftCardCreate,
  giftCardCredit,
  storeCreditAccountCredit,
  orderCapture,
  discountCodeBasicCreate: discount('basicCodeDiscount', true),
  discountCodeBasicUpdate: discount('basicCodeDiscount', true),
  discountAutomaticBasicCreate: discount('automaticBasicDiscount', false),
  discountAutomaticBasicUpdate: discount('automaticBasicDiscount', false),
  // Completing a draft creates an order for its total; marking an order paid records its outstanding amount.
  draftOrderComplete: lookedUp('DraftOrder', ['totalPriceSet', 'shopMoney'], (a) => a.id, ['draftOrder', 'totalPriceSet', 'shopMoney']),
  orderMarkAsPaid: lookedUp('Order', ['totalOutstandingSet', 'shopMoney'], (a) => obj(a.input).id),
  orderCreateManualPayment: unpriced('keybrake has no cost model for a manual payment yet'),
  orderCreate: unpriced('an order created through the API can be marked paid or fulfilled without payment; keybrake has no cost model for it'),
  orderEditCommit: unpriced('an order edit can lower what the customer pays; keybrake has no cost model for it'),
  returnProcess: unpriced('keybrake has no cost model for returnProcess; use returnRefund'),
  subscriptionBillingAttemptCreate: unpriced('a billing attempt charges the contract amount, which keybrake does not look up'),
  discountCodeBxgyCreate: countedDiscount('a buy-X-get-Y discount'),
  discountAutomaticBxgyCreate: countedDiscount('a buy-X-get-Y discount'),
  discountCodeFreeShippingCreate: countedDiscount('a free-shipping discount'),
  discountAutomaticFreeShippingCreate: countedDiscount('a free-shipping discount'),
  discountCodeAppCreate: countedDiscount('an app discount'),
  discountAutomaticAppCreate: countedDiscount('an app discount'),
};

/** The model of `field`, when keybrake knows it moves money. */
export function mutationModel(field: string): MutationModel | undefined {
  return Object.hasOwn(MUTATIONS, field) ? MUTATIONS[field] : undefined;
}
