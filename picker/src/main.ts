// The Restricted Key picker page: tick use cases (and optionally list the
// permissions a key already has) and everything updates live from the same
// data module as `keybrake scope`. No network: the page is one HTML file and
// this script, usable from a file URL.
import { scopeReport } from '../../src/scope/report.ts';
import { SLUGS } from '../../src/scope/permissions.ts';
import { USE_CASES } from '../../src/scope/use-cases.ts';
import { byId, fill, h } from './dom.ts';
import { render } from './render.ts';

function buildChoices(): void {
  const list = byId('use-cases');
  USE_CASES.forEach((u, i) => {
    const id = `uc-${u.id}`;
    list.append(
      h('li', {}, h('input', { type: 'checkbox', id, name: 'use-case', value: u.id }), h('label', { for: id }, h('span', { class: 'num' }, `${i + 1}`), u.title, h('code', {}, u.id))),
    );
  });
  const datalist = byId('slug-options');
  for (const slug of SLUGS.keys()) datalist.append(h('option', { value: slug }));
}

function chosen(): { useCases: string[]; permissions: string[] } {
  const useCases = [...document.querySelectorAll<HTMLInputElement>('input[name="use-case"]:checked')].map((c) => c.value);
  const permissions = byId<HTMLInputElement>('permissions').value.split(/[\s,]+/).filter(Boolean);
  return { useCases, permissions };
}

/** The choice lives in the URL fragment, so a picked scope can be bookmarked or shared (no server sees it). */
function saveToHash(c: { useCases: string[]; permissions: string[] }): void {
  const params = new URLSearchParams();
  if (c.useCases.length) params.set('use-case', c.useCases.join(','));
  if (c.permissions.length) params.set('permissions', c.permissions.join(','));
  const hash = params.toString();
  history.replaceState(null, '', hash ? `#${hash}` : location.pathname + location.search);
}

function loadFromHash(): void {
  const params = new URLSearchParams(location.hash.slice(1));
  const ids = new Set((params.get('use-case') ?? '').split(',').filter(Boolean));
  for (const box of document.querySelectorAll<HTMLInputElement>('input[name="use-case"]')) box.checked = ids.has(box.value);
  byId<HTMLInputElement>('permissions').value = params.get('permissions') ?? '';
}

function update(): void {
  const c = chosen();
  saveToHash(c);
  const errors = byId('errors');
  const results = byId('results');
  const empty = c.useCases.length === 0 && c.permissions.length === 0;
  byId('empty').hidden = !empty;
  if (empty) {
    results.hidden = true;
    fill(errors);
    errors.hidden = true;
    return;
  }
  const r = scopeReport(c);
  if (!r.ok) {
    fill(errors, ...r.errors.map((e) => h('p', {}, e)));
    errors.hidden = false;
    results.hidden = true;
    return;
  }
  fill(errors);
  errors.hidden = true;
  results.hidden = false;
  render(r.report);
}

async function copyPolicy(): Promise<void> {
  const text = byId('policy-yaml').textContent ?? '';
  const status = byId('copy-status');
  try {
    await navigator.clipboard.writeText(text);
    fill(status, 'Copied to the clipboard.');
  } catch {
    // Clipboard refused (permissions, old browser): select the text so Ctrl+C / Cmd+C copies it.
    const range = document.createRange();
    range.selectNodeContents(byId('policy-yaml'));
    const selection = getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
    fill(status, 'Could not reach the clipboard: the YAML is selected, press Ctrl+C (Cmd+C on a Mac).');
  }
}

buildChoices();
loadFromHash();
byId('choices').addEventListener('change', update);
byId('choices').addEventListener('submit', (e) => e.preventDefault());
byId('permissions').addEventListener('input', update);
byId('copy').addEventListener('click', () => void copyPolicy());
byId('clear').addEventListener('click', () => {
  for (const box of document.querySelectorAll<HTMLInputElement>('input[name="use-case"]')) box.checked = false;
  byId<HTMLInputElement>('permissions').value = '';
  update();
});
update();
