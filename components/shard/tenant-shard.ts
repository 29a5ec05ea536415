import * as pulumi from "@pulumi/pulumi";
import { edgeNamespace } from "../../model/names";
import type { PlatformConfig } from "../../model/platform-config";
import { assertNoProblems } from "../component-args-error";
import { databaseTenantOf } from "../data/shared-database-args";
import { TenantDatabases, type TenantDatabasesArgs } from "../data/tenant-databases";
import { hostsFileLines } from "../edge/hosts-file";
import { createTenantApps } from "../tenant/app-args";
import { acceptedApiKeys, type TenantEndpoint, tenantEndpoints } from "../tenant/endpoint";
import type { TenantApp } from "../tenant/tenant-app";

export const TENANT_SHARD_TYPE = "agent-cloud:platform:TenantShard";

/** A shard tenant's endpoint: the platform's, plus what the platform's edge needs. */
export interface ShardEndpoint extends TenantEndpoint {
  readonly auth: "edge" | "app";
  readonly publicPaths: readonly string[];
  /** Present (true) while the tenant is suspended: the edge answers 503. */
  readonly suspended?: boolean;
}

export interface TenantShardArgs {
  /**
   * The shard stack's validated config: its tenants and its platform's environment settings.
   * Its `database.mode` must be "external" (the server stays with the platform stack).
   */
  readonly config: PlatformConfig;
  /** The platform stack, fully qualified (`org/agent-cloud/production`), for its image and address. */
  readonly platformStack: string;
}

/** A shard's config once checked: its database is the external server. */
export interface ResolvedTenantShardArgs extends TenantShardArgs {
  readonly database: Extract<PlatformConfig["database"], { mode: "external" }>;
}

/**
 * Checks TenantShard's args before anything is registered: every problem in one
 * ComponentArgsError.
 */
export function resolveTenantShardArgs(
  name: string,
  args: TenantShardArgs,
): ResolvedTenantShardArgs {
  const database = args.config.database;
  assertNoProblems(
    "TenantShard",
    name,
    database.mode === "external" ? [] : [`database.mode must be "external" in a shard`],
  );
  return { ...args, database: database as ResolvedTenantShardArgs["database"] };
}

/**
 * One shard of an environment's tenants: each tenant's app and its database on the shared
 * server, named exactly as the platform stack names them (`{env}-tenant-{id}`,
 * `{env}-database-{id}-role`), so a tenant's resources are the same wherever it lives. The
 * proxy, DNS, certificate, image and database server stay with the platform stack, which routes
 * this shard's tenants from its `tenants` output.
 */
export class TenantShard extends pulumi.ComponentResource {
  /** The platform's image, which tenants without their own run. */
  public readonly imageRef: pulumi.Output<string>;
  /** The platform proxy's address. */
  public readonly proxyAddress: pulumi.Output<string>;
  public readonly edgeNamespace: string;
  /**
   * Per tenant of this shard: URL, hosts, namespace, image, groups, plan, and what the edge needs
   * to serve it (auth mode, public paths). The platform routes from it.
   */
  public readonly tenants: pulumi.Output<Record<string, ShardEndpoint>>;
  /** Per tenant: its accepted API keys (secret), for the platform proxy's key table. */
  public readonly apiKeys: pulumi.Output<Record<string, { current: string; previous?: string }>>;
  /** With no DNS provider: `/etc/hosts` lines for this shard's hosts. */
  public readonly hostsFileLines: pulumi.Output<string[]>;

  /** The platform stack, read for its image and its proxy's address. */
  public readonly platform: pulumi.StackReference;
  /** This shard's tenants' roles and databases on the shared server. */
  public readonly database: TenantDatabases;
  /** This shard's tenants' apps, by tenant id. */
  public readonly apps: Readonly<Record<string, TenantApp>>;

  constructor(name: string, args: TenantShardArgs, opts?: pulumi.ComponentResourceOptions) {
    const resolved = resolveTenantShardArgs(name, args);
    super(TENANT_SHARD_TYPE, name, {}, opts);
    const config = resolved.config;
    const child = { parent: this };

    this.platform = new pulumi.StackReference(
      `${name}-platform`,
      { name: resolved.platformStack },
      child,
    );
    this.imageRef = this.platform.requireOutput("imageRef") as pulumi.Output<string>;
    this.proxyAddress = this.platform.requireOutput("proxyAddress") as pulumi.Output<string>;
    this.edgeNamespace = edgeNamespace(config.environment);

    this.database = new TenantDatabases(`${name}-database`, shardDatabaseArgs(resolved), child);
    this.apps = createTenantApps(
      name,
      config,
      { image: this.imageRef, database: this.database },
      child,
    );
    this.tenants = tenantEndpoints(config, this.imageRef, (t) => ({
      auth: t.auth,
      publicPaths: t.publicPaths,
      ...(t.suspended ? { suspended: true } : {}),
    }));
    this.apiKeys = pulumi.secret(pulumi.all(plainApiKeys(this.apps)));

    const hosts = config.tenants.flatMap((t) => t.hosts);
    this.hostsFileLines =
      config.dns.provider === "none"
        ? this.proxyAddress.apply((address) =>
            hostsFileLines(address === "" ? "127.0.0.1" : address, hosts),
          )
        : pulumi.output([]);

    this.registerOutputs({
      imageRef: this.imageRef,
      proxyAddress: this.proxyAddress,
      tenants: this.tenants,
      apiKeys: this.apiKeys,
      hostsFileLines: this.hostsFileLines,
    });
  }
}

/** The shard's databases' args: its tenants, on the environment's external server. */
export function shardDatabaseArgs(args: ResolvedTenantShardArgs): TenantDatabasesArgs {
  const database = args.database;
  return {
    environment: args.config.environment,
    protect: database.protect,
    tenants: args.config.tenants.map((tenant) =>
      databaseTenantOf(tenant, args.config.adoptDatabases),
    ),
    host: database.host,
    port: database.port,
    sslmode: database.sslmode,
    adminUser: database.adminUser,
    adminDatabase: database.adminDatabase,
    adminPassword: args.config.secrets.databaseAdminPassword?.toOutput(),
    networkCidrs: database.networkCidrs,
    maxConnections: database.maxConnections,
  };
}

/** Each app's accepted keys as one Output per tenant, without `previous` outside an overlap. */
function plainApiKeys(
  apps: Readonly<Record<string, TenantApp>>,
): Record<string, pulumi.Output<{ current: string; previous?: string }>> {
  return Object.fromEntries(
    Object.entries(acceptedApiKeys(apps)).map(([id, keys]) => [
      id,
      pulumi
        .all([keys.current, keys.previous])
        .apply(([current, previous]) =>
          previous === undefined ? { current } : { current, previous },
        ),
    ]),
  );
}
