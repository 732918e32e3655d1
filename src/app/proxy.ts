// Assembles one `keybrake proxy` process: policy source, certificates, ledger,
// audit sinks, upstream pools, kill switch, the data plane and the admin API.
import fs from 'node:fs';
import type net from 'node:net';
import type { Logger } from 'pino';
import type { CompiledPolicy } from '../policy/compiled.ts';
import type { PolicySource } from '../policy/source.ts';
import type { Clock } from '../pipeline/context.ts';
import { recordCutCall, type PipelineServices } from '../pipeline/pipeline.ts';
import { loadCa } from '../pki/ca.ts';
import { LeafMinter } from '../pki/certs.ts';
import { KillSwitch } from '../kill/kill-switch.ts';
import { Upstreams } from '../proxy/upstream.ts';
import { DataPlane } from '../proxy/data-plane.ts';
import { DirSecretStore } from './secrets.ts';
import { openLedger } from '../ledger/open.ts';
import { openAuditSinks, AuditFanout } from '../audit/open.ts';
import { createAdminServer, listen } from '../admin/server.ts';
import { ProxyMetrics } from '../admin/metrics.ts';
import { handleAlertmanager } from '../admin/alertmanager.ts';
import { buildStatus } from '../admin/status.ts';
import { observeCall, refreshCapUsage } from '../admin/observe.ts';
import { readiness } from './readiness.ts';
import { underFlag } from './startup.ts';
import { LimitMetrics } from '../admin/limit-metrics.ts';
import { installProcessGuard, type ProcessGuard } from '../limits/process-guard.ts';
import { defaultConnectionLimits, type ConnectionLimits } from '../limits/connection-limits.ts';
import type { PeerMessage, Peers } from './peers.ts';

export interface ProxyOptions {
  policySource: PolicySource;
  caCertPem: string;
  caKeyPem: string;
  secretsDir: string;
  stateDir: string;
  listen: { host: string; port: number };
  adminListen: { host: string; port: number };
  upstreams?: ReadonlyMap<string, string>;
  upstreamCaPem?: string;
  ledger?: string;
  audit?: string;
  maxBodyBytes?: number;
  /** On close(): how long in-flight calls may finish before they are cut (default 25 s, below Kubernetes' 30 s grace). */
  drainTimeoutMs?: number;
  /** Deadlines and caps per connection; defaults when omitted. */
  limits?: ConnectionLimits;
  holdMs?: number;
  namespace?: string;
  pod?: string;
  log: Logger;
  clock?: Clock;
  /** POST /shutdown (container-mode sidecars of Jobs): the token it takes besides the admin token, and what it does. */
  shutdown?: { token: string; run(): void };
  /** Set in a `--workers N` worker: kill-switch changes go to every other worker too. */
  peers?: Peers;
}

export interface RunningProxy {
  address: net.AddressInfo;
  adminAddress: net.AddressInfo;
  policy(): CompiledPolicy;
  /** Drain (not ready, no new connections, in-flight calls finish or are cut and audited), then flush audit and ledger. */
  close(): Promise<void>;
}

const DEFAULT_DRAIN_MS = 25_000;

export async function startProxy(o: ProxyOptions): Promise<RunningProxy> {
  const log = o.log;
  const metrics = new ProxyMetrics();
  const limitMetrics = new LimitMetrics(metrics.registry);
  // Log and count what escapes every handler instead of dying: a crash would cut the pod's egress.
  const processGuard = installProcessGuard(log, (kind) => limitMetrics.escaped(kind));
  try {
    return await startGuarded(o, log, metrics, limitMetrics, processGuard);
  } catch (err) {
    processGuard.uninstall();
    throw err;
  }
}

async function startGuarded(
  o: ProxyOptions,
  log: Logger,
  metrics: ProxyMetrics,
  limitMetrics: LimitMetrics,
  processGuard: ProcessGuard,
): Promise<RunningProxy> {
  const kill = await underFlag('--state-dir', `state directory ${o.stateDir}`, () => {
    fs.mkdirSync(o.stateDir, { recursive: true });
    return new KillSwitch(o.stateDir);
  });
  let serving: 'starting' | 'serving' | 'draining' = 'starting';

  // Set after the policy loads (so a bad policy is named before a bad CA); a reload
  // before then has nothing to mint against and the startup premint below covers it.
  // eslint-disable-next-line prefer-const -- assigned once the CA loads; the reload callback above reads it before then
  let minter: LeafMinter | undefined;
  let policy = await underFlag('--policy', 'no usable policy', () =>
    o.policySource.start(
      (next) => {
        // Mint every vendor host before adopting: a host the CA cannot sign refuses the whole
        // policy here (the last good one stays), instead of failing the first handshake later.
        minter?.premint(hostsToPremint(next));
        policy = next;
        kill.settleAhead(new Map(next.documents.map((d) => [d.metadata.name, d.metadata.generation ?? 0])));
        kill.setPolicyKill(next.killedBy);
        metrics.policyLoaded(next);
        log.info({ generation: next.generation, hash: next.hash }, 'policy reloaded');
      },
      (err) => {
        metrics.policyReloadFailed();
        log.error({ err }, 'policy reload refused; keeping the last good policy');
      },
    ),
  );
  kill.setPolicyKill(policy.killedBy);
  metrics.policyLoaded(policy);

  const leafMinter = await underFlag('--ca-cert/--ca-key', 'unusable CA', () => new LeafMinter(loadCa(o.caCertPem, o.caKeyPem)));
  minter = leafMinter;
  const secrets = new DirSecretStore(o.secretsDir);
  const upstreams = new Upstreams({ overrides: o.upstreams, extraCa: o.upstreamCaPem });
  kill.onKill(() => upstreams.destroyAll());
  const local = (spec: string | undefined) => spec === undefined || spec === 'sqlite';
  const ledger = await underFlag(local(o.ledger) ? '--state-dir' : '--ledger', `cannot open the ${o.ledger ?? 'sqlite'} ledger`, () =>
    openLedger(o.ledger, o.stateDir),
  );
  const audit = new AuditFanout(
    await underFlag(local(o.audit) ? '--state-dir' : '--audit', 'cannot open the audit store', () =>
      openAuditSinks({ audit: o.audit, stateDir: o.stateDir, log }),
    ),
    log,
  );
  metrics.watchAudit(() => audit.stats());
  // Renewing on scrape keeps idle hosts' leaves fresh, so expiry alerts mean renewal stopped.
  metrics.watchCertificates(() => (leafMinter.renewDue(), leafMinter.expiry()));
  const counts: Record<string, number> = {};

  const services: PipelineServices & { kill: KillSwitch } = {
    clock: o.clock ?? { now: () => Date.now() },
    ledger,
    secrets,
    upstream: upstreams,
    log,
    killState: () => kill.state(),
    killEpoch: () => kill.epoch,
    holdMs: o.holdMs ?? 15 * 60_000,
    upstreams,
    kill,
    audit,
    where: { namespace: o.namespace, pod: o.pod },
    observe: (ctx) => observeCall(ctx, metrics, counts),
    onLedgerError: () => metrics.ledgerError(),
    onCelBudgetExceeded: () => limitMetrics.celBudgetExceeded(),
  };

  // Read at scrape time, not per request: cap usage and the kill bit as they are now.
  metrics.watchCaps(() => refreshCapUsage(metrics, policy, ledger, services.clock.now(), log));
  metrics.watchKill(() => {
    const state = kill.state();
    return state.killed ? (state.source ?? 'restart') : undefined;
  });
  // Under --workers N a scrape of any worker answers for all of them.
  if (o.peers) metrics.shareWithCluster();

  const dataPlane = new DataPlane({
    minter: leafMinter,
    policy: () => policy,
    services,
    maxBodyBytes: o.maxBodyBytes ?? 1024 * 1024,
    limits: o.limits ?? defaultConnectionLimits(),
    limitMetrics,
    log,
  });
  limitMetrics.watchBuffered(() => dataPlane.bufferedBytes, metrics.registry);
  const ready = () => {
    const r = readiness({ serving, ledger, secrets, secretsDir: o.secretsDir, policy });
    // Not ready until a policy is in force: none loaded yet (the ConfigMap feed at first start), or none selects this pod.
    if (policy.unloaded !== undefined) {
      r.problems.unshift({ check: 'policy', message: policy.unloaded });
      r.ready = false;
    }
    return r;
  };
  // A kill told by another worker is applied here exactly as if it came in on this admin port.
  const peers = o.peers;
  peers?.onMessage((m: PeerMessage) => {
    if (m.type === 'kill') kill.kill(m.reason, m.source);
    else if (m.type === 'kill-ahead') kill.killAhead(m.policy, m.generation, m.reason);
    else kill.revive();
    log.warn({ change: m.type }, 'kill switch changed by another worker');
  });
  peers?.onReport(() => ({ worker: peers.workerId, generation: policy.generation, hash: policy.hash, killed: kill.state().killed, counts: { ...counts } }));
  /** Local first (the sockets here are spending now), then every other worker; answers once they all cut. */
  const everywhere = async <T>(local: () => T, msg: PeerMessage): Promise<T> => {
    const result = local();
    if (peers && !(await peers.broadcast(msg)).acknowledged) log.error({ change: msg.type }, 'not every worker acknowledged the kill-switch change in time');
    return result;
  };
  const admin = createAdminServer({
    ready,
    status: async () => {
      // Under --workers N: the calls every worker served, and each worker's generation and kill bit side by side.
      const workers = peers ? await peers.gather() : undefined;
      const served = workers ? sumCounts(workers.map((w) => w.counts)) : counts;
      const status = (await buildStatus({ policy, kill: kill.state(), ledger, clock: services.clock, counts: served })) as object;
      return { ...ready(), ...status, ...(workers ? { workers } : {}) };
    },
    kill: (reason, source, scope) => {
      if (scope) {
        // Only a proxy running that policy obeys a policy-scoped kill.
        if (!policy.documents.some((d) => d.metadata.name === scope.name)) return { ...kill.state(), ignored: `not running policy ${scope.name}` };
        log.warn({ reason, policy: scope.name, generation: scope.generation }, 'kill switch on (policy killed by the control plane)');
        return everywhere(() => kill.killAhead(scope.name, scope.generation, reason), {
          type: 'kill-ahead',
          policy: scope.name,
          generation: scope.generation,
          reason,
        });
      }
      log.warn({ reason, source }, 'kill switch on');
      return everywhere(() => kill.kill(reason, source), { type: 'kill', reason, source });
    },
    revive: async () => {
      if (policy.killedBy) return { ok: false, message: `still killed by the policy (${policy.killedBy}); revive by editing it` };
      await everywhere(() => kill.revive(), { type: 'revive' });
      log.warn('kill switch off (revived with the admin token)');
      return { ok: true, message: 'revived' };
    },
    adminToken: () => secrets.tryRead('keybrake-admin', 'token'),
    metrics: async () => ({ contentType: metrics.contentType, body: o.peers ? await o.peers.clusterMetrics() : await metrics.metricsText() }),
    shutdown: o.shutdown && {
      token: o.shutdown.token,
      run: () => {
        log.warn('shutting down (POST /shutdown)');
        o.shutdown!.run();
      },
    },
    alertmanager: async (authorization, body) => {
      const r = handleAlertmanager({
        authorization,
        body,
        expectedToken: secrets.tryRead('keybrake-admin', 'alertmanager-token'),
        self: { policies: policy.documents.map((d) => d.metadata.name), namespace: o.namespace, pod: o.pod },
      });
      if (r.kill) {
        const reason = r.kill.reason;
        await everywhere(() => kill.kill(reason, 'alertmanager'), { type: 'kill', reason, source: 'alertmanager' });
        log.warn({ reason }, 'kill switch on (Alertmanager)');
      }
      return r;
    },
  });

  leafMinter.premint(hostsToPremint(policy));
  // Admin first: a data plane must never forward without its own kill switch and status.
  let address: net.AddressInfo;
  let adminAddress: net.AddressInfo;
  try {
    adminAddress = await listen(admin, o.adminListen.host, o.adminListen.port);
    address = await dataPlane.listen(o.listen.host, o.listen.port);
  } catch (err) {
    admin.close();
    void dataPlane.close();
    await Promise.allSettled([upstreams.close(), audit.close(), ledger.close()]);
    throw err;
  }
  serving = 'serving';
  const state = ready();
  log.info({ listen: address, admin: adminAddress, generation: policy.generation, killed: kill.state().killed, ready: state.ready }, 'keybrake proxy ready');
  for (const p of state.problems) log.warn({ check: p.check }, `not ready: ${p.message}`);

  return {
    address,
    adminAddress,
    policy: () => policy,
    async close() {
      serving = 'draining';
      o.policySource.stop();
      // The admin listener stays up while draining, so probes see not-ready and /kill still works.
      await dataPlane.drain(o.drainTimeoutMs ?? DEFAULT_DRAIN_MS, (ctx) => {
        log.warn({ requestId: ctx.id, host: ctx.host }, 'drain timeout: cutting an in-flight call');
        recordCutCall(ctx, services, 'cut by shutdown after the drain timeout');
      });
      kill.disconnectAll();
      admin.closeAllConnections();
      await Promise.all([dataPlane.close(), new Promise<void>((r) => admin.close(() => r()))]);
      await upstreams.close();
      await audit.close();
      await ledger.close();
      processGuard.uninstall();
    },
  };
}

function sumCounts(all: ReadonlyArray<Readonly<Record<string, number>>>): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const counts of all) for (const [decision, n] of Object.entries(counts)) sum[decision] = (sum[decision] ?? 0) + n;
  return sum;
}

/**
 * A policy's hosts, minted before it is adopted. Not the no-policy placeholder's: it covers every
 * pack's hosts only to refuse in their shape, and a name-constrained CA must not make dropping the
 * last policy (or starting without one) fail; such a host just resets its own handshakes.
 */
function hostsToPremint(p: CompiledPolicy): string[] {
  return p.unloaded === undefined ? [...p.byHost.keys()] : [];
}
