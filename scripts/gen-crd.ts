// npm run gen:crd: writes deploy/crds/egresspolicies.keybrake.dev.yaml from the
// one policy schema. test/policy/crd.test.ts fails when the committed file is stale.
import fs from 'node:fs';
import path from 'node:path';
import { renderCrdYaml } from '../src/commands/crd-yaml.ts';
import { CRD_FILE } from '../src/policy/crd.ts';

const file = path.resolve(import.meta.dirname, '..', CRD_FILE);
fs.mkdirSync(path.dirname(file), { recursive: true });
fs.writeFileSync(file, renderCrdYaml());
process.stdout.write(`wrote ${CRD_FILE}\n`);
