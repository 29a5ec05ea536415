/**
 * Where tenants may reach the database: an external server's network is one private range no
 * wider than /16, and an in-cluster server's node port admits the admin path only from listed
 * sources (the one rule in model/rules/database-admin-sources.ts, which SharedDatabase applies too).
 */
import { cidrRange, privateRangeOf } from "../../../lib/cidr";
import { databaseAdminSourcesProblems } from "../../../model/rules/database-admin-sources";
import type { ConfigIssue } from "../errors";
import { configIssue, problemIssues, type ConfigRule } from "./rule";

/** Narrowest prefix a database network may have: one VPC subnet group, not a whole cluster. */
export const MIN_DATABASE_PREFIX = 16;

export const databaseNetworkIssues: ConfigRule = ({ config, valid }) => {
  if (!valid("database")) return [];
  const { database } = config;
  const issues: ConfigIssue[] = [];
  if (database.mode === "external") {
    database.networkCidrs.forEach((cidr, nth) => {
      const path = `database.networkCidrs[${nth}]`;
      if (privateRangeOf(cidr) === undefined || cidrRange(cidr) === undefined) {
        issues.push(
          configIssue(
            path,
            cidr,
            `must lie inside one private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10): it is where the server sits on a private network; a server with a public address needs no entry`,
          ),
        );
      } else if (Number(cidr.split("/")[1]) < MIN_DATABASE_PREFIX) {
        issues.push(
          configIssue(
            path,
            cidr,
            `is wider than /${MIN_DATABASE_PREFIX}: tenants could reach every address in it on the database port; list the server's subnets`,
          ),
        );
      }
    });
  }
  if (database.mode === "in-cluster") {
    issues.push(...problemIssues(databaseAdminSourcesProblems(database)));
  }
  return issues;
};
