import { describe, expect, it } from 'vitest';
import { redactRecord } from '../../src/audit/redact.ts';
import { luhnValid, redactString } from '../../src/redact/text.ts';
import { record } from './records.ts';
import { FAKE_RK_LIVE, FAKE_SK_LIVE, FAKE_SK_LIVE_SHORT } from '../fixtures/fake-keys.ts';

/** Appends the Luhn check digit to a digit string. */
function withCheckDigit(body: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(body + d)) return body + d;
  throw new Error('unreachable');
}

const CARDS = [
  '4242424242424242', // Visa, 16
  '5555555555554444', // Mastercard
  '378282246310005', // Amex, 15
  '6011111111111117', // Discover
  '4222222222222', // 13 digits
  withCheckDigit('622126000000000000'), // 19 digits
];

describe('card numbers', () => {
  it.each(CARDS)('masks %s wherever it appears, keeping the last four', (card) => {
    for (const text of [card, `pay ${card} now`, `cus_${card}x`, `metadata[card]=${card}&a=1`]) {
      const out = redactString(text);
      expect(out).not.toContain(card);
      expect(out).toContain(card.slice(-4));
    }
  });

  it('masks cards written with spaces, dashes and URL-encoded separators', () => {
    const cases = [
      '4242 4242 4242 4242',
      '4242-4242-4242-4242',
      '3782 822463 10005',
      '/v1/x?card=4242+4242+4242+4242',
      '/v1/x?card=4242%204242%204242%204242',
      '/v1/x?q=note%204242424242424242',
    ];
    for (const text of cases) {
      const out = redactString(text);
      expect(out.replace(/\D/g, '')).not.toContain('424242424242');
      expect(out).not.toMatch(/4242[ +-]4242|4242%204242/);
    }
    expect(redactString('card 4242 4242 4242 4242 ok')).toBe('card **** **** **** 4242 ok');
  });

  it('masks the card and keeps a neighbouring number in the same run', () => {
    expect(redactString('order 12 4242424242424242')).toBe('order 12 ************4242');
  });

  it('keeps digit runs that are not Luhn-valid or not 13–19 digits', () => {
    const kept = [
      '4242424242424241', // fails Luhn
      '+14155550100', // phone number, 11 digits
      '123456789012', // 12 digits
      '12345678901234567890123', // 23 digits: an id, not a card
      '2024-03-01T10:00:00.000Z',
      'cus_ABC123 amount=5000',
    ];
    for (const text of kept) expect(redactString(text)).toBe(text);
  });
});

describe('secrets', () => {
  it.each([
    [FAKE_SK_LIVE, 'sk_live_'],
    ['sk_test_4eC39HqLyjWDarjtT1zdp7dc', 'sk_test_'],
    [FAKE_RK_LIVE, 'rk_live_'],
    ['rk_prod_abcdef0123456789', 'rk_'],
    ['kb_support1_Zq3xJ9vT2mWk8LpR', 'kb_'],
    ['whsec_abcdefABCDEF0123456789', 'whsec_'],
    ['re_123456789_abcdefghijklmnopqrstuvwx', 're_'],
  ])('masks %s and keeps its prefix', (secret, prefix) => {
    const out = redactString(`key=${secret} end`);
    expect(out).not.toContain(secret);
    expect(out).toBe(`key=${prefix}[redacted] end`);
  });

  it('masks bearer and basic credentials, query-string tokens and Twilio auth tokens', () => {
    expect(redactString('Authorization: Bearer eyJhbGciOi.J9.abc')).toBe('Authorization: Bearer [redacted]');
    expect(redactString('Basic QUMxMjM6c2VjcmV0')).toBe('Basic [redacted]');
    expect(redactString('/v1/x?api_key=abc123&limit=3')).toBe('/v1/x?api_key=[redacted]&limit=3');
    expect(redactString('token 9f86d081884c7d659a2feaa0c55ad015 failed')).toBe('token [redacted] failed');
  });

  it('keeps Twilio SIDs, hashes and ordinary words', () => {
    const path = '/2010-04-01/Accounts/AC9f86d081884c7d659a2feaa0c55ad015/Messages.json';
    expect(redactString(path)).toBe(path);
    expect(redactString('work_item_12345678 and desk_b')).toBe('work_item_12345678 and desk_b');
  });
});

describe('redactRecord', () => {
  it('redacts every string field and leaves numbers, time and the body hash alone', () => {
    const sha = 'a'.repeat(24) + '4242424242424242' + 'b'.repeat(24);
    const input = record({
      path: '/v1/customers/cus_1?card=4242%204242%204242%204242',
      reason: `metadata.card_number=5555-5555-5555-4444 refused; key ${FAKE_SK_LIVE_SHORT}`,
      idempotencyKey: 'idem-378282246310005',
      runId: 'run 6011 1111 1111 1117',
      vendorRequestId: 'req_4242424242424242',
      agentKeyId: 'kb_abcdefghijklmnop',
      bodySha256: sha,
      amount: 4242424242424242 % 1_000_000,
    });
    const out = redactRecord(input);
    const text = JSON.stringify(out);
    for (const secret of ['4242 4242', '5555-5555', '378282246310005', '6011 1111', '4242424242424242"', 'sk_live_abc', 'kb_abcdefgh']) {
      expect(text).not.toContain(secret);
    }
    expect(out.bodySha256).toBe(sha);
    expect(out.time).toBe(input.time);
    expect(out.amount).toBe(input.amount);
    expect(out.eventId).toBe(input.eventId);
    expect(input.reason).toContain('5555-5555-5555-4444'); // the input is not mutated
  });
});
