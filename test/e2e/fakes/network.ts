// The network an agent's pod gives its SDKs, for the vendor SDK tests:
// - explicit mode: an HTTPS proxy (CONNECT) at the keybrake listener, the mesh
//   CA trusted for the TLS inside the tunnel;
// - transparent mode: every connection to port 443 lands on the listener (the
//   pod's iptables redirect), with the SNI of the vendor host the SDK dialled.
// Each comes for node:https clients (an https.Agent) and for fetch clients
// (an undici dispatcher). The SDKs themselves keep their default vendor URLs.
import https from 'node:https';
import type net from 'node:net';
import type tls from 'node:tls';
import { Agent, buildConnector, ProxyAgent, type Dispatcher } from 'undici';
import { connectAgent } from '../../helpers/connect-agent.ts';

export type Mode = 'explicit' | 'transparent';
export const MODES: readonly Mode[] = ['explicit', 'transparent'];

/** An https.Agent for node:https clients (axios, twilio-node). */
export function httpsAgentFor(mode: Mode, listenerPort: number, caPem: string): https.Agent {
  if (mode === 'explicit') return connectAgent(listenerPort, caPem);
  const agent = new https.Agent({ ca: caPem, keepAlive: true });
  const dial = agent.createConnection.bind(agent) as (options: tls.ConnectionOptions) => net.Socket;
  // servername is already the vendor host (Node sets it from the URL before dialling).
  agent.createConnection = ((options: tls.ConnectionOptions) => dial({ ...options, host: '127.0.0.1', port: listenerPort })) as typeof agent.createConnection;
  return agent;
}

/** An undici dispatcher for fetch clients (resend-node, postmark.js). */
export function dispatcherFor(mode: Mode, listenerPort: number, caPem: string): Dispatcher {
  if (mode === 'explicit') return new ProxyAgent({ uri: `http://127.0.0.1:${listenerPort}`, requestTls: { ca: caPem } });
  const connect = buildConnector({ ca: caPem });
  return new Agent({
    connect: (opts, callback) => connect({ ...opts, hostname: '127.0.0.1', port: String(listenerPort), servername: opts.hostname }, callback),
  });
}
