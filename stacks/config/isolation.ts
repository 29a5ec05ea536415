/**
 * Config rules that keep tenants and environments apart whatever the stack file says: public-only
 * egress unless a plan opts in, a database network that is one private network, names that
 * cannot collide across environments, and connection limits that fit the server.
 */
import { cidrRange, nonPublicOverlaps, privateRangeOf } from "../../lib/cidr";
import { connectionBudget, RESERVED_CONNECTIONS } from "../../components/data/tenant-sql";
import { type ConfigIssue, showValue } from "./errors";
import { ENVIRONMENT_NAME } from "../../model/names";
import { BUILTIN_PLANS } from "../../model/plans";
import type { ParsedConfig } from "../../model/config-schema";

/** Narrowest prefix a database network may have: one VPC subnet group, not a whole cluster. */
export const MIN_DATABASE_PREFIX = 16;
/** The in-cluster server's `max_connections` when `database.maxConnections` is unset. */
export const IN_CLUSTER_DEFAULT_MAX_CONNECTIONS = 200;

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

  if (ok("environment") && !ENVIRONMENT_NAME.test(c.environment)) {
    add(
      "environment",
      c.environment,
      `must be letters and digits only (no '-'): names join it with tenant ids, so "dev" + tenant "team-a" and "dev-team" + tenant "a" would share database sp_dev_team_a, and a tenant namespace could equal another environment's {env}-edge`,
    );
  }

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

  if (c.database.mode === "in-cluster" && c.database.nodePort !== undefined) {
    if (c.database.adminSourceCidrs.length === 0) {
      add(
        "database.adminSourceCidrs",
        [],
        `is required with database.nodePort ${c.database.nodePort}: the database's NetworkPolicy admits the admin path only from these sources (kind: the Docker network, 172.16.0.0/12)`,
      );
    }
  }

  if (!ok("plans", "tenants")) return issues;
  const plans = { ...BUILTIN_PLANS, ...c.plans };
  const limits = c.tenants.map((t) => plans[t.plan]?.databaseConnections ?? 0);
  const max =
    c.database.maxConnections ??
    (c.database.mode === "in-cluster" ? IN_CLUSTER_DEFAULT_MAX_CONNECTIONS : undefined);
  if (max !== undefined) {
    const budget = connectionBudget(limits, max);
    if (!budget.fits) {
      add(
        "database.maxConnections",
        max,
        `tenants' databaseConnections sum to ${budget.total - RESERVED_CONNECTIONS} (+${RESERVED_CONNECTIONS} reserved for the admin), above max_connections; raise database.maxConnections${c.database.mode === "external" ? " (and the server's max_connections)" : ""} or move tenants to smaller plans`,
      );
    }
  }
  return issues;
}
