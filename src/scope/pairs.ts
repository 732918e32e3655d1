// The permission pairs that together let cash leave for good, and the
// amplifiers that widen them. Each says what to split into a second key.
import type { Grade } from './evidence.ts';
import { holds, type Grant } from './grant.ts';

export interface Pair {
  id: 'A' | 'B' | 'C' | 'D';
  title: string;
  /** Any one alternative (every row written) completes the pair. */
  needs: ReadonlyArray<readonly string[]>;
  how: string;
  split: string;
  evidence: readonly Grade[];
  unverified?: string;
}

export const PAIRS: readonly Pair[] = [
  {
    id: 'A',
    title: 'Connected accounts W + Transfers W: mint a payee, then pay it',
    needs: [['connected_account', 'transfer']],
    how: 'POST /v1/accounts creates an account the attacker owns; POST /v1/transfers sends it up to the platform balance. A reversal works only while the account still holds the money.',
    split:
      'Keep Transfers W off this key: give transfers to a second key used by a job that pays only known accounts (keybrake rule: destination in a fixed list).',
    evidence: ['S', 'E'],
    unverified: 'whether new-account KYC or a first-payout delay holds back transfer-funded balances',
  },
  {
    id: 'B',
    title: 'Connected accounts W + Payouts W: swap the payee’s bank, then pay out',
    needs: [['connected_account', 'payout']],
    how: "POST /v1/accounts/{id}/external_accounts with default_for_currency redirects a Custom account's payouts; POST /v1/payouts (instant to a debit card) empties it. Payout reversal covers only US bank accounts, under 90 days, never instant.",
    split:
      'Keep Payouts W (including the Connect permissions column) off the key that manages connected accounts; run payouts from a second key or on a schedule.',
    evidence: ['S', 'inferred'],
    unverified: "the per-row meaning of the dashboard's Connect permissions column",
  },
  {
    id: 'C',
    title: 'Payment intents W or Charges and refunds W + Transfers W: charge saved cards, forward the money',
    needs: [
      ['payment_intent', 'transfer'],
      ['charge', 'transfer'],
    ],
    how: "Charge customers' saved payment methods off-session, then transfer the proceeds to any connected account. Chargebacks land on the platform; the loss is not bounded by the balance.",
    split: 'Put Transfers W on a second key; the key that charges or refunds customers must never move money between accounts.',
    evidence: ['S', 'inferred'],
    unverified: 'whether transfer_data[destination] on a payment intent needs Transfers W (if not, Payment intents W alone reaches this)',
  },
  {
    id: 'D',
    title: 'Issuing cards W + Issuing cardholders W: mint a card, read the number, spend',
    needs: [['issuing_card', 'issuing_cardholder']],
    how: 'Create a cardholder and a virtual card, retrieve the full number and CVC, spend the Issuing balance at a merchant the attacker controls.',
    split: 'Create cardholders from a second key (or by hand); the agent that issues cards must not create the people who hold them.',
    evidence: ['S'],
    unverified: 'how far issuing disputes can recover card spend (treated as irreversible)',
  },
];

export interface FoundPair {
  pair: Pair;
  /** The rows that complete it on this key. */
  rows: readonly string[];
  /** Reached only because API keys W can mint a key holding it. */
  viaApiKeys: boolean;
}

function completed(pair: Pair, grant: Grant): readonly string[] | undefined {
  return pair.needs.find((rows) => rows.every((r) => holds(grant, r, 'write')));
}

/** `grant` as given; `effective` with API keys W expanded to every permission. */
export function findPairs(grant: Grant, effective: Grant): FoundPair[] {
  const found: FoundPair[] = [];
  for (const pair of PAIRS) {
    const direct = completed(pair, grant);
    const reached = direct ?? completed(pair, effective);
    if (reached) found.push({ pair, rows: reached, viaApiKeys: !direct });
  }
  return found;
}

export interface Amplifier {
  id: string;
  text: string;
  evidence: readonly Grade[];
}

/** Amplifiers present on the key; `moneyOut` is the highest money direction (M) it reaches. */
export function findAmplifiers(grant: Grant, maxM: number): Amplifier[] {
  const out: Amplifier[] = [];
  if (holds(grant, 'top_up', 'write')) {
    out.push({
      id: 'top-ups',
      text:
        maxM >= 4
          ? "Top-ups W refills the balance from the merchant's bank: money can leave beyond the current balance (+10)"
          : "Top-ups W debits the merchant's bank into the balance; with Transfers, Connected accounts or Issuing write on the same key it lets losses exceed the balance",
      evidence: ['S'],
    });
  }
  if (holds(grant, 'transfer', 'write')) {
    out.push({
      id: 'transfers-payouts',
      text: "Transfers W may also grant Payouts W (a newer copy of Stripe's reference says so; unverified)",
      evidence: ['S'],
    });
  }
  if (grant.get('api_key') === 'write') {
    out.push({ id: 'api-keys', text: 'API keys W can mint a key with every permission: scored as if it held all of them', evidence: ['P'] });
  }
  if (holds(grant, 'webhook', 'write')) {
    out.push({ id: 'webhooks', text: 'Webhook endpoints W sends every event, with customer data, to any URL and can tamper with fulfilment', evidence: ['S'] });
  }
  return out;
}
