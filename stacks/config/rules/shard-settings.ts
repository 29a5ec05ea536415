/**
 * Shard settings and stack size: a stack holds at most maxTenantsPerStack tenants, a shard names
 * itself and its platform, is not a platform too, and runs on an external database.
 */
import type { ConfigIssue } from "../errors";
import { configIssue, type ConfigRule } from "./rule";

export const shardSettingsIssues: ConfigRule = ({ config, valid }) => {
  if (!valid("shard", "shards", "maxTenantsPerStack")) return [];
  const { shard, shards, maxTenantsPerStack } = config;
  const issues: ConfigIssue[] = [];
  const isShard = shard.name !== undefined || shard.platform !== undefined;
  if (config.tenants.length > maxTenantsPerStack) {
    issues.push(
      configIssue(
        "tenants",
        `${config.tenants.length} tenants`,
        `a stack holds at most ${maxTenantsPerStack} tenants (maxTenantsPerStack); ${
          isShard ? "start another shard" : "move tenants to shard stacks"
        } (README, "Tenant shards")`,
      ),
    );
  }
  if (isShard) {
    if (shard.name === undefined) {
      issues.push(
        configIssue(
          "shard.name",
          undefined,
          `is required with shard.platform: the shard's own name`,
        ),
      );
    }
    if (shard.platform === undefined) {
      issues.push(
        configIssue(
          "shard.platform",
          undefined,
          `is required with shard.name: the platform stack's name`,
        ),
      );
    }
    if (shards.length > 0) {
      issues.push(
        configIssue(
          "shards",
          shards,
          `a stack is either a platform (shards) or a shard (shard), not both`,
        ),
      );
    }
    if (valid("database") && config.database.mode !== "external") {
      issues.push(
        configIssue(
          "database.mode",
          config.database.mode,
          `shards need an external database: they create their tenants' roles on it with their own databaseAdminPassword`,
        ),
      );
    }
  }
  const listed = new Set<string>();
  shards.forEach((name, nth) => {
    if (listed.has(name)) issues.push(configIssue(`shards[${nth}]`, name, `is listed twice`));
    listed.add(name);
  });
  return issues;
};
