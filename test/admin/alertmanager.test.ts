import { describe, expect, it } from 'vitest';
import { handleAlertmanager, type AlertmanagerSelf } from '../../src/admin/alertmanager.ts';

const TOKEN = 'am-3f9c1b7e2d';
const self: AlertmanagerSelf = { policies: ['support-refunds', 'newsletter'], namespace: 'agents', pod: 'agent-7d9f-x2' };

function alert(status: 'firing' | 'resolved', labels: Record<string, string>, summary = 'spending 310.00 usd/h') {
  return { status, labels: { alertname: 'KeybrakeSpendRateHigh', ...labels }, annotations: { summary } };
}

function post(payload: unknown, opts: { authorization?: string; expectedToken?: string | undefined; raw?: string } = {}) {
  return handleAlertmanager({
    authorization: 'authorization' in opts ? opts.authorization : `Bearer ${TOKEN}`,
    body: Buffer.from(opts.raw ?? JSON.stringify(payload)),
    expectedToken: 'expectedToken' in opts ? opts.expectedToken : `${TOKEN}\n`, // Secret files often end in a newline
    self,
  });
}

const webhook = (...alerts: unknown[]) => ({ version: '4', status: 'firing', alerts });

describe('Alertmanager receiver', () => {
  const firing = webhook(alert('firing', { keybrake_policy: 'support-refunds' }));

  it('refuses a payload without the token, with a bad token, or when no token is configured', () => {
    for (const opts of [
      { authorization: undefined },
      { authorization: 'Bearer wrong-token' },
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` },
      { authorization: 'Bearer ' },
      { expectedToken: undefined },
      { expectedToken: '  \n', authorization: 'Bearer ' },
    ]) {
      const r = post(firing, opts);
      expect(r.status, JSON.stringify(opts)).toBe(401);
      expect(r.kill).toBeUndefined();
    }
  });

  it('accepts the bearer scheme in any case', () => {
    expect(post(firing, { authorization: `bearer ${TOKEN}` }).kill).toBeDefined();
  });

  it('answers 400 to malformed JSON or a payload that is not a webhook, and kills nothing', () => {
    for (const raw of ['{', '', 'null', '[]', '{"alerts": {}}', '{"status":"firing"}', '{"alerts":[{"status":"firing"}]}', '{"alerts":[42]}']) {
      const r = post(undefined, { raw });
      expect(r.status, raw).toBe(400);
      expect(r.kill).toBeUndefined();
    }
  });

  it('kills on a firing alert whose labels select this proxy, with the alert name and summary as the reason', () => {
    const r = post(webhook(alert('firing', { keybrake_policy: 'support-refunds', namespace: 'agents', pod: 'agent-7d9f-x2' })));
    expect(r.status).toBe(200);
    expect(r.kill).toEqual({ reason: 'alertmanager: KeybrakeSpendRateHigh: spending 310.00 usd/h' });
    expect(JSON.parse(r.body)).toMatchObject({ killed: true, selected: ['KeybrakeSpendRateHigh'] });
  });

  it('selects by any one selector label, but every one present must match', () => {
    expect(post(webhook(alert('firing', { pod: 'agent-7d9f-x2' }))).kill).toBeDefined();
    expect(post(webhook(alert('firing', { keybrake_policy: 'newsletter' }))).kill).toBeDefined();
    const mismatches: Array<Record<string, string>> = [
      { keybrake_policy: 'other-policy' },
      { keybrake_policy: 'support-refunds', namespace: 'billing' },
      { keybrake_policy: 'support-refunds', pod: 'agent-other' },
      { namespace: 'agents', pod: 'agent-other' },
    ];
    for (const labels of mismatches) {
      const r = post(webhook(alert('firing', labels)));
      expect(r.status).toBe(200);
      expect(r.kill, JSON.stringify(labels)).toBeUndefined();
    }
  });

  it('never matches a namespace or pod label when this proxy has none (outside Kubernetes)', () => {
    const r = handleAlertmanager({
      authorization: `Bearer ${TOKEN}`,
      body: Buffer.from(JSON.stringify(webhook(alert('firing', { keybrake_policy: 'support-refunds', namespace: 'agents' })))),
      expectedToken: TOKEN,
      self: { policies: ['support-refunds'] },
    });
    expect(r.kill).toBeUndefined();
  });

  it('kills nothing for an alert with no selector label, even one named like ours', () => {
    const r = post(webhook(alert('firing', { severity: 'critical', keybrake_action: 'kill', keybrake_policy: '' })));
    expect(r.status).toBe(200);
    expect(r.kill).toBeUndefined();
    expect(JSON.parse(r.body)).toMatchObject({ received: 1, firing: 1, selected: [], killed: false });
  });

  it('never revives on resolved alerts', () => {
    const r = post({ ...webhook(alert('resolved', { keybrake_policy: 'support-refunds' })), status: 'resolved' });
    expect(r.status).toBe(200);
    expect(r.kill).toBeUndefined();
    expect(r).not.toHaveProperty('revive');
  });

  it('keeps the reason to one bounded line', () => {
    const r = post(webhook(alert('firing', { keybrake_policy: 'support-refunds' }, `line one\nline two\r\n\t${'x'.repeat(1000)}`)));
    expect(r.kill!.reason).not.toMatch(/[\r\n\t]/);
    expect(r.kill!.reason.startsWith('alertmanager: KeybrakeSpendRateHigh: line one line two x')).toBe(true);
    expect(r.kill!.reason.length).toBeLessThanOrEqual(300);
  });

  it('handles an Alertmanager 0.25 payload: group of mixed alerts, older fields only, unknown fields ignored', () => {
    // As Alertmanager 0.25 sends it (no notification_reason, no routeLabels), plus a field from the future.
    const payload = {
      receiver: 'keybrake-kill',
      status: 'firing',
      alerts: [
        {
          status: 'resolved',
          labels: { alertname: 'KeybrakeRefusalStorm', keybrake_action: 'kill', keybrake_policy: 'support-refunds', severity: 'critical' },
          annotations: { summary: 'refusing 3.0 calls/s' },
          startsAt: '2026-05-04T10:00:00.000Z',
          endsAt: '2026-05-04T10:05:00.000Z',
          generatorURL: 'http://prometheus:9090/graph?g0.expr=...',
          fingerprint: '9c2bb5a0a4c5d8e1',
        },
        {
          status: 'firing',
          labels: {
            alertname: 'KeybrakeSpendRateHigh',
            currency: 'usd',
            keybrake_action: 'kill',
            keybrake_policy: 'support-refunds',
            policy: 'support-refunds',
            severity: 'critical',
            vendor: 'stripe',
          },
          annotations: { description: 'Committed spend…', summary: 'policy support-refunds is spending 412.00 usd/h on stripe' },
          startsAt: '2026-05-04T10:06:00.000Z',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'http://prometheus:9090/graph?g0.expr=...',
          fingerprint: '1f0e6d7c2a9b3e44',
        },
      ],
      groupLabels: { alertname: 'KeybrakeSpendRateHigh', keybrake_policy: 'support-refunds' },
      commonLabels: { keybrake_action: 'kill', keybrake_policy: 'support-refunds', severity: 'critical' },
      commonAnnotations: {},
      externalURL: 'http://alertmanager:9093',
      version: '4',
      groupKey: '{}/{keybrake_action="kill"}:{alertname="KeybrakeSpendRateHigh", keybrake_policy="support-refunds"}',
      truncatedAlerts: 0,
      somethingNew: { from: 'a later version' },
    };
    const r = post(payload);
    expect(r.status).toBe(200);
    expect(r.kill).toEqual({ reason: 'alertmanager: KeybrakeSpendRateHigh: policy support-refunds is spending 412.00 usd/h on stripe' });
    expect(JSON.parse(r.body)).toMatchObject({ received: 2, firing: 1, selected: ['KeybrakeSpendRateHigh'] });
  });
});
