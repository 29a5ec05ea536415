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

function outputsOf(stack: Platform | TenantShard): StackOutputs {
  return {
    edgeNamespace: stack.edgeNamespace,
    imageRef: stack.imageRef,
    proxyAddress: stack.proxyAddress,
    tenants: stack.tenants,
    hostsFileLines: stack.hostsFileLines,
  };
}

/** Builds this stack's part of the environment and returns its outputs. */
export function environmentProgram(config: PlatformConfig, options: ProgramOptions): StackOutputs {
  const name = config.environment;
  if (config.shard.platform !== undefined) {
    const platformStack = qualifiedStackName(
      config.stackOrganization,
      pulumi.getProject(),
      config.shard.platform,
    );
    const shard = new TenantShard(name, { config, platformStack });
    return { ...outputsOf(shard), apiKeys: shard.apiKeys };
  }
  if (config.shards.length === 0) {
    return outputsOf(new Platform(name, { config, ...options }));
  }
  // The proxy's routes and the DNS records are named from the shards' tenants, so they are
  // read (and checked) before the platform registers anything.
  const platform = readShardTenants(config).then(
    (shardTenants) => new Platform(name, { config, ...options, shardTenants }),
    (error: unknown) => {
      // As for the stack's own config: the message alone, no stack trace.
      throw stopOnConfigError(error);
    },
  );
  /** One output of the platform once it exists. */
  const platformOutput = <T>(pick: (built: Platform) => pulumi.Input<T>) =>
    pulumi.output(platform.then((built) => pulumi.output(pick(built)))) as pulumi.Output<T>;
  return {
    edgeNamespace: platformOutput((built) => built.edgeNamespace),
    imageRef: platformOutput((built) => built.imageRef),
    proxyAddress: platformOutput((built) => built.proxyAddress),
    tenants: platformOutput((built) => built.tenants),
    hostsFileLines: platformOutput((built) => built.hostsFileLines),
  };
}
