// What the limits report, as a port: the data plane counts closed connections
// and refused bodies through it, and the admin's metrics implement it. The
// limits own these names, so neither the proxy nor the limits import admin/.

/** Why the proxy closed a connection on its own. A fixed set: label values stay bounded. */
export type CloseReason = 'handshake' | 'header' | 'body' | 'idle' | 'max_connections';
export type EscapedKind = 'rejection' | 'exception';

export interface LimitCounters {
  closed(reason: CloseReason): void;
  bufferRefused(): void;
}
