/**
 * Production guards: a self-signed certificate or an in-cluster database is refused in the
 * production environment unless the stack file says `allowInProduction: true`.
 */
import type { ConfigIssue } from "../errors";
import { configIssue, type ConfigRule } from "./rule";

export const productionGuardIssues: ConfigRule = ({ config, valid }) => {
  if (!valid("environment") || config.environment !== "production") return [];
  const issues: ConfigIssue[] = [];
  if (valid("tls") && config.tls.mode === "self-signed" && !config.tls.allowInProduction) {
    issues.push(
      configIssue(
        "tls.mode",
        config.tls.mode,
        `production needs a trusted certificate (cloudflare-origin-ca, acme or provided); set tls.allowInProduction: true to accept a self-signed one`,
      ),
    );
  }
  if (
    valid("database") &&
    config.database.mode === "in-cluster" &&
    !config.database.allowInProduction
  ) {
    issues.push(
      configIssue(
        "database.mode",
        config.database.mode,
        `production needs an external database; set database.allowInProduction: true to run PostgreSQL in the cluster`,
      ),
    );
  }
  return issues;
};
