// The scope report as plain text for a terminal: the permission table, then
// warnings, score, pairs, link and the EgressPolicy YAML.
import { gradeLabel, isVerified } from './evidence.ts';
import type { ScopeReport } from './report.ts';
import { USE_CASES } from './use-cases.ts';

const LEVEL = { read: 'Read', write: 'Write' } as const;

function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

export function formatUseCaseList(): string {
  const rows = USE_CASES.map((u, i) => [String(i + 1).padStart(2), u.id, u.title]);
  return `${table([['#', 'use case', 'what the agent does'], ...rows]).join('\n')}\n`;
}

export function formatReport(r: ScopeReport): string {
  const out: string[] = [];
  const heading = r.useCases.length ? r.useCases.map((u) => u.id).join(' + ') : 'the given key';
  out.push(`Stripe Restricted Key for ${heading}`, '');
  const rows = r.permissions.map((p) => [p.label, LEVEL[p.level], p.slug, `${gradeLabel(p.evidence)}${p.verified ? '' : ' UNVERIFIED'}`]);
  out.push(...table([['Permission', 'Access', 'Slug', 'Evidence'], ...rows]));
  out.push(`(every other row, ${r.noneCount} of them: None)`);
  for (const p of r.permissions.filter((x) => x.note)) out.push(`  * ${p.label}: ${p.note}`);
  const guessed = r.operations.filter((o) => !isVerified(o.evidence)).length;
  if (guessed) {
    out.push(
      `  * ${guessed} of the ${r.operations.length} endpoint → permission mappings are inferred from resource names (unverified;`,
      '    --format json lists each). Check them with a test-mode key: Stripe names the missing rak_ permission even for a fake id.',
    );
  }
  out.push('');

  if (r.granularity.length) {
    out.push('Granularity (the key cannot be narrower; the EgressPolicy below allows only what the use cases need):');
    for (const g of r.granularity) out.push(`  ! ${g.text} ${gradeLabel(g.evidence)}`);
    out.push('');
  }
  out.push(`Blast radius: ${r.score}/100 ${r.tier.toUpperCase()}`);
  for (const reason of r.reasons) out.push(`  ${reason.axis.padEnd(13)} +${String(reason.points).padEnd(4)} ${reason.text}`);
  out.push('');
  for (const p of r.pairs) {
    out.push(`CRITICAL pair ${p.id}: ${p.title}${p.viaApiKeys ? ' (reachable: API keys W can mint a key holding it)' : ''}`);
    out.push(`  how:   ${p.how}`, `  split: ${p.split}`);
    if (p.unverified) out.push(`  unverified: ${p.unverified}`);
    out.push('');
  }
  for (const a of r.amplifiers) out.push(`Amplifier: ${a.text}`);
  if (r.amplifiers.length) out.push('');
  if (r.notes.length) {
    out.push('Notes:');
    for (const n of r.notes) out.push(`  - [${n.useCase}] ${n.text} ${gradeLabel(n.evidence)}`);
    out.push('');
  }
  out.push('Create the key (pre-filled):', `  ${r.prefillUrl}`, `  ${r.prefillNote}`, '');
  if (r.policyYaml) out.push('EgressPolicy (keybrake proxy --policy FILE, or kubectl apply -f FILE):', '', r.policyYaml);
  else out.push('No EgressPolicy: give --use-case to get one (the operations come from the use cases).', '');
  return out.join('\n');
}
