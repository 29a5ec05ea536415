/**
 * An external database needs its admin password (a secret key); components/data/shared-database.ts
 * checks the same on its args.
 */
import { SET_SECRET_COMMAND } from "./clear-text-secrets";
import { configIssue, type ConfigRule } from "./rule";

export const databaseAdminPasswordIssues: ConfigRule = ({ config, valid }) => {
  if (!valid("database", "databaseAdminPassword")) return [];
  if (config.database.mode !== "external" || config.databaseAdminPassword !== undefined) return [];
  return [
    configIssue(
      "databaseAdminPassword",
      undefined,
      `is required when database.mode is "external"; run: ${SET_SECRET_COMMAND.databaseAdminPassword}`,
    ),
  ];
};
