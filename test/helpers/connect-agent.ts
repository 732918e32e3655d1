// How an agent's HTTPS client reaches keybrake in explicit-proxy mode:
// HTTPS_PROXY-style CONNECT, trusting the mesh CA for the TLS inside the tunnel.
import type https from 'node:https';
import { HttpsProxyAgent } from 'https-proxy-agent';

export function connectAgent(proxyPort: number, caPem: string): HttpsProxyAgent<string> {
  const agent = new HttpsProxyAgent(`http://127.0.0.1:${proxyPort}`, { keepAlive: true });
  // Node merges agent.options into every request's options, and the inner
  // tls.connect takes them from there; https-proxy-agent resets them in its
  // constructor, so the CA is set afterwards. (In a pod, NODE_EXTRA_CA_CERTS does this.)
  (agent.options as https.AgentOptions).ca = caPem;
  return agent;
}
