// The controller's own Prometheus metrics (its /metrics on :17080).
import { Counter, Gauge, Registry } from 'prom-client';

export class ControllerMetrics {
  readonly registry = new Registry();
  readonly leader = new Gauge({ name: 'keybrake_controller_leader', help: '1 while this replica holds the Lease', registers: [this.registry] });
  readonly policies = new Gauge({
    name: 'keybrake_controller_policies',
    help: 'EgressPolicies by verdict of their last check',
    labelNames: ['state'],
    registers: [this.registry],
  });
  readonly reconcileErrors = new Counter({
    name: 'keybrake_controller_reconcile_errors_total',
    help: 'namespace reconciles that failed and were retried',
    registers: [this.registry],
  });
  readonly watchErrors = new Counter({
    name: 'keybrake_controller_watch_errors_total',
    help: 'watch or list failures (each followed by a retry)',
    labelNames: ['resource'],
    registers: [this.registry],
  });
  readonly kills = new Counter({
    name: 'keybrake_controller_kill_fanout_total',
    help: 'pods/proxy kill calls by result',
    labelNames: ['result'],
    registers: [this.registry],
  });
  readonly alerts = new Counter({
    name: 'keybrake_controller_alertmanager_requests_total',
    help: 'Alertmanager webhook calls by HTTP status',
    labelNames: ['status'],
    registers: [this.registry],
  });

  setPolicies(docs: Array<{ status?: { conditions?: Array<{ type: string; status: string }> } }>): void {
    let accepted = 0;
    let refused = 0;
    for (const d of docs) {
      const c = d.status?.conditions?.find((x) => x.type === 'Accepted');
      if (c?.status === 'True') accepted++;
      else if (c?.status === 'False') refused++;
    }
    this.policies.set({ state: 'accepted' }, accepted);
    this.policies.set({ state: 'refused' }, refused);
  }
}
