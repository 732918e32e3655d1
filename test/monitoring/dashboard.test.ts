import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { metricNames, parseExposition } from '../helpers/exposition.ts';
import { populatedMetrics } from './fixture.ts';

const DASHBOARD = fileURLToPath(new URL('../../deploy/monitoring/grafana-dashboard.json', import.meta.url));

interface Panel {
  id: number;
  title: string;
  type: string;
  targets?: Array<{ expr: string }>;
  panels?: Panel[];
}

async function loadDashboard(): Promise<{ panels: Panel[]; templating: { list: Array<{ definition?: string }> } }> {
  return JSON.parse(await fs.readFile(DASHBOARD, 'utf8'));
}

function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

describe('Grafana dashboard', () => {
  it('parses, with unique panel ids and a query on every graph', async () => {
    const panels = allPanels((await loadDashboard()).panels);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const p of panels.filter((x) => x.type !== 'row')) expect(p.targets?.length, p.title).toBeGreaterThan(0);
  });

  it('shows spend by vendor and policy, decisions, cap usage, upstream latency and kills', async () => {
    const exprs = allPanels((await loadDashboard()).panels).flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    const reads = (metric: string) => exprs.filter((e) => e.includes(metric));
    expect(reads('keybrake_spend_committed_total').some((e) => /by \(policy, vendor/.test(e))).toBe(true);
    expect(reads('keybrake_requests_total').some((e) => /by \(decision\)/.test(e))).toBe(true);
    expect(reads('keybrake_cap_usage_ratio')).not.toHaveLength(0);
    expect(reads('keybrake_upstream_duration_seconds_bucket').some((e) => e.includes('histogram_quantile(0.99'))).toBe(true);
    expect(reads('keybrake_killed')).not.toHaveLength(0);
  });

  it('references only metrics the proxy exports', async () => {
    const dashboard = await loadDashboard();
    const exported = new Set(parseExposition(await populatedMetrics().metricsText()).map((s) => s.name));
    const fromPanels = allPanels(dashboard.panels).flatMap((p) => (p.targets ?? []).flatMap((t) => metricNames(t.expr)));
    const fromVariables = dashboard.templating.list.flatMap((v) => [...(v.definition ?? '').matchAll(/label_values\(([a-zA-Z_:][\w:]*)/g)].map((m) => m[1]!));
    const used = new Set([...fromPanels, ...fromVariables]);
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((n) => !exported.has(n))).toEqual([]);
  });
});
