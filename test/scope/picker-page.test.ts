// The picker page in a real browser (Debian's chromium via playwright-core),
// loaded from a file URL with every network request refused: ticking use cases
// gives the same table, score, reasons, pairs, link and YAML as the CLI's JSON
// for the same choice, the copy button copies the CLI's YAML, the page fits a
// phone, and no request leaves the page.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScopeReport } from '../../src/scope/report.ts';
import { keybrake } from '../helpers/keybrake-cli.ts';
import { scope } from './run-scope.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PAGE = pathToFileURL(path.join(ROOT, 'picker/index.html')).href;
const RESULTS = path.join(ROOT, '.ci/results');

/** The CLI's JSON for a choice (in-process: the command's own code and output). */
function cliJson(...args: string[]): ScopeReport {
  const r = scope(...args, '--format', 'json');
  if (r.code !== 0) throw new Error(`keybrake scope ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as ScopeReport;
}

let browser: Browser;
let context: BrowserContext;
let page: Page;
const requests: string[] = [];
const refused: string[] = [];
const problems: string[] = [];

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  context.on('request', (r) => requests.push(r.url()));
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file://')) return route.continue();
    refused.push(url);
    return route.abort('blockedbyclient');
  });
  page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  await page.goto(PAGE);
});

afterAll(async () => {
  await browser?.close();
});

interface Shown {
  rows: Array<[string, string]>;
  score: number;
  tier: string;
  reasons: Array<[string, string, string]>;
  pairs: Array<[string, string]>;
  amplifiers: string[];
  granularity: string[];
  prefill: string;
  yaml: string;
}

async function shown(): Promise<Shown> {
  return page.evaluate(() => {
    const all = (sel: string) => [...document.querySelectorAll<HTMLElement>(sel)];
    const gauge = document.getElementById('gauge')!;
    return {
      rows: all('#permission-rows tr').map((tr) => [tr.dataset.slug!, tr.dataset.level!] as [string, string]),
      score: Number(gauge.dataset.score),
      tier: gauge.dataset.tier!,
      reasons: all('#reasons li').map(
        (li) => [li.dataset.axis!, li.querySelector('.points')!.textContent!, li.querySelector('.why')!.textContent!] as [string, string, string],
      ),
      pairs: all('[data-pair]').map((d) => [d.dataset.pair!, d.querySelector('h3')!.textContent!] as [string, string]),
      amplifiers: all('[data-amplifier]').map((li) => li.dataset.amplifier!),
      granularity: all('#granularity li').map((li) => li.dataset.row!),
      prefill: (document.getElementById('prefill') as HTMLAnchorElement).href,
      yaml: document.getElementById('policy-yaml')!.textContent!,
    };
  });
}

function expected(r: ScopeReport): Shown {
  return {
    rows: r.permissions.map((p) => [p.slug, p.level]),
    score: r.score,
    tier: r.tier,
    reasons: r.reasons.map((x) => [x.axis, `+${x.points}`, x.text]),
    pairs: r.pairs.map((p) => [p.id, `CRITICAL pair ${p.id}: ${p.title}`]),
    amplifiers: r.amplifiers.map((a) => a.id),
    granularity: r.granularity.map((g) => g.row),
    prefill: r.prefillUrl,
    yaml: r.policyYaml ?? '',
  };
}

describe('Restricted Key picker page (file URL, network blocked)', () => {
  it('loads offline with fourteen labelled use cases and no errors', async () => {
    expect(await page.locator('input[name="use-case"]').count()).toBe(14);
    const unlabelled = await page.evaluate(
      () =>
        [...document.querySelectorAll('input, button')].filter(
          (el) => !((el as HTMLInputElement).labels?.length || el.getAttribute('aria-label') || el.textContent?.trim()),
        ).length,
    );
    expect(unlabelled).toBe(0);
    expect(await page.locator('#empty').isVisible()).toBe(true);
  });

  it('ticking by keyboard: support refunds + reporting match the CLI, and the copy button copies the CLI YAML', async () => {
    await page.focus('#uc-support-refunds');
    await page.keyboard.press('Space');
    await page.focus('#uc-reporting');
    await page.keyboard.press('Space');
    const json = cliJson('--use-case', 'support-refunds', '--use-case', 'reporting');
    const page1 = await shown();
    expect(page1).toEqual(expected(json));
    expect(page1.tier).toBe('high');

    await page.click('#copy');
    await expect.poll(() => page.locator('#copy-status').textContent()).toBe('Copied to the clipboard.');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    // The spawned binary, as a user would pipe it into a file.
    const yaml = await keybrake('scope', '--use-case', 'support-refunds', '--use-case', 'reporting', '--format', 'yaml');
    expect(copied).toBe(yaml.stdout);
  }, 120_000);

  it('use cases plus a key the user has: pairs A and C, Top-ups amplifying, equal to the CLI; then a screenshot', async () => {
    await page.uncheck('#uc-reporting');
    await page.check('#uc-connect-onboarding');
    await page.fill('#permissions', 'rak_transfer_write, rak_top_up_write');
    const json = cliJson('--use-case', 'support-refunds', '--use-case', 'connect-onboarding', '--permissions', 'rak_transfer_write,rak_top_up_write');
    const now = await shown();
    expect(now).toEqual(expected(json));
    expect(now.pairs.map(([id]) => id)).toEqual(['A', 'C']);
    expect(now.amplifiers).toContain('top-ups');
    expect(await page.locator('[data-pair="A"]').isVisible()).toBe(true);
    // The choice is in the URL fragment only: reloading restores it without any request.
    await page.reload();
    expect((await shown()).pairs.map(([id]) => id)).toEqual(['A', 'C']);

    fs.mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: path.join(RESULTS, 'picker.png'), fullPage: true });
  });

  it('text has at least 4.5:1 contrast against its background (WCAG AA), pair warnings included', async () => {
    const low = await page.evaluate(() => {
      const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
      const lum = ([r = 0, g = 0, b = 0]: number[]) => {
        const lin = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
        return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
      };
      const background = (el: Element | null): number[] => {
        for (; el; el = el.parentElement) {
          const c = rgb(getComputedStyle(el).backgroundColor);
          if (c.length === 3 || (c.length === 4 && (c[3] ?? 0) > 0)) return c.slice(0, 3);
        }
        return [255, 255, 255];
      };
      const out: string[] = [];
      const texts = [...document.querySelectorAll('body *')].filter((el) => [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent!.trim()));
      for (const el of texts) {
        if ((el as HTMLElement).offsetParent === null && getComputedStyle(el).position !== 'fixed') continue; // hidden
        const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(background(el))];
        const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        if (ratio < 4.5) out.push(`${el.tagName.toLowerCase()}.${(el as HTMLElement).className} "${el.textContent!.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
      }
      return { out, checked: texts.length };
    });
    expect(low.checked).toBeGreaterThan(100);
    expect(low.out).toEqual([]);
  });

  it('an invalid slug shows the CLI error; readable on a phone without sideways scrolling', async () => {
    await page.fill('#permissions', 'rak_refund_write');
    await expect.poll(() => page.locator('#errors').textContent()).toMatch(/rak_refund_write is not a real Stripe permission.*use rak_charge_write/);
    await page.fill('#permissions', '');
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(RESULTS, 'picker-phone.png'), fullPage: true });
  });

  it('no request left the page: only the page and its script were loaded, from disk', () => {
    expect(refused).toEqual([]);
    const files = [...new Set(requests.map((u) => path.basename(new URL(u).pathname)))].sort();
    expect(files).toEqual(['index.html', 'picker.js']);
    expect(requests.every((u) => u.startsWith('file://'))).toBe(true);
    expect(problems).toEqual([]);
  });
});
