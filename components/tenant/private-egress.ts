import * as pulumi from "@pulumi/pulumi";
import { nonPublicOverlaps } from "../../lib/cidr";
import type { Plan } from "../../model/plans";

/** Marks a tenant NetworkPolicy whose plan allows private egress (the policy pack reads it). */
export const PRIVATE_EGRESS_ANNOTATION = "agent-cloud.io/allow-private-egress";
/** Names the private CIDRs of the tenant's database, the only private ipBlocks it may reach. */
export const DATABASE_CIDRS_ANNOTATION = "agent-cloud.io/database-cidrs";

/**
 * Annotations that tell the policy pack which private destinations of a tenant's NetworkPolicy
 * are deliberate: its database's network, and everything when the plan opted in.
 */
export function networkPolicyAnnotations(
  allowPrivateEgress: boolean,
  database: { readonly cidrs?: readonly string[] },
): { annotations?: Record<string, string> } {
  const annotations: Record<string, string> = {};
  if (allowPrivateEgress) annotations[PRIVATE_EGRESS_ANNOTATION] = "true";
  if ((database.cidrs ?? []).length > 0) {
    annotations[DATABASE_CIDRS_ANNOTATION] = [...(database.cidrs ?? [])].join(",");
  }
  return Object.keys(annotations).length > 0 ? { annotations } : {};
}

/** The preview warning for a plan that lets a tenant reach non-public ranges, or undefined. */
export function privateEgressWarning(
  tenantId: string,
  planName: string,
  plan: Pick<Plan, "allowPrivateEgress" | "egressCidrs">,
): string | undefined {
  if (!plan.allowPrivateEgress) return undefined;
  const open = plan.egressCidrs.filter((c) => nonPublicOverlaps(c).length > 0);
  if (open.length === 0) return undefined;
  return (
    `PRIVATE EGRESS: tenant "${tenantId}" (plan "${planName}", allowPrivateEgress: true) may ` +
    `reach non-public ranges ${open.join(", ")} on any port: cluster, VPC or metadata addresses ` +
    `there are open to its code`
  );
}

/** Names a plan's private egress loudly in every preview and update. */
export function warnPrivateEgress(
  tenantId: string,
  planName: string,
  plan: Pick<Plan, "allowPrivateEgress" | "egressCidrs">,
): void {
  const message = privateEgressWarning(tenantId, planName, plan);
  if (message !== undefined) void pulumi.log.warn(message);
}
