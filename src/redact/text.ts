// Masks card numbers and secrets in a string: the audit redacts every record
// with it, and policy refusal messages that quote the agent's own values pass
// through it too. A leaf: it knows strings, not records.

/**
 * One separator between the digit groups of a card number, whatever the writer
 * used: any character that is neither a letter nor a digit (space, dot, dash,
 * slash, newline, tab, ...), a percent-escape (`%20`, `%2E`, `%0A`: paths and
 * forms arrive encoded) or a JSON/JS escape (`\n`, `\u0020`: text that was
 * escaped before it got here). Up to four in a row. Redaction works on the
 * canonical digits: the separators never decide whether a number is a card.
 */
const SEP = String.raw`(?:[^0-9A-Za-z%\\]|%[0-9A-Fa-f]{2}|\\[nrtbf]|\\u[0-9A-Fa-f]{4}){1,4}`;
/**
 * Digit groups joined by separators. The first alternative swallows every
 * other %XX escape whole, so the "20" of a "%20" never glues onto the digits
 * after it.
 */
const DIGIT_RUNS = new RegExp(String.raw`%[0-9A-Fa-f]{2}|\d+(?:${SEP}\d+)*`, 'g');
const SEP_SPLIT = new RegExp(`(${SEP})`);
const MIN_PAN = 13;
const MAX_PAN = 19;
const KEEP_LAST = 4;

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * Masks the card numbers in one run of digit groups: the longest span of whole
 * groups, from each start, with 13–19 digits passing Luhn. A span is whole
 * groups so "order 12 4242424242424242" masks the card and keeps the 12. Every
 * digit of the span but the last four becomes '*'; separators stay as written.
 */
function maskRun(run: string): string {
  // split() with a capturing separator alternates group, separator, group, …
  const parts = run.split(SEP_SPLIT);
  const groups = parts.filter((_, k) => k % 2 === 0);
  const masked = new Set<number>(); // indexes into `groups`
  const keepFrom = new Map<number, number>(); // group index → digits of it kept at its end
  for (let i = 0; i < groups.length;) {
    let digits = '';
    let end = -1;
    for (let j = i; j < groups.length; j++) {
      digits += groups[j]!;
      if (digits.length > MAX_PAN) break;
      if (digits.length >= MIN_PAN && luhnValid(digits)) end = j;
    }
    if (end < 0) {
      i++;
      continue;
    }
    // The last four digits of the span stay readable, wherever the group boundaries fall.
    let keep = KEEP_LAST;
    for (let g = end; g >= i; g--) {
      masked.add(g);
      const kept = Math.min(keep, groups[g]!.length);
      keepFrom.set(g, kept);
      keep -= kept;
    }
    i = end + 1;
  }
  if (masked.size === 0) return run;
  return parts
    .map((part, k) => {
      if (k % 2 === 1 || !masked.has(k / 2)) return part;
      const kept = keepFrom.get(k / 2) ?? 0;
      return '*'.repeat(part.length - kept) + part.slice(part.length - kept);
    })
    .join('');
}

const REDACTED = '[redacted]';

/** Secret shapes. Each keeps its prefix so the reader still sees what kind of value was there. */
const SECRETS: ReadonlyArray<[RegExp, string]> = [
  // Stripe secret and restricted keys, webhook signing secrets.
  [/\b((?:sk|rk)_(?:live|test)_)[A-Za-z0-9]+/g, `$1${REDACTED}`],
  [/(?<![A-Za-z0-9])(rk_)[A-Za-z0-9_]{8,}/g, `$1${REDACTED}`],
  [/(whsec_)[A-Za-z0-9+/=]+/g, `$1${REDACTED}`],
  // keybrake agent keys and Resend API keys.
  [/(?<![A-Za-z0-9])(kb_)[A-Za-z0-9_-]{8,}/g, `$1${REDACTED}`],
  [/(?<![A-Za-z0-9])(re_)[A-Za-z0-9_]{16,}/g, `$1${REDACTED}`],
  // Authorization header values.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  // Credentials in a query string.
  [/([?&](?:api_?key|access_token|auth_token|token|secret|password)=)[^&#\s]+/gi, `$1${REDACTED}`],
  // Twilio auth tokens (and any other bare 32-hex secret). A Twilio SID (AC/SK + 32 hex) is not matched: a letter precedes it.
  [/(?<![A-Za-z0-9])[0-9a-f]{32}(?![A-Za-z0-9])/g, REDACTED],
];

/**
 * What every secret shape above contains somewhere. Redaction runs on the request
 * path for ~20 fields per call: one test lets the usual field skip the eight
 * patterns (with mayHoldCard, a typical record went from ~85 to ~10 µs).
 * Keep it a superset when adding a shape.
 */
const SECRET_HINT = /(?:sk|rk|kb|re|whsec)_|bearer|basic|[?&]|[0-9a-f]{32}/i;

/** A card number needs at least MIN_PAN digits; most fields have far fewer. */
function mayHoldCard(text: string): boolean {
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57 && ++digits >= MIN_PAN) return true;
  }
  return false;
}

/** Masks secrets, then card numbers, in one string. */
export function redactString(text: string): string {
  let out = text;
  if (SECRET_HINT.test(out)) {
    for (const [pattern, replacement] of SECRETS) out = out.replace(pattern, replacement);
  }
  return mayHoldCard(out) ? out.replace(DIGIT_RUNS, (run) => (run.startsWith('%') ? run : maskRun(run))) : out;
}
