/**
 * Replicas against the plan's `maxReplicas` (fixed replicas, and autoscale's max) and autoscale's
 * own range: the one rule TenantApp also applies, model/rules/tenant-scale.ts, as config issues.
 */
import type { Plan } from "../../../model/plans";
import { tenantScaleProblems } from "../../../model/rules/tenant-scale";
import type { ConfigIssue } from "../errors";
import { configIssue, type TenantAt } from "./rule";

/** Every scale issue of a tenant; the plan's bound only when its plan is known. */
export function tenantScaleIssues(
  { tenant, path }: TenantAt,
  plan: Pick<Plan, "maxReplicas"> | undefined,
): ConfigIssue[] {
  return tenantScaleProblems({
    replicas: tenant.replicas,
    autoscale: tenant.autoscale,
    plan: plan === undefined ? undefined : { name: tenant.plan, maxReplicas: plan.maxReplicas },
  }).map((problem) => configIssue(`${path}.${problem.field}`, problem.received, problem.message));
}
