// Recipients of an email, as the email vendors bill them: every address in To,
// Cc and Bcc counts (Resend and Postmark both count each one as an email).
// Rules see them as derived fields on the parsed body, so one constraint holds
// for every recipient of every email, in a single send or in a batch:
//   recipients         lowercase addresses, e.g. ["ann@example.com"]
//   recipient_domains  their domains, deduplicated, e.g. ["example.com"]
//   recipient_count    how many addresses: a number `where: {max: …}` can check
// `where` constraints refuse lists, so domain rules use CEL:
//   request.body.recipient_domains.all(d, d in ['example.com'])
import type { ParsedBody } from '../pack.ts';

export const DERIVED_FIELDS = ['recipients', 'recipient_domains', 'recipient_count'] as const;

/**
 * Split an address list on commas outside quotes and angle brackets. Semicolons
 * split too: some servers accept them, and counting one address too many is
 * safer than one too few.
 */
function splitList(list: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  let angle = false;
  for (let i = 0; i < list.length; i++) {
    const ch = list[i]!;
    if (ch === '\\' && quoted) {
      current += ch + (list[++i] ?? '');
      continue;
    }
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === '<') angle = true;
    else if (!quoted && ch === '>') angle = false;
    if ((ch === ',' || ch === ';') && !quoted && !angle) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter(Boolean);
}

/** The bare address of `Name <addr>` or `addr`, lowercased. */
function bareAddress(mailbox: string): string {
  const angled = /<([^<>]*)>\s*$/.exec(mailbox);
  return (angled ? angled[1]! : mailbox).trim().toLowerCase();
}

/** Addresses in one header-style list (`"Doe, J" <j@x.com>, k@y.com`). */
export function parseAddressList(list: string): string[] {
  return splitList(list).map(bareAddress);
}

/**
 * Addresses of a recipient field that is a string or an array of strings
 * (each string may itself be a comma list). Undefined when the field has
 * another type: the caller refuses rather than guess who receives it.
 */
export function addressesOf(field: unknown): string[] | undefined {
  if (field === undefined || field === null) return [];
  if (typeof field === 'string') return parseAddressList(field);
  if (Array.isArray(field) && field.every((v) => typeof v === 'string')) return field.flatMap(parseAddressList);
  return undefined;
}

export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1);
}

export interface Recipients {
  recipients: string[];
  recipient_domains: string[];
  recipient_count: number;
}

export function summarize(addresses: string[]): Recipients {
  return { recipients: addresses, recipient_domains: [...new Set(addresses.map(domainOf))], recipient_count: addresses.length };
}

/** A body that already carries a derived field name could fool a rule: say which, or undefined. */
export function derivedFieldClash(body: Record<string, unknown>): string | undefined {
  return DERIVED_FIELDS.find((name) => Object.hasOwn(body, name));
}

/** The body with the derived recipient fields added (the caller checked for clashes). */
export function withRecipients(body: Record<string, unknown>, addresses: string[]): ParsedBody {
  return { ...body, ...summarize(addresses) };
}
