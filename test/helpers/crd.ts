// The EgressPolicy CRD the control-plane tests install in the API-server double:
// the generated deploy/crds file (`npm run gen:crd`; test/policy/crd.test.ts fails when it is stale).
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const GENERATED = fileURLToPath(new URL('../../deploy/crds/egresspolicies.keybrake.dev.yaml', import.meta.url));

export function crdPath(): string {
  return GENERATED;
}

export function egressPolicyCrd(): Record<string, any> {
  return parse(fs.readFileSync(GENERATED, 'utf8'));
}
