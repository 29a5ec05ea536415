/**
 * What one stack of an environment runs, from its validated config: the whole environment
 * (unsharded), the platform with its shards' tenants routed, or one shard of tenants. All three
 * give the same stack outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { Platform } from "../components/platform";
import { TenantShard } from "../components/shard/tenant-shard";
import { type PlatformConfig } from "../model/platform-config";
import { qualifiedStackName } from "./config/shards";
import { readShardTenants } from "./shard-tenants";
import { checkStackIdentity } from "./stack-identity";
import { stopOnConfigError } from "./stop-on-config-error";

export interface ProgramOptions {
  /** Folder that relative build contexts are resolved against. */
  readonly projectRoot: string;
  /** Cloudflare API token for cert-manager's DNS-01 solver (tls.mode acme). */
  readonly cloudflareApiToken?: pulumi.Input<string>;
}

/** The outputs every stack of the project exports (none secret). */
export interface StackOutputs {
  readonly edgeNamespace: pulumi.Input<string>;
  readonly imageRef: pulumi.Output<string>;
  readonly proxyAddress: pulumi.Output<string>;
  readonly tenants: pulumi.Output<Record<string, unknown>>;
  readonly hostsFileLines: pulumi.Output<string[]>;
  /** A shard's tenants' API keys (secret), for its platform; undefined on any other stack. */
  readonly apiKeys?: pulumi.Output<unknown>;
}

/**
 * Builds this stack's part of the environment and returns its outputs, once the stack's own
 * guard (stacks/stack-identity.ts) has read what it ran last: nothing is registered before.
 */
export function environmentProgram(config: PlatformConfig, options: ProgramOptions): StackOutputs {
  const built = checkStackIdentity(config)
    .then(() => buildStack(config, options))
    .catch((error: unknown) => {
      // As for the stack's own config: the message alone, no stack trace.
      throw stopOnConfigError(error);
    });
  /** One output of the stack's part once it exists. */
  const builtOutput = <T>(pick: (stack: Platform | TenantShard) => pulumi.Input<T> | undefined) =>
    pulumi.output(built.then((stack) => pulumi.output(pick(stack)))) as pulumi.Output<T>;
  return {
    edgeNamespace: builtOutput((stack) => stack.edgeNamespace),
    imageRef: builtOutput((stack) => stack.imageRef),
    proxyAddress: builtOutput((stack) => stack.proxyAddress),
    tenants: builtOutput((stack) => stack.tenants),
    hostsFileLines: builtOutput((stack) => stack.hostsFileLines),
    ...(config.shard.platform === undefined
      ? {}
      : { apiKeys: builtOutput((stack) => (stack as TenantShard).apiKeys) }),
  };
}

/** The whole environment, the platform with its shards' tenants routed, or one shard. */
async function buildStack(
  config: PlatformConfig,
  options: ProgramOptions,
): Promise<Platform | TenantShard> {
  const name = config.environment;
  if (config.shard.platform !== undefined) {
    const platformStack = qualifiedStackName(
      config.stackOrganization,
      pulumi.getProject(),
      config.shard.platform,
    );
    return new TenantShard(name, { config, platformStack });
  }
  if (config.shards.length === 0) return new Platform(name, { config, ...options });
  // The proxy's routes and the DNS records are named from the shards' tenants, so they are
  // read (and checked) before the platform registers anything.
  const shardTenants = await readShardTenants(config);
  return new Platform(name, { config, ...options, shardTenants });
}
