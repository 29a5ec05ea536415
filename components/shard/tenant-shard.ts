import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../../model/platform-config";
import { edgeNamespace, tenantNamespace } from "../../model/names";
import { TenantDatabases } from "../data/tenant-databases";
import { hostsFileLines } from "../edge/hosts-file";
import type { TenantEndpoint } from "../platform";
import { createTenantApps } from "../tenant/app-args";
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
  /** The shard stack's validated config: its tenants and its platform's environment settings. */
  readonly config: PlatformConfig;
  /** The platform stack, fully qualified (`org/agent-cloud/production`), for its image and address. */
  readonly platformStack: string;
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

  constructor(name: string, args: TenantShardArgs, opts?: pulumi.ComponentResourceOptions) {
    const c = args.config;
    if (c.database.mode !== "external") {
      throw new Error(`TenantShard "${name}": database.mode must be "external" in a shard`);
    }
    super(TENANT_SHARD_TYPE, name, {}, opts);
    const child = { parent: this };

    const platform = new pulumi.StackReference(
      `${name}-platform`,
      { name: args.platformStack },
      child,
    );
    this.imageRef = platform.requireOutput("imageRef") as pulumi.Output<string>;
    this.proxyAddress = platform.requireOutput("proxyAddress") as pulumi.Output<string>;
    this.edgeNamespace = edgeNamespace(c.environment);

    const database = new TenantDatabases(
      `${name}-database`,
      {
        environment: c.environment,
        protect: c.database.protect,
        tenants: c.tenants.map((t) => ({ id: t.id, connectionLimit: t.plan.databaseConnections })),
        host: c.database.host,
        port: c.database.port,
        sslmode: c.database.sslmode,
        adminUser: c.database.adminUser,
        adminDatabase: c.database.adminDatabase,
        adminPassword: c.secrets.databaseAdminPassword?.toOutput(),
        networkCidrs: c.database.networkCidrs,
      },
      child,
    );

    const apps = createTenantApps(name, c, { image: this.imageRef, database }, child);
    const keys: Record<string, pulumi.Output<{ current: string; previous?: string }>> = {};
    const endpoints: Record<string, pulumi.Output<ShardEndpoint>> = {};
    for (const t of c.tenants) {
      const image = t.image ?? this.imageRef;
      const app = apps[t.id] as TenantApp;
      keys[t.id] = pulumi
        .all([app.apiKey, app.previousApiKey])
        .apply(([current, previous]) =>
          previous === undefined ? { current } : { current, previous },
        );
      endpoints[t.id] = pulumi.output(image).apply((img) => ({
        url: `https://${t.id}.${c.domain}`,
        hosts: t.hosts,
        namespace: tenantNamespace(c.environment, t.id),
        image: img,
        groups: t.groups,
        plan: t.planName,
        auth: t.auth,
        publicPaths: t.publicPaths,
        ...(t.suspended ? { suspended: true } : {}),
      }));
    }
    this.tenants = pulumi.all(endpoints);
    this.apiKeys = pulumi.secret(pulumi.all(keys));

    const hosts = c.tenants.flatMap((t) => t.hosts);
    this.hostsFileLines =
      c.dns.provider === "none"
        ? this.proxyAddress.apply((a) => hostsFileLines(a === "" ? "127.0.0.1" : a, hosts))
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
