// A PolicyFeed driven by the test: it delivers only when told, like a
// ConfigMap that does not exist yet and then changes.
import type { LoadVerdict, PolicyDocuments, PolicyFeed } from '../../src/policy/feed.ts';

export class ManualFeed implements PolicyFeed {
  readonly description = 'test feed';
  #deliver?: (docs: PolicyDocuments) => LoadVerdict;
  #version = 0;

  async start(deliver: (docs: PolicyDocuments) => LoadVerdict): Promise<void> {
    this.#deliver = deliver;
  }

  stop(): void {
    this.#deliver = undefined;
  }

  /** Hands `texts` (name → YAML) to the loader as the next version. */
  push(texts: Record<string, string>): LoadVerdict {
    if (!this.#deliver) throw new Error('the feed is not started');
    const documents = Object.entries(texts).map(([name, text]) => ({ name, text }));
    return this.#deliver({ source: this.description, version: String(++this.#version), documents });
  }
}
