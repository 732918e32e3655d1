// Renders one scope report into the page's result sections. Every element the
// browser test reads carries a data- attribute named after the JSON field.
import { gradeLabel, GRADES, isVerified, type Grade } from '../../src/scope/evidence.ts';
import type { ScopeReport } from '../../src/scope/report.ts';
import { byId, fill, h } from './dom.ts';

const LEVEL = { read: 'Read', write: 'Write' } as const;

function grades(list: readonly Grade[]): HTMLElement {
  const unverified = !isVerified(list);
  return h(
    'span',
    { class: unverified ? 'grade unverified' : 'grade', title: list.map((g) => `${g}: ${GRADES[g]}`).join('\n') },
    gradeLabel(list),
    unverified ? ' unverified' : '',
  );
}

function renderScore(r: ScopeReport): void {
  const gauge = byId('gauge');
  gauge.setAttribute('aria-valuenow', String(r.score));
  gauge.setAttribute('aria-valuetext', `${r.score} out of 100, ${r.tier}`);
  gauge.dataset.score = String(r.score);
  gauge.dataset.tier = r.tier;
  byId('gauge-fill').style.width = `${r.score}%`;
  const label = byId('score-label');
  label.dataset.tier = r.tier;
  fill(label, h('strong', {}, String(r.score)), ' / 100 ', h('span', { class: `tier tier-${r.tier}` }, r.tier.toUpperCase()));
  fill(
    byId('reasons'),
    ...r.reasons.map((reason) =>
      h('li', { 'data-axis': reason.axis }, h('span', { class: 'axis' }, reason.axis), h('span', { class: 'points' }, `+${reason.points}`), h('span', { class: 'why' }, reason.text)),
    ),
  );
}

function renderPairs(r: ScopeReport): void {
  const pairs = r.pairs.map((p) =>
    h(
      'div',
      { class: 'pair', role: 'alert', 'data-pair': p.id },
      h('h3', {}, `CRITICAL pair ${p.id}: ${p.title}`),
      p.viaApiKeys ? h('p', {}, 'Reachable because API keys W can mint a key that holds it.') : null,
      h('p', {}, h('strong', {}, 'How: '), p.how),
      h('p', {}, h('strong', {}, 'Split: '), p.split),
      p.unverified ? h('p', { class: 'muted' }, `Unverified: ${p.unverified}`) : null,
    ),
  );
  const amps = r.amplifiers.map((a) => h('li', { 'data-amplifier': a.id }, a.text, ' ', grades(a.evidence)));
  fill(byId('pairs'), ...pairs, amps.length ? h('ul', { class: 'amplifiers', 'aria-label': 'Amplifiers' }, ...amps) : null);
  byId('pairs-section').hidden = pairs.length === 0 && amps.length === 0;
}

function renderTable(r: ScopeReport): void {
  const rows = r.permissions.map((p) =>
    h(
      'tr',
      { 'data-slug': p.slug, 'data-level': p.level },
      h('th', { scope: 'row' }, p.label, p.note ? h('div', { class: 'note' }, p.note) : null),
      h('td', {}, h('span', { class: `level level-${p.level}` }, LEVEL[p.level])),
      h('td', {}, h('code', {}, p.slug)),
      h('td', {}, grades(p.evidence)),
    ),
  );
  fill(byId('permission-rows'), ...rows);
  fill(byId('none-count'), `Every other row (${r.noneCount} of them): None.`);
  fill(byId('granularity'), ...r.granularity.map((g) => h('li', { 'data-row': g.row }, g.text, ' ', grades(g.evidence))));
  byId('granularity-section').hidden = r.granularity.length === 0;
}

function renderRest(r: ScopeReport): void {
  const link = byId<HTMLAnchorElement>('prefill');
  link.href = r.prefillUrl;
  fill(byId('prefill-note'), r.prefillNote);
  fill(byId('notes'), ...r.notes.map((n) => h('li', {}, h('span', { class: 'tag' }, n.useCase), ' ', n.text, ' ', grades(n.evidence))));
  byId('notes-section').hidden = r.notes.length === 0;
  const yaml = byId('policy-yaml');
  fill(yaml, r.policyYaml ?? '');
  byId('policy-section').hidden = !r.policyYaml;
}

export function render(r: ScopeReport): void {
  renderScore(r);
  renderPairs(r);
  renderTable(r);
  renderRest(r);
}
