// What a Resend call costs before it is sent: `email` price × recipients
// (Resend counts each To, Cc and Bcc address as one email), with
// `units: {emails, recipients}` for maxUnits caps. Sends whose recipients
// keybrake cannot see (broadcasts to a segment, thread replies) are unknown,
// hence refused.
import type { CostEstimate, Operation, ParsedBody, PriceContext } from '../pack.ts';
import type { BodyShape } from '../email/parse.ts';
import { estimateEmailCost } from '../email/cost.ts';

const SEGMENT_SIZE_UNKNOWN = 'a broadcast goes to every contact of a segment, which keybrake cannot count';

export function estimateResendCost(op: Operation, shape: BodyShape, body: ParsedBody, prices: PriceContext): CostEstimate {
  switch (op.id) {
    case 'broadcasts.create':
      // A draft costs nothing; `send: true` sends it to the whole segment at once.
      if (body.send === undefined || body.send === false) return { kind: 'free' };
      return { kind: 'unknown', reason: `${SEGMENT_SIZE_UNKNOWN}; create it without send: true` };
    case 'broadcasts.send':
      return { kind: 'unknown', reason: SEGMENT_SIZE_UNKNOWN };
    case 'inboxes.threads.emails.reply':
      return { kind: 'unknown', reason: "a reply goes to the thread's participants, which keybrake cannot see; use emails.send with explicit recipients" };
    default:
      return estimateEmailCost('resend', op, shape, body, prices);
  }
}
