// The EgressPolicy CRD the control-plane tests install in the API-server double:
// the generated deploy/crds file when present, else a temporary minimal fixture.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const GENERATED = fileURLToPath(new URL('../../deploy/crds/egresspolicies.keybrake.dev.yaml', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/k8s/egresspolicies-crd.min.yaml', import.meta.url));

export function crdPath(): string {
  return fs.existsSync(GENERATED) ? GENERATED : FIXTURE;
}

export function egressPolicyCrd(): Record<string, any> {
  return parse(fs.readFileSync(crdPath(), 'utf8'));
}
