/**
 * The tenants' connection limits (their plans' databaseConnections) fit the server's
 * max_connections, with the admin's reserve.
 */
import { IN_CLUSTER_MAX_CONNECTIONS } from "../../../components/data/shared-database";
import { connectionBudget, RESERVED_CONNECTIONS } from "../../../components/data/tenant-sql";
import { configIssue, type ConfigRule } from "./rule";

export const databaseConnectionIssues: ConfigRule = ({ config, valid, plans }) => {
  if (!valid("database", "plans", "tenants")) return [];
  const { database } = config;
  const maxConnections =
    database.maxConnections ??
    (database.mode === "in-cluster" ? IN_CLUSTER_MAX_CONNECTIONS : undefined);
  if (maxConnections === undefined) return [];
  const limits = config.tenants.map((tenant) => plans[tenant.plan]?.databaseConnections ?? 0);
  const budget = connectionBudget(limits, maxConnections);
  if (budget.fits) return [];
  return [
    configIssue(
      "database.maxConnections",
      maxConnections,
      `tenants' databaseConnections sum to ${budget.total - RESERVED_CONNECTIONS} (+${RESERVED_CONNECTIONS} reserved for the admin), above max_connections; raise database.maxConnections${database.mode === "external" ? " (and the server's max_connections)" : ""} or move tenants to smaller plans`,
    ),
  ];
};
