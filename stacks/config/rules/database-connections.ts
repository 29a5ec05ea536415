/**
 * The tenants' connection limits (their plans' databaseConnections) fit the server's
 * max_connections, with the admin's reserve: the one rule in model/rules/connection-budget.ts,
 * which SharedDatabase applies too.
 */
import { connectionBudgetProblems } from "../../../model/rules/connection-budget";
import { problemIssues, type ConfigRule } from "./rule";

export const databaseConnectionIssues: ConfigRule = ({ config, valid, plans }) => {
  if (!valid("database", "plans", "tenants")) return [];
  const connectionLimits = config.tenants.map(
    (tenant) => plans[tenant.plan]?.databaseConnections ?? 0,
  );
  return problemIssues(connectionBudgetProblems({ ...config.database, connectionLimits }));
};
