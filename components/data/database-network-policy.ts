import type * as k8s from "@pulumi/kubernetes";
import { ENVIRONMENT_LABEL, TENANT_LABEL } from "../tenant/labels";
import { tenantBackupsPeer } from "./backups-peer";

type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;
type NetworkPolicyPeer = k8s.types.input.networking.v1.NetworkPolicyPeer;

export interface DatabasePolicyInput {
  /** Only tenant namespaces labelled with this environment may connect. */
  readonly environment: string;
  /** Labels of the postgres pods. */
  readonly podLabels: Readonly<Record<string, string>>;
  readonly port: number;
  /** Sources of the admin NodePort path, as the pod sees them (node addresses); none: no path. */
  readonly adminSourceCidrs: readonly string[];
  /** Whether the environment's TenantBackups run: their pods dump every tenant database. */
  readonly backups: boolean;
}

/**
 * The in-cluster database namespace's only NetworkPolicy: deny-by-default both ways; ingress on
 * the postgres port from namespaces labelled as one of THIS environment's tenants (the labels
 * TenantApp stamps, which tenants cannot change), from the backup pods in `{environment}-backups`
 * when backups run (that namespace carries no tenant label), and from the admin path; no egress
 * at all (postgres serves, it calls nothing).
 */
export function databaseNamespacePolicySpec(input: DatabasePolicyInput): NetworkPolicySpec {
  const from: NetworkPolicyPeer[] = [
    {
      namespaceSelector: {
        matchLabels: { [ENVIRONMENT_LABEL]: input.environment },
        matchExpressions: [{ key: TENANT_LABEL, operator: "Exists" }],
      },
    },
    ...(input.backups ? [tenantBackupsPeer(input.environment)] : []),
    ...input.adminSourceCidrs.map((cidr) => ({ ipBlock: { cidr } })),
  ];
  return {
    podSelector: {},
    policyTypes: ["Ingress", "Egress"],
    ingress: [
      {
        from,
        ports: [{ protocol: "TCP", port: input.port }],
      },
    ],
    egress: [],
  };
}
