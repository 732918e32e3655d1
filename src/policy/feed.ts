// src/policy/feed.ts — a feed only does I/O; one shared loader validates, compiles, keeps the last good policy,
// numbers generations, reports problems.
export interface PolicyProblem { document: string; path: string; message: string }  // path like "spec.vendors[0].rules[1].where"
export interface PolicyDocuments { source: string; version: string; documents: { name: string; text: string }[] }
export type LoadVerdict = { ok: true; generation: number } | { ok: false; problems: PolicyProblem[] };
export interface PolicyFeed {
  readonly description: string;                  // "file /etc/p.yaml", "ConfigMap agents/keybrake-policies"
  start(deliver: (docs: PolicyDocuments) => LoadVerdict, fail: (err: Error) => void): Promise<void>;
  stop(): void;
}
