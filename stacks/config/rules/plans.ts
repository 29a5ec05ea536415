/** A tenant's plan exists (built in or under `plans`), and its replicas fit the plan. */
import type { ConfigIssue } from "../errors";
import { tenantScaleIssues } from "./replicas";
import { configIssue, type TenantRule } from "./rule";

export const tenantPlanIssues: TenantRule = (at, { plans, valid }) => {
  const issues: ConfigIssue[] = [];
  // With an invalid plan table, which plan names exist is unknown.
  const plan = valid("plans") ? plans[at.tenant.plan] : undefined;
  if (valid("plans") && plan === undefined) {
    const names = Object.keys(plans).sort();
    issues.push(
      configIssue(
        `${at.path}.plan`,
        at.tenant.plan,
        `must be one of ${names.map((name) => JSON.stringify(name)).join(", ")} (or a plan defined under plans)`,
      ),
    );
  }
  issues.push(...tenantScaleIssues(at, plan));
  return issues;
};
