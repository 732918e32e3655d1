// Reads credentials from a directory laid out like a Kubernetes Secret volume:
// <dir>/<secret name>/<key>. Re-read at most once a second so a rotated Secret
// is picked up without a restart.
import fs from 'node:fs';
import path from 'node:path';
import type { SecretRef } from '../policy/schema.ts';
import type { SecretStore } from '../pipeline/context.ts';

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export class DirSecretStore implements SecretStore {
  readonly #dir: string;
  readonly #cache = new Map<string, { value: string; at: number }>();

  constructor(dir: string) {
    this.#dir = dir;
  }

  read(ref: SecretRef): string {
    // Names come from the policy; refuse anything that could walk out of the directory.
    if (!SEGMENT.test(ref.name) || !SEGMENT.test(ref.key)) throw new Error(`invalid secretRef ${ref.name}/${ref.key}`);
    const id = `${ref.name}/${ref.key}`;
    const hit = this.#cache.get(id);
    const now = Date.now();
    if (hit && now - hit.at < 1000) return hit.value;
    const file = path.join(this.#dir, ref.name, ref.key);
    let value: string;
    try {
      value = fs.readFileSync(file, 'utf8').trim();
    } catch {
      throw new Error(`secret ${id} not found in the secrets directory`);
    }
    if (!value) throw new Error(`secret ${id} is empty`);
    this.#cache.set(id, { value, at: now });
    return value;
  }

  /** Optional secret (admin tokens): undefined when absent. */
  tryRead(name: string, key: string): string | undefined {
    try {
      return this.read({ name, key });
    } catch {
      return undefined;
    }
  }
}
