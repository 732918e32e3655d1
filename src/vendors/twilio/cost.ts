// What a Twilio call costs before it is sent. Twilio prices a message only
// after delivery (`price` is null in the create response) and `MaxPrice` is
// obsolete, so keybrake estimates from the policy's unit prices:
//   SMS   segments × `sms` price of the destination country
//   MMS   one `mms` price (MediaUrl present, or SendAsMms=true)
//   other channels (`whatsapp:+…`)  one price named after the channel
//   calls ceil(TimeLimit / 60) minutes × `call_minute` price, else the policy's
//         maxCallMinutes, else unknown
// Prices are looked up per destination (`byCountry` E.164 prefixes, longest
// wins, else `default`); a missing price makes the cost unknown (refused).
import type { CostEstimate, Operation, ParsedBody, PriceContext } from '../pack.ts';
import { majorToMinorCeil, priceUnits } from '../unit-prices.ts';
import { countSegments } from './segments.ts';
import { paramOf } from '../param-names.ts';
import { textParam } from './body.ts';

/** Price names a Twilio policy may set in `unitPrices`. */
export const TWILIO_PRICE_NAMES = ['sms', 'mms', 'call_minute', 'whatsapp', 'messenger', 'rcs'] as const;
const CHANNELS = new Set(['whatsapp', 'messenger', 'rcs']);

function mediaUrls(body: ParsedBody): string[] {
  const value = paramOf(body, 'MediaUrl');
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v !== '');
  return typeof value === 'string' && value !== '' ? [value] : [];
}

function priced(name: string, count: number, to: string, prices: PriceContext, units: Record<string, number>): CostEstimate {
  const price = priceUnits(prices.unitPrices, name, count, to);
  return price.ok ? { kind: 'amount', amount: price.amount, currency: price.currency, units } : { kind: 'unknown', reason: price.reason };
}

function messageCost(body: ParsedBody, prices: PriceContext): CostEstimate {
  const to = textParam(body, 'To');
  if (!to) return { kind: 'unknown', reason: 'the message has no To, so its destination price is unknown' };
  const channel = /^([a-z]+):/i.exec(to)?.[1]?.toLowerCase();
  if (channel) {
    if (!CHANNELS.has(channel)) return { kind: 'unknown', reason: `keybrake has no price model for the "${channel.slice(0, 20)}:" channel` };
    return priced(channel, 1, to, prices, { messages: 1 });
  }
  if (mediaUrls(body).length > 0 || textParam(body, 'SendAsMms')?.toLowerCase() === 'true') {
    return priced('mms', 1, to, prices, { messages: 1, mms: 1 });
  }
  const messageBody = textParam(body, 'Body');
  if (messageBody === undefined && textParam(body, 'ContentSid')) {
    return {
      kind: 'unknown',
      reason: 'an SMS sent from a ContentSid template has a length keybrake cannot see, so its segments are unknown; send the text in Body',
    };
  }
  const { segments } = countSegments(messageBody ?? '');
  return priced('sms', segments, to, prices, { messages: 1, segments });
}

function callCost(body: ParsedBody, prices: PriceContext): CostEstimate {
  const to = textParam(body, 'To');
  if (!to) return { kind: 'unknown', reason: 'the call has no To, so its destination price is unknown' };
  const limit = textParam(body, 'TimeLimit');
  let minutes: number;
  if (limit !== undefined) {
    if (!/^[1-9]\d{0,6}$/.test(limit)) return { kind: 'unknown', reason: `TimeLimit "${limit.slice(0, 20)}" is not a positive whole number of seconds` };
    minutes = Math.ceil(Number(limit) / 60);
  } else if (prices.maxCallMinutes !== undefined) {
    minutes = prices.maxCallMinutes;
  } else {
    return {
      kind: 'unknown',
      reason: 'a call without TimeLimit can last hours, so its cost is unknown: set TimeLimit (seconds) on the call, or maxCallMinutes in the policy',
    };
  }
  return priced('call_minute', minutes, to, prices, { calls: 1, minutes });
}

/** Hanging up or cancelling is free; new TwiML or a new Url can dial anyone, which keybrake cannot price. */
function callUpdateCost(body: ParsedBody): CostEstimate {
  const redirects = ['Url', 'Twiml'].some((key) => paramOf(body, key) !== undefined);
  if (!redirects) return { kind: 'free' };
  return { kind: 'unknown', reason: 'a call update with new Url or Twiml can place further calls that keybrake cannot price; only Status updates are allowed' };
}

export function estimateTwilioCost(op: Operation, body: ParsedBody, prices: PriceContext): CostEstimate {
  switch (op.id) {
    case 'messages.create':
      return messageCost(body, prices);
    case 'calls.create':
      return callCost(body, prices);
    case 'calls.update':
      return callUpdateCost(body);
    default:
      return op.billable ? { kind: 'unknown', reason: `keybrake has no cost model for twilio:${op.id}` } : { kind: 'free' };
  }
}

/**
 * The real price once Twilio reports it: `price` is a negative decimal string
 * in `price_unit` ("-0.00750", "USD"), usually null at create time, in which
 * case the estimate stands.
 */
export function twilioSettledAmount(response: unknown): { amount: number; currency: string } | undefined {
  if (typeof response !== 'object' || response === null) return undefined;
  const { price, price_unit: unit } = response as { price?: unknown; price_unit?: unknown };
  if (typeof price !== 'string' || price.trim() === '' || typeof unit !== 'string' || unit === '') return undefined;
  const currency = unit.toLowerCase();
  const amount = majorToMinorCeil(price, currency);
  return amount === undefined ? undefined : { amount, currency };
}
