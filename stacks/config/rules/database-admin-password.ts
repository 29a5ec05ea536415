/**
 * An external database needs its admin password (a secret key): the one rule in
 * model/rules/database-admin-password.ts, which SharedDatabase and TenantDatabases apply too.
 */
import { databaseAdminPasswordProblems } from "../../../model/rules/database-admin-password";
import { problemIssues, type ConfigRule } from "./rule";

export const databaseAdminPasswordIssues: ConfigRule = ({ config, valid }) => {
  if (!valid("database", "databaseAdminPassword")) return [];
  const adminPasswordSet = config.databaseAdminPassword !== undefined;
  return problemIssues(databaseAdminPasswordProblems({ ...config.database, adminPasswordSet }));
};
