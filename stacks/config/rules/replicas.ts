/**
 * Replicas against the plan's `maxReplicas` (fixed replicas, or autoscale's max) and autoscale's
 * own range. components/tenant/tenant-app.ts checks the same bound on its args.
 */
import type { Plan } from "../../../model/plans";
import type { ConfigIssue } from "../errors";
import { configIssue, type TenantAt } from "./rule";

/** At most one issue: fixed replicas above the plan's maximum, else autoscale.max above it. */
export function replicasWithinPlanIssues(
  { tenant, path }: TenantAt,
  plan: Pick<Plan, "maxReplicas">,
): ConfigIssue[] {
  const message = `plan "${tenant.plan}" allows at most ${plan.maxReplicas} replicas`;
  if (tenant.replicas > plan.maxReplicas) {
    return [configIssue(`${path}.replicas`, tenant.replicas, message)];
  }
  if (tenant.autoscale !== undefined && tenant.autoscale.max > plan.maxReplicas) {
    return [configIssue(`${path}.autoscale.max`, tenant.autoscale.max, message)];
  }
  return [];
}

export function autoscaleRangeIssues({ tenant, path }: TenantAt): ConfigIssue[] {
  const autoscale = tenant.autoscale;
  if (autoscale === undefined || autoscale.min <= autoscale.max) return [];
  return [
    configIssue(
      `${path}.autoscale.min`,
      autoscale.min,
      `must not exceed autoscale.max (${autoscale.max})`,
    ),
  ];
}
