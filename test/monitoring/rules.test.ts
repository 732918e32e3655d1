import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { metricNames, parseExposition } from '../helpers/exposition.ts';
import { populatedMetrics } from './fixture.ts';
import { PROMETHEUS_RULE_PATH, RULES_PATH, renderPrometheusRule } from './prometheusrule.ts';

const run = promisify(execFile);
const UNIT_TESTS = fileURLToPath(new URL('./keybrake-rules.promtool.yml', import.meta.url));

interface Rule {
  alert: string;
  expr: string;
  labels?: Record<string, string>;
}
type RuleGroups = Array<{ name: string; rules: Rule[] }>;

async function promtool(...args: string[]): Promise<string> {
  try {
    return (await run('promtool', args)).stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`, { cause: err });
  }
}

describe('Prometheus alerting rules', () => {
  let tmp: string;
  let groups: RuleGroups;
  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'keybrake-rules-'));
    groups = (parse(await fs.readFile(RULES_PATH, 'utf8')) as { groups: RuleGroups }).groups;
  });
  afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

  it('pass promtool check rules', async () => {
    expect(await promtool('check', 'rules', RULES_PATH)).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('fire as specified in the promtool unit tests (spend rate, refusal storm, killed, certificate expiry)', async () => {
    expect(await promtool('test', 'rules', UNIT_TESTS)).toMatch(/SUCCESS/);
  });

  it('cover every alert the operator needs, and only the kill-worthy ones carry keybrake_action=kill with the policy selector', () => {
    const rules = groups.flatMap((g) => g.rules);
    const byName = new Map(rules.map((r) => [r.alert, r]));
    for (const name of ['KeybrakeSpendRateHigh', 'KeybrakeCapNearlyExhausted', 'KeybrakeRefusalStorm', 'KeybrakeKilled', 'KeybrakeCertificateExpiringSoon']) {
      expect(byName.has(name), name).toBe(true);
    }
    const killers = rules.filter((r) => r.labels?.keybrake_action === 'kill').map((r) => r.alert);
    expect(killers.sort()).toEqual(['KeybrakeRefusalStorm', 'KeybrakeSpendRateHigh']);
    for (const name of killers) {
      const rule = byName.get(name)!;
      expect(rule.labels!.keybrake_policy).toBe('{{ $labels.policy }}');
      // The selector labels must survive the aggregation.
      expect(rule.expr).toMatch(/by \(namespace, pod, policy\b/);
    }
  });

  it('read only metrics the proxy exports', async () => {
    const exported = new Set(parseExposition(await populatedMetrics().metricsText()).map((s) => s.name));
    const used = groups.flatMap((g) => g.rules.flatMap((r) => metricNames(r.expr)));
    expect(used.length).toBeGreaterThan(5);
    // `up` is Prometheus' own series for the scrape itself (the proxy-down alerts).
    expect(used.filter((n) => !exported.has(n) && n !== 'up')).toEqual([]);
  });

  it('link every alert to its runbook: a docs/monitoring.md heading', async () => {
    const doc = await fs.readFile(path.resolve(import.meta.dirname, '../../docs/monitoring.md'), 'utf8');
    const anchors = new Set(
      [...doc.matchAll(/^#{2,4} (.+)$/gm)].map((m) =>
        m[1]!
          .trim()
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, '')
          .replace(/ /g, '-'),
      ),
    );
    const rules = groups.flatMap((g) => g.rules) as Array<Rule & { annotations?: Record<string, string> }>;
    for (const r of rules) {
      const url = r.annotations?.runbook_url ?? '';
      expect(url, r.alert).toMatch(/^https:\/\/github\.com\/keybrake\/keybrake\/blob\/main\/docs\/monitoring\.md#/);
      expect(anchors.has(url.split('#')[1] ?? ''), `${r.alert}: no heading for ${url}`).toBe(true);
    }
    expect(rules.map((r) => r.alert)).toEqual(expect.arrayContaining(['KeybrakeProxyDown', 'KeybrakeProxyAbsent']));
  });

  it('ship as a PrometheusRule object with the same rules, regenerated from the rules file', async () => {
    const committed = await fs.readFile(PROMETHEUS_RULE_PATH, 'utf8');
    expect(committed, 'stale: run node test/monitoring/prometheusrule.ts --write').toBe(renderPrometheusRule(await fs.readFile(RULES_PATH, 'utf8')));
    const object = parse(committed) as { apiVersion: string; kind: string; spec: { groups: RuleGroups } };
    expect([object.apiVersion, object.kind]).toEqual(['monitoring.coreos.com/v1', 'PrometheusRule']);
    expect(object.spec.groups).toEqual(groups);
    const specAsRulesFile = path.join(tmp, 'from-prometheusrule.yml');
    await fs.writeFile(specAsRulesFile, stringify({ groups: object.spec.groups }));
    expect(await promtool('check', 'rules', specAsRulesFile)).toMatch(/SUCCESS/);
  });
});
