// SMS segment counting, as carriers bill it: GSM-7 when every
// character is in the GSM 03.38 alphabet (160 per message, 153 per part once
// concatenated), otherwise UCS-2 for the whole message (70, 67 per part).
// Extended GSM characters take two septets (escape + char) and surrogate pairs
// two UTF-16 units; neither is split across parts, which is why parts are
// packed greedily instead of dividing a total.

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SegmentCount {
  encoding: SmsEncoding;
  segments: number;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2) the body takes. */
  units: number;
}

const GSM7_BASIC = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' + '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
// Reached through the escape code, so each costs two septets. \f is in the table too.
const GSM7_EXTENDED = '^{}\\[~]|€\f';

const BASIC = new Set(GSM7_BASIC);
const EXTENDED = new Set(GSM7_EXTENDED);

const LIMITS: Record<SmsEncoding, { single: number; part: number }> = {
  'GSM-7': { single: 160, part: 153 },
  'UCS-2': { single: 70, part: 67 },
};

/** Width of each character in the message's encoding; undefined when GSM-7 cannot carry it. */
function gsm7Widths(text: string): number[] | undefined {
  const widths: number[] = [];
  for (const ch of text) {
    if (BASIC.has(ch)) widths.push(1);
    else if (EXTENDED.has(ch)) widths.push(2);
    else return undefined;
  }
  return widths;
}

function ucs2Widths(text: string): number[] {
  // Iterating a string yields code points: an astral one (emoji) is two UTF-16 units.
  return Array.from(text, (ch) => ch.length);
}

/** Parts needed when no character may straddle two parts. */
function packParts(widths: number[], capacity: number): number {
  let parts = 1;
  let used = 0;
  for (const w of widths) {
    if (used + w > capacity) {
      parts++;
      used = 0;
    }
    used += w;
  }
  return parts;
}

export function countSegments(text: string): SegmentCount {
  const gsm = gsm7Widths(text);
  const encoding: SmsEncoding = gsm ? 'GSM-7' : 'UCS-2';
  const widths = gsm ?? ucs2Widths(text);
  const units = widths.reduce((a, b) => a + b, 0);
  const limit = LIMITS[encoding];
  // An empty body is still one (empty) message.
  const segments = units <= limit.single ? 1 : packParts(widths, limit.part);
  return { encoding, segments, units };
}
