// Defence in depth for agent namespaces: a NetworkPolicy that lets pods out on
// HTTPS and DNS only, so even traffic that escaped the pod's redirect has
// nowhere else to go. NetworkPolicy cannot tell the sidecar from the agent
// (it selects pods, not UIDs): the redirect does that; this bounds the pod.
export interface AgentNetworkPolicyOptions {
  namespace: string;
  /** The vendors' port (the sidecar's upstream): 443. */
  httpsPort?: number;
  /** Where DNS goes: the cluster resolver's pods (default kube-dns in kube-system). */
  dns?: { namespace: string; podLabels: Record<string, string> };
  /**
   * More TCP ports the sidecar needs: the API server's endpoint port when it is
   * not 443 (often 6443: policies are enforced after the Service's translation),
   * Redis or PostgreSQL for shared caps and audit.
   */
  extraTcpPorts?: number[];
}

export function buildAgentNetworkPolicy(o: AgentNetworkPolicyOptions): Record<string, unknown> {
  const dns = o.dns ?? { namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } };
  const tcp = [o.httpsPort ?? 443, ...(o.extraTcpPorts ?? [])];
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'keybrake-agent-egress', namespace: o.namespace, labels: { 'app.kubernetes.io/part-of': 'keybrake' } },
    spec: {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        { ports: tcp.map((port) => ({ protocol: 'TCP', port })) },
        {
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': dns.namespace } }, podSelector: { matchLabels: dns.podLabels } }],
          ports: [
            { protocol: 'UDP', port: 53 },
            { protocol: 'TCP', port: 53 },
          ],
        },
      ],
    },
  };
}
