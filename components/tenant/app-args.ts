import type * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { PlatformConfig, TenantConfig } from "../../model/platform-config";
import { apiKeySeedName, edgeNamespace, tenantNamespace } from "../../model/names";
import type { DatabasePeer } from "./network-policy";
import { TenantApp, type TenantAppArgs } from "./tenant-app";
import type { TenantAppTransforms } from "./tenant-app-args";

/** What a tenant's app needs from the rest of its environment. */
export interface TenantDependencies {
  /** The image every tenant without its own runs, pinned by digest. */
  readonly image: pulumi.Input<string>;
  /** The tenant's DATABASE_URL (secret). */
  readonly databaseUrl: pulumi.Input<string>;
  /** Where the database server is, for the egress rule. */
  readonly databaseEgress: DatabasePeer;
  /** The stack's API-key seed (secret), once some tenant's key is rotated. */
  readonly apiKeySeed?: pulumi.Input<string>;
}

/**
 * A TenantApp's args from the environment's config and one of its tenants, the same in the
 * platform stack and in a shard stack, so moving a tenant between them changes nothing it runs.
 */
export function tenantAppArgs(
  config: PlatformConfig,
  tenant: TenantConfig,
  deps: TenantDependencies,
): TenantAppArgs {
  return {
    environment: config.environment,
    tenantId: tenant.id,
    groups: tenant.groups,
    planName: tenant.planName,
    plan: tenant.plan,
    replicas: tenant.replicas,
    suspended: tenant.suspended,
    autoscale: tenant.autoscale,
    image: tenant.image ?? deps.image,
    port: config.app.port,
    healthPath: config.app.healthPath,
    readinessPath: config.app.readinessPath,
    startupPeriodSeconds: config.app.startupPeriodSeconds,
    startupFailureThreshold: config.app.startupFailureThreshold,
    writablePaths: config.app.writablePaths,
    terminationGracePeriodSeconds: config.app.terminationGracePeriodSeconds,
    uid: config.app.uid,
    agentConfig: tenant.agentConfig,
    env: tenant.env,
    secrets: Object.fromEntries(Object.entries(tenant.secrets).map(([k, v]) => [k, v.toOutput()])),
    databaseUrl: deps.databaseUrl,
    apiKeyPrefix: config.apiKeyPrefix,
    apiKeyRotation: tenant.apiKey,
    apiKeySeed: deps.apiKeySeed,
    adminEmail: tenant.adminEmail,
    migrate: tenant.migrate ?? config.app.migrate,
    proxyNamespace: edgeNamespace(config.environment),
    clusterDomain: config.proxy.clusterDomain,
    databaseEgress: deps.databaseEgress,
  };
}

/** What {@link createTenantApps} needs from the stack that holds the tenants. */
export interface TenantFleetDependencies {
  /** The image every tenant without its own runs, pinned by digest. */
  readonly image: pulumi.Input<string>;
  /** The database holding the tenants' roles: each tenant's URL and where the server is. */
  readonly database: {
    tenantUrl(id: string): pulumi.Input<string>;
    readonly networkPeer: DatabasePeer;
  };
  /** Adjusts every tenant app's children (components/transform.ts). @default none */
  readonly transform?: TenantAppTransforms;
}

/**
 * Every tenant's TenantApp, named `${name}-tenant-{id}` under `opts.parent`, and the stack's
 * API-key seed `${name}-api-key-seed`, created with the first rotated key (generation 1 and later
 * derive from it: components/tenant/api-key.ts). The platform stack and a shard stack both call
 * this, so a tenant's resources are the same wherever it lives.
 */
export function createTenantApps(
  name: string,
  config: PlatformConfig,
  deps: TenantFleetDependencies,
  opts: pulumi.CustomResourceOptions,
): Record<string, TenantApp> {
  const apiKeySeed = config.tenants.some((t) => t.apiKey.generation >= 1)
    ? new random.RandomPassword(apiKeySeedName(name), { length: 64, special: false }, opts).result
    : undefined;
  const apps: Record<string, TenantApp> = {};
  for (const tenant of config.tenants) {
    const args = tenantAppArgs(config, tenant, {
      image: deps.image,
      databaseUrl: deps.database.tenantUrl(tenant.id),
      databaseEgress: deps.database.networkPeer,
      apiKeySeed,
    });
    // Named as its namespace, `{environment}-tenant-{id}`: ops reads the tenant back from it
    // (model/names.ts tenantOfName).
    apps[tenant.id] = new TenantApp(
      tenantNamespace(name, tenant.id),
      deps.transform === undefined ? args : { ...args, transform: deps.transform },
      opts,
    );
  }
  return apps;
}
