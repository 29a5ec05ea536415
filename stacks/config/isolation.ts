/**
 * Config rules that keep tenants and environments apart whatever the stack file says: public-only
 * egress unless a plan opts in, a database network that is one private network, names that
 * cannot collide across environments, and connection limits that fit the server.
 */
import { cidrRange, nonPublicOverlaps, privateRangeOf } from "../../lib/cidr";
import { type ConfigIssue, showValue } from "./errors";
import { connectionBudgetProblems } from "../../model/rules/connection-budget";
import type { ConfigProblem } from "../../model/rules/config-problem";
import { databaseAdminSourcesProblems } from "../../model/rules/database-admin-sources";
import { environmentNameProblems } from "../../model/rules/environment-name";
import { BUILTIN_PLANS } from "../../model/plans";
import type { ParsedConfig } from "../../model/config-schema";

/** Narrowest prefix a database network may have: one VPC subnet group, not a whole cluster. */
export const MIN_DATABASE_PREFIX = 16;

/**
 * The isolation rules over a parsed config; `ok(keys)` says whether those top-level keys are
 * valid on their own (a rule over a failed key is skipped, as parseConfig's others are).
 */
export function isolationIssues(
  c: ParsedConfig,
  ok: (...keys: string[]) => boolean = () => true,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const add = (path: string, received: unknown, message: string) =>
    issues.push({ path, received: showValue(received), message });
  const addAll = (problems: readonly ConfigProblem[]) =>
    problems.forEach((p) => add(p.path, p.received, p.message));

  if (ok("environment")) addAll(environmentNameProblems(c.environment));

  for (const [name, plan] of Object.entries(ok("plans") ? c.plans : {})) {
    if (plan.allowPrivateEgress) continue;
    plan.egressCidrs.forEach((cidr, i) => {
      const hit = nonPublicOverlaps(cidr);
      if (hit.length === 0) return;
      add(
        `plans.${name}.egressCidrs[${i}]`,
        cidr,
        `overlaps non-public ranges (${hit.join(", ")}), where cluster, node, VPC and cloud metadata addresses live; list public ranges only, or set plans.${name}.allowPrivateEgress: true (named in every preview)`,
      );
    });
  }

  if (!ok("database")) return issues;
  if (c.database.mode === "external") {
    c.database.networkCidrs.forEach((cidr, i) => {
      const range = cidrRange(cidr);
      const bits = Number(cidr.split("/")[1]);
      if (privateRangeOf(cidr) === undefined || range === undefined) {
        add(
          `database.networkCidrs[${i}]`,
          cidr,
          `must lie inside one private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10): it is where the server sits on a private network; a server with a public address needs no entry`,
        );
      } else if (bits < MIN_DATABASE_PREFIX) {
        add(
          `database.networkCidrs[${i}]`,
          cidr,
          `is wider than /${MIN_DATABASE_PREFIX}: tenants could reach every address in it on the database port; list the server's subnets`,
        );
      }
    });
  }

  if (c.database.mode === "in-cluster") addAll(databaseAdminSourcesProblems(c.database));

  if (!ok("plans", "tenants")) return issues;
  const plans = { ...BUILTIN_PLANS, ...c.plans };
  const connectionLimits = c.tenants.map((t) => plans[t.plan]?.databaseConnections ?? 0);
  addAll(connectionBudgetProblems({ ...c.database, connectionLimits }));
  return issues;
}
