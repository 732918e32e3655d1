// picker/picker.js is committed (the page must work from a checkout, as a
// file, with no build step); it must be what picker/build.ts makes from the
// current data module, or the page and `keybrake scope` would disagree.
import fs from 'node:fs';
import { expect, it } from 'vitest';
import { OUTPUT, bundlePicker } from '../../picker/build.ts';

it('picker/picker.js is up to date with src/scope (run npm run build:picker when this fails)', async () => {
  const committed = fs.readFileSync(OUTPUT, 'utf8');
  const fresh = await bundlePicker();
  expect(committed === fresh, 'picker/picker.js is stale: run npm run build:picker and commit it').toBe(true);
  // One self-contained classic script: no imports, no fetches, no URLs it could load.
  expect(fresh).not.toMatch(/\bimport\s*\(|\bfetch\s*\(|XMLHttpRequest|sendBeacon|WebSocket/);
});
