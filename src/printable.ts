// Text an agent or a vendor controls (parameter names, run ids, refusal
// reasons, kill reasons) is printed to operators' terminals by `keybrake
// audit`, `status`, `kill`. A raw ESC there is a terminal escape sequence:
// it can rewrite the screen, hide rows or set the window title. Every
// human-facing output passes such text through printable(), which shows each
// control character as a visible escape instead.

/**
 * C0 controls and DEL, C1 controls (0x9B is a one-byte CSI), and the Unicode
 * bidirectional overrides and isolates that reorder what a terminal shows.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function printable(text: string): string {
  return text.replace(CONTROL, (ch) => {
    const code = ch.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** What JSON.stringify leaves raw inside strings: DEL, C1 and the bidi controls (C0 it escapes itself). */
const CONTROL_AFTER_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** For JSON text (formatting newlines stay): the controls JSON leaves raw become \uXXXX, still valid JSON. */
export function printableJson(json: string): string {
  return json.replace(CONTROL_AFTER_JSON, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
