/**
 * A tenant's plan exists (built in or under `plans`), and its replicas fit the plan; a plan's
 * requests do not exceed its limits and its limits are above zero, and so are the proxy's.
 */
import { planResourceProblems } from "../../../model/rules/plan-resources";
import type { ConfigIssue } from "../errors";
import { tenantScaleIssues } from "./replicas";
import { type ConfigRule, configIssue, type TenantRule } from "./rule";

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

/** Problems with requests and limits at `at` (a plan, the proxy), as config issues. */
function resourceIssues(at: string, resources: Parameters<typeof planResourceProblems>[0]) {
  return planResourceProblems(resources).map((problem) =>
    configIssue(
      `${at}.${problem.field}`,
      problem.received,
      problem.kind === "above-limit"
        ? `must not exceed ${at}.${problem.limitField} (${problem.limit})`
        : problem.message,
    ),
  );
}

/** `proxy.resources`, when set: requests within limits, limits above zero, by the plans' rule. */
export const proxyResourceIssues: ConfigRule = ({ config, valid }) => {
  const resources = valid("proxy") ? config.proxy.resources : undefined;
  return resources === undefined ? [] : resourceIssues("proxy.resources", resources);
};

/**
 * Each plan under `plans`: requests within limits, limits above zero
 * (model/rules/plan-resources.ts).
 */
export const planResourceIssues: ConfigRule = ({ config, valid }) => {
  if (!valid("plans")) return [];
  return Object.entries(config.plans).flatMap(([planName, plan]) =>
    resourceIssues(`plans.${planName}`, plan),
  );
};
