// The one object guard: JSON and YAML reach keybrake as `unknown` (vendor
// responses, request bodies, Alertmanager payloads, policy entries), and every
// reader asks the same question before it looks inside.

/** A JSON object or YAML mapping: not null, not an array. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
