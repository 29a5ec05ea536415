import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../../stacks/config";
import { edgeNamespace, tenantNamespace } from "../../stacks/config/names";
import { TenantDatabases } from "../data/tenant-databases";
import { hostsFileLines } from "../edge/hosts-file";
import type { TenantEndpoint } from "../platform";
import { tenantAppArgs } from "../tenant/app-args";
import { TenantApp } from "../tenant/tenant-app";

export const TENANT_SHARD_TYPE = "agent-cloud:platform:TenantShard";

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
  /** Per tenant of this shard: URL, hosts, namespace, image, groups, plan. */
  public readonly tenants: pulumi.Output<Record<string, TenantEndpoint>>;
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

    const endpoints: Record<string, pulumi.Output<TenantEndpoint>> = {};
    for (const t of c.tenants) {
      const image = t.image ?? this.imageRef;
      new TenantApp(
        `${name}-tenant-${t.id}`,
        tenantAppArgs(c, t, {
          image: this.imageRef,
          databaseUrl: database.tenantUrl(t.id),
          databaseEgress: database.networkPeer,
        }),
        child,
      );
      endpoints[t.id] = pulumi.output(image).apply((img) => ({
        url: `https://${t.id}.${c.domain}`,
        hosts: t.hosts,
        namespace: tenantNamespace(c.environment, t.id),
        image: img,
        groups: t.groups,
        plan: t.planName,
      }));
    }
    this.tenants = pulumi.all(endpoints);

    const hosts = c.tenants.flatMap((t) => t.hosts);
    this.hostsFileLines =
      c.dns.provider === "none"
        ? this.proxyAddress.apply((a) => hostsFileLines(a === "" ? "127.0.0.1" : a, hosts))
        : pulumi.output([]);

    this.registerOutputs({
      imageRef: this.imageRef,
      proxyAddress: this.proxyAddress,
      tenants: this.tenants,
      hostsFileLines: this.hostsFileLines,
    });
  }
}
