// Evidence grades: every fact in the scope data says where it comes from, so
// the CLI and the page can show a guess as a guess. Grades are those of the
// research behind the picker (stored public copies; the live Stripe Dashboard
// was not checked).

export type Grade = 'S' | 'P' | 'E' | 'inferred';

export const GRADES: Readonly<Record<Grade, string>> = {
  S: "named in Stripe's Stripe Apps permissions reference (the rak_ identifiers RAKs use)",
  P: "accepted by Stripe's Managed API Keys API (a vendor probed each name against a sandbox)",
  E: "named in a real Stripe 'does not have the required permissions' error quoted from a log or an issue",
  inferred: 'reasoned from resource names; no source states it — verify with a test-mode key before relying on it',
};

/** A fact is verified when any source states it; `inferred` alone is not. */
export function isVerified(grades: readonly Grade[]): boolean {
  return grades.some((g) => g !== 'inferred');
}

/** `[S][P]`, `(inferred)`. */
export function gradeLabel(grades: readonly Grade[]): string {
  return grades.map((g) => (g === 'inferred' ? '(inferred)' : `[${g}]`)).join('');
}
