import * as pulumi from "@pulumi/pulumi";
import { nonPublicOverlaps } from "../../lib/cidr";
import type { Plan } from "../../stacks/config/plans";

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
