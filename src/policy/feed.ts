// The seam between where policies come from and what is done with them. A feed
// only does I/O (a file, a ConfigMap watch) and hands over documents with a
// source version; one shared loader (loader.ts) validates, compiles, keeps the
// last good policy, numbers generations and reports problems.

/** One thing wrong with a policy: which document, which field, what to change. */
export interface PolicyProblem {
  /** `examples/policy.yaml`, `policy.yaml document[1]`, `support-refunds.yaml` (a ConfigMap key). */
  document: string;
  /** Field path in the document, like `spec.vendors[0].rules[1].where`; '' for the document as a whole. */
  path: string;
  message: string;
}

export interface PolicyDocuments {
  /** `file /etc/p.yaml`, `ConfigMap agents/keybrake-policies`. */
  source: string;
  /** Changes whenever the content may have changed (a resourceVersion, a content hash). */
  version: string;
  /** YAML texts, each holding one or more `---` separated EgressPolicy documents. */
  documents: { name: string; text: string }[];
}

export type LoadVerdict = { ok: true; generation: number } | { ok: false; problems: PolicyProblem[] };

export interface PolicyFeed {
  /** `file /etc/p.yaml`, `ConfigMap agents/keybrake-policies`. */
  readonly description: string;
  /**
   * Delivers the current documents, then every change, until stop(). `fail` reports
   * I/O trouble (unreadable file, API outage); the policy in force stays in force.
   * Resolves once the first delivery was attempted (or failed), so callers can log it.
   */
  start(deliver: (docs: PolicyDocuments) => LoadVerdict, fail: (err: Error) => void): Promise<void>;
  stop(): void;
}

/** `document: path: message`, the one-line form for logs and the CLI. */
export function formatProblem(p: PolicyProblem): string {
  return `${p.document}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
}
