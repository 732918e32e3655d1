// Every regular expression a policy carries (`where.<field>.matches`) runs on
// RE2 (@bufbuild/re2, the engine CEL's matches() already uses): matching time
// is linear in the input, so no pattern and no agent-sent value can make it
// backtrack (`^(a+)+$` against "aaaa…!" froze the JavaScript engine for
// seconds per call). RE2 syntax has no backreferences or lookaround; a
// pattern using them is refused when the policy is validated.
import { RE2JS } from '@bufbuild/re2';

export interface PolicyRegex {
  readonly source: string;
  /** True when the pattern matches anywhere in `text` (like RegExp.prototype.test). */
  test(text: string): boolean;
}

/** Compiles with RE2; throws an Error whose message says what is wrong with the pattern. */
export function compilePolicyRegex(pattern: string): PolicyRegex {
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (err) {
    throw new Error(`${(err as Error).message} (policy patterns use RE2 syntax: no backreferences or lookaround)`, { cause: err });
  }
  return { source: pattern, test: (text) => re.test(text) };
}
