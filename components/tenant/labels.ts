/**
 * Label keys and values the platform stamps on tenant objects. The proxy, the policy pack and
 * NetworkPolicies select on these, so they are a contract: change them together.
 */

/** Label on a tenant namespace (and its pods) naming the tenant id. */
export const TENANT_LABEL = "agent-cloud.io/tenant";
/** Label naming the environment a namespace belongs to. */
export const ENVIRONMENT_LABEL = "agent-cloud.io/environment";
/** Label naming the tenant's plan, for quota reports and policy. */
export const PLAN_LABEL = "agent-cloud.io/plan";
/** Prefix of the per-group labels: `agent-cloud.io/group.<group>: "true"`. */
export const GROUP_LABEL_PREFIX = "agent-cloud.io/group.";
/** Label every namespace carries with its own name (set by the API server since 1.21). */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/**
 * Pod Security Admission at `restricted`: enforced, and also audited and warned so a manifest
 * that would be refused shows up in `kubectl apply` output and the audit log, not only as a
 * ReplicaSet that never creates pods.
 */
export const POD_SECURITY_RESTRICTED: Readonly<Record<string, string>> = {
  "pod-security.kubernetes.io/enforce": "restricted",
  "pod-security.kubernetes.io/enforce-version": "latest",
  "pod-security.kubernetes.io/audit": "restricted",
  "pod-security.kubernetes.io/warn": "restricted",
};

/** Labels of a tenant's namespace: identity, groups and restricted Pod Security. */
export function tenantNamespaceLabels(args: {
  readonly environment: string;
  readonly tenantId: string;
  readonly planName: string;
  readonly groups: readonly string[];
}): Record<string, string> {
  const labels: Record<string, string> = {
    [TENANT_LABEL]: args.tenantId,
    [ENVIRONMENT_LABEL]: args.environment,
    [PLAN_LABEL]: args.planName,
    ...POD_SECURITY_RESTRICTED,
  };
  for (const group of [...args.groups].sort()) labels[`${GROUP_LABEL_PREFIX}${group}`] = "true";
  return labels;
}

/** Labels of a tenant's pods; the Deployment, Service, PDB and quota select on them. */
export function tenantPodLabels(tenantId: string, serviceName: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": serviceName,
    "app.kubernetes.io/part-of": "agent-cloud",
    [TENANT_LABEL]: tenantId,
  };
}
