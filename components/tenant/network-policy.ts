import type * as k8s from "@pulumi/kubernetes";
import { IPV4_CIDR, NON_PUBLIC_RANGES, nonPublicOverlaps } from "../../lib/cidr";
import { NAMESPACE_NAME_LABEL } from "./labels";

export { NON_PUBLIC_RANGES };

type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;
type NetworkPolicyPeer = k8s.types.input.networking.v1.NetworkPolicyPeer;

/** Labels of the cluster DNS pods (CoreDNS keeps kube-dns's label on every major distribution). */
export const CLUSTER_DNS_POD_LABELS: Readonly<Record<string, string>> = { "k8s-app": "kube-dns" };

/**
 * Egress to cluster DNS only: the DNS pods of kube-system ({@link CLUSTER_DNS_POD_LABELS}), not
 * everything listening on 53 there. Every namespace the platform closes (tenants', the backups')
 * opens DNS with this one rule; a new object each call, so a transform that edits one policy's
 * copy leaves the others' alone.
 */
export function clusterDnsEgress(): k8s.types.input.networking.v1.NetworkPolicyEgressRule {
  return {
    to: [
      {
        namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: "kube-system" } },
        podSelector: { matchLabels: { ...CLUSTER_DNS_POD_LABELS } },
      },
    ],
    ports: [
      { protocol: "UDP", port: 53 },
      { protocol: "TCP", port: 53 },
    ],
  };
}

/** Everything IPv4 except {@link NON_PUBLIC_RANGES}. */
export const PUBLIC_INTERNET: NetworkPolicyPeer = {
  ipBlock: { cidr: "0.0.0.0/0", except: [...NON_PUBLIC_RANGES] },
};

/** Where a tenant's pods reach the database: pods in a namespace, or addresses. */
export interface DatabasePeer {
  /** Namespace of an in-cluster server; selected by its `kubernetes.io/metadata.name` label. */
  readonly namespace?: string;
  /** Labels of the server's pods in {@link namespace}. @default all pods of that namespace */
  readonly podLabels?: Readonly<Record<string, string>>;
  /** Addresses of an external server on a private network. */
  readonly cidrs?: readonly string[];
  /** TCP port of the server. */
  readonly port: number;
}

export interface TenantNetworkPolicyInput {
  /** Container port of the app: the only port the proxy may open. */
  readonly appPort: number;
  /** Namespace of the edge proxy: the only source of ingress. */
  readonly proxyNamespace: string;
  readonly database: DatabasePeer;
  /** TCP ports allowed to the public internet (the plan's `egressPorts`). */
  readonly egressPorts: readonly number[];
  /** Extra destinations on any port (the plan's `egressCidrs`). */
  readonly egressCidrs: readonly string[];
  /** Lets {@link egressCidrs} reach non-public ranges (the plan's opt-in). @default false */
  readonly allowPrivateEgress?: boolean;
}

/**
 * The one NetworkPolicy of a tenant namespace. It selects every pod (`podSelector: {}`) and
 * lists both policy types, which makes it deny-by-default in both directions; the rules below
 * are the only holes. No rule selects another tenant's namespace, and the internet rule excludes
 * the ranges where other tenants' pods and services live.
 */
export function tenantNetworkPolicySpec(input: TenantNetworkPolicyInput): NetworkPolicySpec {
  const problems = networkPolicyProblems(input);
  if (problems.length > 0) throw new Error(problems.join("; "));

  const egress: NonNullable<NetworkPolicySpec["egress"]> = [
    clusterDnsEgress(),
    { to: databasePeers(input.database), ports: [{ protocol: "TCP", port: input.database.port }] },
  ];
  if (input.egressPorts.length > 0) {
    egress.push({
      to: [PUBLIC_INTERNET],
      ports: [...new Set(input.egressPorts)].sort((a, b) => a - b).map(tcp),
    });
  }
  if (input.egressCidrs.length > 0) {
    egress.push({ to: [...new Set(input.egressCidrs)].map((cidr) => ({ ipBlock: { cidr } })) });
  }

  return {
    podSelector: {},
    policyTypes: ["Ingress", "Egress"],
    ingress: [
      {
        from: [
          {
            namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: input.proxyNamespace } },
          },
        ],
        ports: [tcp(input.appPort)],
      },
    ],
    egress,
  };
}

/**
 * Every problem with the policy's input (empty when it can be built): CIDRs that are not IPv4
 * CIDRs, non-public egress CIDRs without the plan's opt-in, ports out of range.
 */
export function networkPolicyProblems(input: TenantNetworkPolicyInput): string[] {
  const problems: string[] = [];
  for (const cidr of [...input.egressCidrs, ...(input.database.cidrs ?? [])]) {
    if (!IPV4_CIDR.test(cidr)) {
      problems.push(`egress CIDR "${cidr}": must be an IPv4 CIDR such as 203.0.113.0/24`);
    }
  }
  if (input.allowPrivateEgress !== true) {
    for (const cidr of input.egressCidrs) {
      const hit = nonPublicOverlaps(cidr);
      if (hit.length > 0) {
        problems.push(
          `egress CIDR "${cidr}": overlaps non-public ranges (${hit.join(", ")}); only a plan with allowPrivateEgress: true may reach them`,
        );
      }
    }
  }
  for (const port of [input.appPort, input.database.port, ...input.egressPorts]) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      problems.push(`port ${port}: must be an integer from 1 to 65535`);
    }
  }
  return problems;
}

/** Where a pod reaches the database: its namespace (and pods), its CIDRs, or the public internet. */
export function databasePeers(db: DatabasePeer): NetworkPolicyPeer[] {
  const peers: NetworkPolicyPeer[] = [];
  if (db.namespace !== undefined) {
    peers.push({
      namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: db.namespace } },
      podSelector: { matchLabels: { ...(db.podLabels ?? {}) } },
    });
  }
  for (const cidr of db.cidrs ?? []) peers.push({ ipBlock: { cidr } });
  // An external server with no CIDRs has a public address: reachable on its port only.
  if (peers.length === 0) peers.push(PUBLIC_INTERNET);
  return peers;
}

function tcp(port: number) {
  return { protocol: "TCP", port };
}
