// The kill switch: one bit that, once set, destroys every open connection
// (client and upstream, keep-alive ones included) and refuses every later
// request. Persisted so a restarted proxy comes back killed; reviving is a
// deliberate act (admin token), never a side effect of a restart.
import fs from 'node:fs';
import path from 'node:path';
import type net from 'node:net';

export type KillSource = 'api' | 'alertmanager' | 'policy' | 'restart';

export interface KillState {
  killed: boolean;
  reason?: string;
  since?: string;
  source?: KillSource;
}

export class KillSwitch {
  #state: KillState = { killed: false };
  #policyKill: string | undefined;
  readonly #file: string;
  readonly #sockets = new Set<net.Socket>();
  readonly #aborts = new Set<AbortController>();
  readonly #hooks: Array<() => void> = [];

  constructor(stateDir: string) {
    this.#file = path.join(stateDir, 'kill.json');
    try {
      const saved = JSON.parse(fs.readFileSync(this.#file, 'utf8')) as KillState;
      if (saved.killed) this.#state = { ...saved, killed: true };
    } catch {
      // no saved state: alive
    }
  }

  /**
   * Increments on every cut (kill, policy kill, shutdown). A call remembers the epoch it was
   * admitted in; a different one at forward time means a kill happened while it waited (on the
   * ledger, a lookup) and it must not go upstream, even after a revive.
   */
  get epoch(): number {
    return this.#epoch;
  }

  #epoch = 0;

  /** Killed locally or by the policy (`spec.killed: true`), or told by the controller ahead of the policy update. */
  state(): KillState {
    if (this.#state.killed) return this.#state;
    if (this.#policyKill) return { killed: true, reason: this.#policyKill, source: 'policy', since: this.#policySince };
    if (this.#ahead) return { killed: true, reason: this.#ahead.reason, source: 'policy', since: this.#ahead.since };
    return this.#state;
  }

  /**
   * A policy kill announced by the control plane (pods/proxy) before the ConfigMap carrying
   * `spec.killed` arrives. It lasts until this proxy loads that policy at `generation` or later,
   * so only the policy (RBAC on the CRD) revives, and an older policy update cannot undo it.
   */
  #ahead?: { policy: string; generation: number; reason: string; since: string };

  killAhead(policy: string, generation: number, reason: string): KillState {
    const was = this.state().killed;
    this.#ahead = { policy, generation, reason, since: new Date().toISOString() };
    if (!was) this.#cutEverything();
    return this.state();
  }

  /** Called on every policy load with the loaded documents' names and generations. */
  settleAhead(loaded: ReadonlyMap<string, number>): void {
    const a = this.#ahead;
    if (!a) return;
    const g = loaded.get(a.policy);
    if (g === undefined || g >= a.generation) this.#ahead = undefined;
  }

  #policySince?: string;

  /** Applies the policy's kill bit; a policy kill cuts connections like any other. */
  setPolicyKill(reason: string | undefined): void {
    const was = this.state().killed;
    this.#policyKill = reason;
    if (reason && !this.#policySince) this.#policySince = new Date().toISOString();
    if (!reason) this.#policySince = undefined;
    if (!was && reason) this.#cutEverything();
  }

  kill(reason: string, source: KillSource): KillState {
    const first = !this.#state.killed;
    if (first) this.#state = { killed: true, reason, since: new Date().toISOString(), source };
    // Cut first, then fsync: the sockets are what is spending money right now.
    this.#cutEverything();
    if (first) this.#persist();
    return this.#state;
  }

  /**
   * The admin token's revive. It also drops an announced policy kill the policy has not
   * confirmed: announcements need no credential, so a forged one (a generation that never
   * comes) must not outlast the operator. A kill the policy carries stays (setPolicyKill).
   */
  revive(): void {
    this.#ahead = undefined;
    this.#state = { killed: false };
    this.#persist();
  }

  /** Track a client or tunnel socket so a kill can destroy it. */
  track(socket: net.Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
  }

  /** Track an upstream request so a kill aborts it. Returns the untrack function. */
  trackAbort(controller: AbortController): () => void {
    this.#aborts.add(controller);
    return () => this.#aborts.delete(controller);
  }

  /** Called on every kill, e.g. to destroy upstream pools. */
  onKill(hook: () => void): void {
    this.#hooks.push(hook);
  }

  /** Shutdown: drop every connection without changing the kill state. */
  disconnectAll(): void {
    this.#cutEverything();
  }

  get openSockets(): number {
    return this.#sockets.size;
  }

  #cutEverything(): void {
    this.#epoch++;
    // Abort upstream first so nothing more is sent, then drop the agent's sockets.
    for (const c of this.#aborts) c.abort(new Error('keybrake killed'));
    this.#aborts.clear();
    for (const hook of this.#hooks) hook();
    for (const s of this.#sockets) {
      // resetAndDestroy discards what is queued and sends RST: nothing more reaches the agent.
      if (typeof s.resetAndDestroy === 'function' && !s.destroyed) s.resetAndDestroy();
      else s.destroy();
    }
    this.#sockets.clear();
  }

  #persist(): void {
    const tmp = `${this.#file}.tmp`;
    const fd = fs.openSync(tmp, 'w');
    fs.writeSync(fd, JSON.stringify(this.#state));
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, this.#file);
  }
}
