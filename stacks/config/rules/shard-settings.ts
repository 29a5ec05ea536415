/**
 * Shard settings and stack size: a stack holds at most maxTenantsPerStack tenants, a shard names
 * itself and its platform, is not a platform too, and runs on an external database; a platform
 * lists each shard once.
 */
import type { ParsedConfig } from "../../../model/config-schema";
import type { ConfigIssue } from "../errors";
import { configIssue, type ConfigRule, type RuleContext } from "./rule";

export const shardSettingsIssues: ConfigRule = (context) => {
  if (!context.valid("shard", "shards", "maxTenantsPerStack")) return [];
  return [
    ...stackSizeIssues(context.config),
    ...shardIdentityIssues(context),
    ...shardListIssues(context.config),
  ];
};

function isShard({ shard }: ParsedConfig): boolean {
  return shard.name !== undefined || shard.platform !== undefined;
}

function stackSizeIssues(config: ParsedConfig): ConfigIssue[] {
  if (config.tenants.length <= config.maxTenantsPerStack) return [];
  return [
    configIssue(
      "tenants",
      `${config.tenants.length} tenants`,
      `a stack holds at most ${config.maxTenantsPerStack} tenants (maxTenantsPerStack); ${
        isShard(config) ? "start another shard" : "move tenants to shard stacks"
      } (README, "Tenant shards")`,
    ),
  ];
}

/** A shard names itself and its platform, lists no shards, and uses an external database. */
function shardIdentityIssues({ config, valid }: RuleContext): ConfigIssue[] {
  if (!isShard(config)) return [];
  const { shard, shards } = config;
  const issues: ConfigIssue[] = [];
  if (shard.name === undefined) {
    issues.push(
      configIssue("shard.name", undefined, `is required with shard.platform: the shard's own name`),
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
  return issues;
}

function shardListIssues({ shards }: ParsedConfig): ConfigIssue[] {
  const listed = new Set<string>();
  return shards.flatMap((name, nth) => {
    const twice = listed.has(name);
    listed.add(name);
    return twice ? [configIssue(`shards[${nth}]`, name, `is listed twice`)] : [];
  });
}
