// The Alertmanager webhook receiver (payload version 4): a
// firing alert whose labels select this proxy kills it. Pure: it decides and
// answers; the admin server performs the kill before sending the answer, so a
// 2xx means "killed" and Alertmanager never retries a success.
//
// Parsing is tolerant (unknown fields ignored, fields older servers omit are
// optional); authentication is not: no configured token means the receiver is
// disabled, because an open kill endpoint reachable by Alertmanager's network
// is a denial of service waiting to happen.
import { bearerMatches } from './bearer.ts';
import { isPlainObject } from '../guards.ts';

/** Who this proxy is, for matching an alert's selector labels. */
export interface AlertmanagerSelf {
  /** Names of the policies in force. */
  policies: readonly string[];
  namespace?: string;
  pod?: string;
}

export interface AlertmanagerRequest {
  /** The Authorization header as received. */
  authorization: string | undefined;
  body: Buffer;
  /** Content of `<secrets-dir>/keybrake-admin/alertmanager-token`; undefined when the file is absent. */
  expectedToken: string | undefined;
  self: AlertmanagerSelf;
}

export interface AlertmanagerResponse {
  status: number;
  /** JSON. */
  body: string;
  /** Set when the payload selects this proxy: kill with this reason, then answer. */
  kill?: { reason: string };
}

export interface WebhookAlert {
  status: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Alert labels that pick a proxy. Every one present must match; an alert with none picks nothing. */
const SELECTOR_LABELS = ['keybrake_policy', 'namespace', 'pod'] as const;
const MAX_REASON_CHARS = 300;

export function handleAlertmanager(req: AlertmanagerRequest): AlertmanagerResponse {
  if (!bearerMatches(req.authorization, req.expectedToken)) {
    return answer(401, { error: 'unauthorized: Authorization: Bearer <alertmanager-token> required' });
  }
  const alerts = parseWebhook(req.body);
  if (!alerts) return answer(400, { error: 'malformed webhook payload: expected JSON with an "alerts" array' });

  const selected = alerts.filter((a) => a.status === 'firing' && selects(a.labels, req.self));
  const summary = {
    received: alerts.length,
    firing: alerts.filter((a) => a.status === 'firing').length,
    selected: selected.map((a) => a.labels.alertname ?? ''),
    killed: selected.length > 0,
  };
  const [first] = selected;
  if (first === undefined) return answer(200, summary);
  const reason = killReason(first);
  return { ...answer(200, { ...summary, reason }), kill: { reason } };
}

/** The controller's receiver checks its token the same way: the one constant-time comparison. */
export const authorized = bearerMatches;

/** The alerts of a v4 payload, or undefined when it is not one. Alerts without a status take the group's. */
export function parseWebhook(body: Buffer): WebhookAlert[] | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isPlainObject(doc) || !Array.isArray(doc.alerts)) return undefined;
  const groupStatus = typeof doc.status === 'string' ? doc.status : '';
  const alerts: WebhookAlert[] = [];
  for (const a of doc.alerts) {
    if (!isPlainObject(a) || !isPlainObject(a.labels)) return undefined;
    alerts.push({
      status: typeof a.status === 'string' ? a.status : groupStatus,
      labels: stringValues(a.labels),
      annotations: isPlainObject(a.annotations) ? stringValues(a.annotations) : {},
    });
  }
  return alerts;
}

export function selects(labels: Record<string, string>, self: AlertmanagerSelf): boolean {
  let present = 0;
  for (const name of SELECTOR_LABELS) {
    const value = labels[name];
    if (!value) continue; // Prometheus treats an empty label as absent
    present++;
    const mine = name === 'keybrake_policy' ? self.policies.includes(value) : self[name] === value;
    if (!mine) return false;
  }
  return present > 0;
}

/** `alertmanager: <alertname>: <summary>` — one line, bounded: it is shown to the agent and logged. */
export function killReason(alert: WebhookAlert): string {
  const parts = ['alertmanager', alert.labels.alertname || 'unnamed alert'];
  const summary = alert.annotations.summary;
  if (summary) parts.push(summary);
  const reason = parts
    .join(': ')
    .replace(/[\p{Cc}\s]+/gu, ' ')
    .trim();
  return reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS - 1)}…` : reason;
}

function stringValues(o: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) if (typeof v === 'string') out[k] = v;
  return out;
}

function answer(status: number, body: object): AlertmanagerResponse {
  return { status, body: JSON.stringify(body) };
}
