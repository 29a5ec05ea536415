/**
 * An external server is reached with the admin password from config; the in-cluster server
 * generates its own. The config validation and SharedDatabase/TenantDatabases both apply this.
 */
import type { ConfigProblem } from "./config-problem";

/** The command that sets the admin password, named wherever it is missing or given in clear. */
export const SET_DATABASE_ADMIN_PASSWORD =
  "pulumi config set --secret databaseAdminPassword <value>";

export interface DatabaseAdminPasswordInput {
  readonly mode: "in-cluster" | "external";
  /** Whether `databaseAdminPassword` is set (its value is never looked at here). */
  readonly adminPasswordSet: boolean;
}

/** A problem when an external server has no admin password; empty otherwise. */
export function databaseAdminPasswordProblems(input: DatabaseAdminPasswordInput): ConfigProblem[] {
  if (input.mode !== "external" || input.adminPasswordSet) return [];
  return [
    {
      path: "databaseAdminPassword",
      message: `is required when database.mode is "external"; run: ${SET_DATABASE_ADMIN_PASSWORD}`,
    },
  ];
}
