// Renders deploy/monitoring/prometheusrule.yaml (a prometheus-operator
// PrometheusRule) from the plain rules file, so the two can never disagree.
// Regenerate after editing the rules: node test/monitoring/prometheusrule.ts --write
// prometheusrule.test.ts fails when the committed file is stale.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

export const RULES_PATH = fileURLToPath(new URL('../../deploy/monitoring/keybrake-rules.yml', import.meta.url));
export const PROMETHEUS_RULE_PATH = fileURLToPath(new URL('../../deploy/monitoring/prometheusrule.yaml', import.meta.url));

const HEADER = `# GENERATED from keybrake-rules.yml by test/monitoring/prometheusrule.ts --write; edit that file, not this one.
# The release label is what kube-prometheus-stack's default ruleSelector matches; set it to your release name.
`;

export function renderPrometheusRule(rulesYaml: string): string {
  const rules = parse(rulesYaml) as { groups: unknown[] };
  const object = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: 'keybrake',
      labels: { 'app.kubernetes.io/name': 'keybrake', 'app.kubernetes.io/component': 'monitoring', release: 'prometheus' },
    },
    spec: { groups: rules.groups },
  };
  return HEADER + stringify(object, { lineWidth: 0 });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rendered = renderPrometheusRule(fs.readFileSync(RULES_PATH, 'utf8'));
  if (process.argv.includes('--write')) fs.writeFileSync(PROMETHEUS_RULE_PATH, rendered);
  else process.stdout.write(rendered);
}
