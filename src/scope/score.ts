// The explainable blast-radius score of a key:
//   max over writes of M·R·10  +  5·max P  +  10·[escalation]  +  25·[any pair A–D]
//   + 10·[Top-ups W with M ≥ 4], capped at 100.
// Tiers: 0–9 low, 10–29 medium, 30–49 high, 50+ critical; any pair forces critical.
// It bounds what the grant allows; it is not a spend cap (Stripe keys have none).
import { effectiveGrant, holds, type Grant } from './grant.ts';
import { findAmplifiers, findPairs, type Amplifier, type FoundPair } from './pairs.ts';
import { permissionRow } from './permissions.ts';
import { CEILINGS, DATA, DATA_TEXT, ESCALATION, MONEY, type MoneyRisk } from './risk.ts';

export type Tier = 'low' | 'medium' | 'high' | 'critical';

export interface Reason {
  axis: 'money' | 'reversibility' | 'ceiling' | 'data' | 'escalation' | 'pairs' | 'top-ups';
  points: number;
  text: string;
}

export interface Score {
  score: number;
  tier: Tier;
  reasons: Reason[];
  pairs: FoundPair[];
  amplifiers: Amplifier[];
}

export function tierOf(score: number, anyPair: boolean): Tier {
  if (anyPair || score >= 50) return 'critical';
  if (score >= 30) return 'high';
  return score >= 10 ? 'medium' : 'low';
}

/** The write whose M·R is highest (ties: higher M). */
function worstMoney(grant: Grant): { id: string; risk: MoneyRisk } | undefined {
  let worst: { id: string; risk: MoneyRisk } | undefined;
  for (const [id, risk] of Object.entries(MONEY)) {
    if (!holds(grant, id, 'write')) continue;
    const better = !worst || risk.m * risk.r > worst.risk.m * worst.risk.r || (risk.m * risk.r === worst.risk.m * worst.risk.r && risk.m > worst.risk.m);
    if (better) worst = { id, risk };
  }
  return worst;
}

function widestCeiling(grant: Grant, maxM: number): keyof typeof CEILINGS {
  let ceiling: keyof typeof CEILINGS = 'none';
  for (const [id, risk] of Object.entries(MONEY)) {
    if (holds(grant, id, 'write') && CEILINGS[risk.ceiling].step > CEILINGS[ceiling].step) ceiling = risk.ceiling;
  }
  if (maxM >= 3 && holds(grant, 'top_up', 'write') && CEILINGS.bank.step > CEILINGS[ceiling].step) ceiling = 'bank';
  return ceiling;
}

function worstData(grant: Grant): { level: 0 | 1 | 2 | 3; rows: string[] } {
  let level: 0 | 1 | 2 | 3 = 0;
  let rows: string[] = [];
  for (const id of grant.keys()) {
    const p = (Object.hasOwn(DATA, id) ? DATA[id] : undefined) ?? 1;
    if (p > level) [level, rows] = [p, [id]];
    else if (p === level) rows.push(id);
  }
  return { level, rows };
}

const labels = (ids: readonly string[]) => ids.map((id) => permissionRow(id).label).join(', ');

export function scoreGrant(given: Grant): Score {
  const grant = effectiveGrant(given);
  const expanded = grant !== given;
  const money = worstMoney(grant);
  const m = money?.risk.m ?? 0;
  const moneyPoints = money ? money.risk.m * money.risk.r * 10 : 0;
  const data = worstData(grant);
  const escalations = Object.keys(ESCALATION).filter((id) => holds(given, id, 'write'));
  const pairs = findPairs(given, grant);
  const amplifiers = findAmplifiers(given, m);
  const topUpBonus = m >= 4 && holds(grant, 'top_up', 'write') ? 10 : 0;
  const ceiling = widestCeiling(grant, m);
  const prefix = expanded ? 'as every permission (API keys W): ' : '';

  const reasons: Reason[] = [
    {
      axis: 'money',
      points: moneyPoints,
      text: money ? `M ${m} × R ${money.risk.r} × 10 = ${moneyPoints}: ${prefix}${money.risk.why}` : 'M 0: no permission on this key moves money',
    },
    { axis: 'reversibility', points: 0, text: money ? `×${money.risk.r}: ${money.risk.rWhy}` : 'nothing to reverse' },
    { axis: 'ceiling', points: 0, text: `loss is bounded by ${CEILINGS[ceiling].text}` },
    {
      axis: 'data',
      points: 5 * data.level,
      text: data.level ? `P ${data.level}: ${DATA_TEXT[data.level]} (${labels(data.rows)})` : 'P 0: reads nothing',
    },
    {
      axis: 'escalation',
      points: escalations.length ? 10 : 0,
      text: escalations.length ? escalations.map((id) => ESCALATION[id]).join('; ') : 'none: cannot create keys, webhooks, payees or secrets',
    },
  ];
  if (pairs.length) {
    reasons.push({ axis: 'pairs', points: 25, text: `exfiltration pair ${pairs.map((p) => p.pair.id).join(', ')}: forces critical` });
  }
  if (topUpBonus) reasons.push({ axis: 'top-ups', points: topUpBonus, text: "Top-ups W lets money leave beyond the balance, pulled from the merchant's bank" });

  const score = Math.min(100, Math.round(reasons.reduce((sum, r) => sum + r.points, 0)));
  return { score, tier: tierOf(score, pairs.length > 0), reasons, pairs, amplifiers };
}
