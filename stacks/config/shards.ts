/**
 * Tenant shards: an environment whose tenants outgrow one stack splits them over shard stacks
 * `Pulumi.<platform>-<shard>.yaml`. The platform stack keeps the proxy, DNS, certificate, image
 * and database server and lists its shards (`shards`); each shard stack names its platform
 * (`shard.platform`) and holds up to `maxTenantsPerStack` tenants: their apps and their
 * databases on the shared server. Every environment-wide setting is written once, in the
 * platform's stack file, and a shard reads it from there (never a secret: those a shard needs,
 * it holds itself).
 */
import { showReceived } from "../../model/rules/config-problem";
import { ConfigError } from "./errors";
import { CONFIG_NAMESPACE } from "../../model/config-schema";
import { readStackFileBlock } from "./stack-file";

/** Settings every stack of an environment shares; a shard takes them from its platform's file. */
export const ENVIRONMENT_KEYS = [
  "environment",
  "domain",
  "otherEnvironmentDomains",
  "dns",
  "tls",
  "proxy",
  "database",
  "image",
  "app",
  "plans",
  "maxTenantsPerStack",
  "stackOrganization",
] as const;

/** The stack name of shard `shard` of platform stack `platform`. */
export function shardStackName(platform: string, shard: string): string {
  return `${platform}-${shard}`;
}

/** `org/project/stack`: how a stack reference names another stack of this project. */
export function qualifiedStackName(organization: string, project: string, stack: string): string {
  return `${organization}/${project}/${stack}`;
}

/** The `agent-cloud:*` keys (without the namespace) of a stack file, or undefined if none. */
export function readStackFileConfig(
  dir: string,
  stack: string,
): Record<string, unknown> | undefined {
  const block = readStackFileBlock(dir, stack);
  if (block === undefined) return undefined;
  const prefix = `${CONFIG_NAMESPACE}:`;
  const raw: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(block)) {
    if (fullKey.startsWith(prefix)) raw[fullKey.slice(prefix.length)] = value;
  }
  return raw;
}

/**
 * A shard's raw config with its platform's environment-wide settings in place; any other raw
 * config is returned unchanged. The platform's file wins over what the engine hands the shard
 * (which includes Pulumi.yaml's defaults), except that a shard stating another `environment`
 * is refused.
 */
export function withPlatformSettings(
  raw: Record<string, unknown>,
  readPlatform: (stack: string) => Record<string, unknown> | undefined,
): Record<string, unknown> {
  const shard = raw.shard;
  if (shard === null || typeof shard !== "object" || Array.isArray(shard)) return raw;
  const platform = (shard as { platform?: unknown }).platform;
  if (typeof platform !== "string" || platform === "") return raw;
  const base = readPlatform(platform);
  if (base === undefined) {
    throw new ConfigError([
      {
        path: "shard.platform",
        received: showReceived(platform),
        message: `no stack file Pulumi.${platform}.yaml next to Pulumi.yaml; a shard reads its environment's settings from its platform stack's file`,
      },
    ]);
  }
  if (
    raw.environment !== undefined &&
    base.environment !== undefined &&
    raw.environment !== base.environment
  ) {
    throw new ConfigError([
      {
        path: "environment",
        received: showReceived(raw.environment),
        message: `the platform stack ${platform} is environment ${JSON.stringify(base.environment)}; a shard belongs to its platform's environment (remove environment from the shard's file)`,
      },
    ]);
  }
  const inherited = Object.fromEntries(
    ENVIRONMENT_KEYS.filter((k) => base[k] !== undefined).map((k) => [k, base[k]]),
  );
  return { ...raw, ...inherited };
}
