import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { edgeNamespace } from "../model/names";
import type { PlatformConfig } from "../model/platform-config";
import type { SecretValue } from "../model/secret-value";
import type { ShardTenant } from "../model/shard-tenant";
import { SharedDatabase, type SharedDatabaseArgs } from "./data/shared-database";
import { databaseTenantOf } from "./data/shared-database-args";
import { TenantBackups, type TenantBackupsArgs } from "./data/tenant-backups";
import { edgeSecurityArgs } from "./edge/edge-security-args";
import { hostsFileLines } from "./edge/hosts-file";
import { ManagementProxy, type ManagementProxyArgs } from "./edge/management-proxy";
import { routesFromTenants } from "./edge/proxy-nginx-input";
import { WildcardCertificate, type WildcardCertificateArgs } from "./edge/wildcard-certificate";
import { WildcardDns, type WildcardDnsArgs } from "./edge/wildcard-dns";
import { AppImage, type AppImageArgs } from "./image/app-image";
import { createTenantApps } from "./tenant/app-args";
import { acceptedApiKeys, type TenantEndpoint, tenantEndpoints } from "./tenant/endpoint";
import { ENVIRONMENT_LABEL, POD_SECURITY_RESTRICTED } from "./tenant/labels";
import { SERVICE_PORT, type TenantApp } from "./tenant/tenant-app";
import type { TenantAppTransforms } from "./tenant/tenant-app-args";

export type { TenantEndpoint } from "./tenant/endpoint";

export const PLATFORM_TYPE = "agent-cloud:platform:Platform";

export interface PlatformArgs {
  /** The validated config of one environment (`parseConfig` / `loadConfig`). */
  readonly config: PlatformConfig;
  /** Folder that relative build contexts (`image.context`) are resolved against. */
  readonly projectRoot: string;
  /**
   * Cloudflare API token for cert-manager's DNS-01 solver; needed only with `tls.mode: acme`.
   * The Cloudflare provider itself reads `cloudflare:apiToken`.
   */
  readonly cloudflareApiToken?: pulumi.Input<string>;
  /**
   * Tenants that run in the environment's shard stacks (checked, see stacks/shard-tenants.ts):
   * the proxy routes them and DNS publishes their custom domains. @default []
   */
  readonly shardTenants?: readonly ShardTenant[];
  /**
   * Adjust the children of the platform's components before they are registered, per component
   * (each is that component's own `transform` arg; components/transform.ts). @default none
   */
  readonly transform?: PlatformTransforms;
}

/** The `transform` of each component the platform creates. */
export interface PlatformTransforms {
  readonly certificate?: WildcardCertificateArgs["transform"];
  readonly image?: AppImageArgs["transform"];
  readonly database?: SharedDatabaseArgs["transform"];
  readonly backups?: TenantBackupsArgs["transform"];
  /** Applied to every tenant's app in this stack. */
  readonly tenantApp?: TenantAppTransforms;
  readonly proxy?: ManagementProxyArgs["transform"];
  readonly dns?: WildcardDnsArgs["transform"];
}

/** The DNS config when Cloudflare holds the zone. */
type CloudflareDnsConfig = Extract<PlatformConfig["dns"], { provider: "cloudflare" }>;

/** A tenant the edge serves: one of this stack's own, or one of its shards'. */
type RoutedTenant = PlatformConfig["tenants"][number] | ShardTenant;

const secretInput = (value: SecretValue | undefined) => value?.toOutput();

/**
 * One environment of agent-cloud: the edge (proxy, certificate, DNS), the shared database, the
 * agent image, and one isolated app per tenant. Everything an environment differs by comes from
 * `config`; nothing here branches on the stack's name.
 */
export class Platform extends pulumi.ComponentResource {
  /** Digest-pinned image every tenant without its own override runs. */
  public readonly imageRef: pulumi.Output<string>;
  /** The proxy's public address (IP or hostname); empty for NodePort/ClusterIP proxies. */
  public readonly proxyAddress: pulumi.Output<string>;
  public readonly edgeNamespace: string;
  /** Per tenant: URL, namespace, image, groups, plan. Secrets never appear here. */
  public readonly tenants: pulumi.Output<Record<string, TenantEndpoint>>;
  /** With no DNS provider: the `/etc/hosts` lines that reach every tenant host. */
  public readonly hostsFileLines: pulumi.Output<string[]>;

  /** The edge's namespace (proxy and certificate), named {@link edgeNamespace}. */
  public readonly edgeNamespaceResource: k8s.core.v1.Namespace;
  public readonly certificate: WildcardCertificate;
  public readonly image: AppImage;
  public readonly database: SharedDatabase;
  /** Present when `database.backup` is configured. */
  public readonly backups?: TenantBackups;
  /** This stack's tenants' apps, by tenant id. */
  public readonly apps: Readonly<Record<string, TenantApp>>;
  public readonly proxy: ManagementProxy;
  /** Present with `dns.provider: cloudflare`. */
  public readonly dns?: WildcardDns;

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super(PLATFORM_TYPE, name, {}, opts);
    const config = args.config;
    const child = { parent: this };
    const transform = args.transform ?? {};
    // Every tenant the edge serves: this stack's own, then those of its shards.
    const routed: readonly RoutedTenant[] = [...config.tenants, ...(args.shardTenants ?? [])];

    this.edgeNamespace = edgeNamespace(config.environment);
    this.edgeNamespaceResource = this.createEdgeNamespace(name, config);
    const namespace = this.edgeNamespaceResource.metadata.name;
    this.certificate = new WildcardCertificate(
      `${name}-certificate`,
      {
        ...certificateArgs(config, namespace, args.cloudflareApiToken),
        transform: transform.certificate,
      },
      child,
    );
    this.image = new AppImage(
      `${name}-image`,
      { ...imageArgs(config, args.projectRoot), transform: transform.image },
      child,
    );
    this.imageRef = this.image.ref;
    this.database = new SharedDatabase(
      `${name}-database`,
      { ...databaseArgs(config), transform: transform.database },
      child,
    );
    const backup = config.database.backup;
    this.backups =
      backup === undefined
        ? undefined
        : new TenantBackups(
            `${name}-backups`,
            { ...backupsArgs(config, backup, this.database), transform: transform.backups },
            child,
          );

    this.apps = createTenantApps(
      name,
      config,
      { image: this.imageRef, database: this.database, transform: transform.tenantApp },
      child,
    );
    this.tenants = tenantEndpoints(config, this.imageRef, () => ({}));

    this.proxy = new ManagementProxy(
      `${name}-proxy`,
      {
        ...proxyArgs(config, {
          namespace,
          routed,
          tlsSecretName: this.certificate.secretName,
          apiKeys: {
            ...acceptedApiKeys(this.apps),
            ...Object.fromEntries((args.shardTenants ?? []).map((t) => [t.id, t.apiKeys])),
          },
        }),
        transform: transform.proxy,
      },
      child,
    );
    this.proxyAddress = this.proxy.address;

    if (config.dns.provider === "cloudflare") {
      const dns = dnsArgs(config, config.dns, routed, this.proxyAddress);
      this.dns = new WildcardDns(`${name}-dns`, { ...dns, transform: transform.dns }, child);
      this.hostsFileLines = pulumi.output([]);
    } else {
      // No DNS provider: a NodePort proxy on kind is reached on the host's loopback.
      const hosts = routed.flatMap((t) => t.hosts);
      this.hostsFileLines = this.proxyAddress.apply((address) =>
        hostsFileLines(address === "" ? "127.0.0.1" : address, hosts),
      );
    }

    this.registerOutputs({
      imageRef: this.imageRef,
      proxyAddress: this.proxyAddress,
      tenants: this.tenants,
      hostsFileLines: this.hostsFileLines,
    });
  }

  private createEdgeNamespace(name: string, config: PlatformConfig): k8s.core.v1.Namespace {
    return new k8s.core.v1.Namespace(
      `${name}-edge`,
      {
        metadata: {
          name: this.edgeNamespace,
          labels: {
            [ENVIRONMENT_LABEL]: config.environment,
            "app.kubernetes.io/part-of": "agent-cloud",
            ...POD_SECURITY_RESTRICTED,
          },
        },
      },
      { parent: this },
    );
  }
}

/** The certificate's args: the edge namespace, the domain, and its per-mode TLS settings. */
function certificateArgs(
  config: PlatformConfig,
  namespace: pulumi.Input<string>,
  cloudflareApiToken?: pulumi.Input<string>,
): WildcardCertificateArgs {
  const tls = config.tls;
  const common = { namespace, domain: config.domain };
  switch (tls.mode) {
    case "self-signed":
      return { ...common, mode: tls.mode, validityHours: tls.validityHours };
    case "provided":
      return {
        ...common,
        mode: tls.mode,
        certificatePem: tls.certificate,
        privateKeyPem: secretInput(config.secrets.tlsPrivateKey),
      };
    case "acme":
      return {
        ...common,
        mode: tls.mode,
        email: tls.email,
        server: tls.server,
        installCertManager: tls.installCertManager,
        certManagerVersion: tls.certManagerVersion,
        cloudflareApiToken,
      };
    case "cloudflare-origin-ca":
      return {
        ...common,
        mode: tls.mode,
        requestType: tls.requestType,
        validityDays: tls.validityDays,
      };
  }
}

/** The agent image's args: what to build and push, or the pinned ref to deploy. */
function imageArgs(config: PlatformConfig, projectRoot: string): AppImageArgs {
  const image = config.image;
  return {
    projectRoot,
    context: image.context,
    dockerfile: image.dockerfile,
    platforms: image.platforms,
    repository: image.repository,
    tag: image.tag,
    ref: image.ref,
    registryUsername: image.registryUsername,
    registryPassword: secretInput(config.secrets.registryPassword),
    rebuildNonce: image.rebuildNonce,
    builder: image.builder,
  };
}

/** The shared database's args: one role and database per tenant, on an in-cluster or external server. */
function databaseArgs(config: PlatformConfig): SharedDatabaseArgs {
  const database = config.database;
  const common = {
    environment: config.environment,
    protect: database.protect,
    tenants: config.tenants.map((tenant) => databaseTenantOf(tenant, config.adoptDatabases)),
    maxConnections: database.maxConnections,
  };
  if (database.mode === "in-cluster") {
    return {
      ...common,
      mode: "in-cluster",
      image: database.image,
      storageSize: database.storageSize,
      storageClass: database.storageClass,
      nodePort: database.nodePort,
      adminSourceCidrs: database.adminSourceCidrs,
      adminHost: database.adminHost,
      adminPort: database.adminPort,
      clusterDomain: config.proxy.clusterDomain,
      backups: database.backup !== undefined,
    };
  }
  return {
    ...common,
    mode: "external",
    host: database.host,
    port: database.port,
    sslmode: database.sslmode,
    adminUser: database.adminUser,
    adminDatabase: database.adminDatabase,
    adminPassword: secretInput(config.secrets.databaseAdminPassword),
    networkCidrs: database.networkCidrs,
  };
}

/** The backups' args: every tenant's database URL, and where the server is for their egress. */
function backupsArgs(
  config: PlatformConfig,
  backup: NonNullable<PlatformConfig["database"]["backup"]>,
  database: SharedDatabase,
): TenantBackupsArgs {
  return {
    environment: config.environment,
    tenants: config.tenants.map((t) => ({ id: t.id, databaseUrl: database.tenantUrl(t.id) })),
    ...backup,
    database: database.networkPeer,
  };
}

/** What the proxy's args take from the rest of the platform. */
interface ProxyDependencies {
  /** The edge namespace. */
  readonly namespace: pulumi.Input<string>;
  /** Every tenant the edge serves, this stack's and its shards'. */
  readonly routed: readonly RoutedTenant[];
  /** The Secret holding the wildcard certificate. */
  readonly tlsSecretName: pulumi.Input<string>;
  /** Each routed tenant's accepted keys. */
  readonly apiKeys: NonNullable<ManagementProxyArgs["apiKeys"]>;
}

/** The proxy's args: one route per tenant (`sp-{id}` in its namespace), the proxy config, its security. */
function proxyArgs(config: PlatformConfig, deps: ProxyDependencies): ManagementProxyArgs {
  const proxy = config.proxy;
  return {
    namespace: deps.namespace,
    environment: config.environment,
    apiKeyPrefix: config.apiKeyPrefix,
    routes: routesFromTenants(deps.routed, {
      environment: config.environment,
      port: SERVICE_PORT,
      clusterDomain: proxy.clusterDomain,
    }),
    tlsSecretName: deps.tlsSecretName,
    replicas: proxy.replicas,
    serviceType: proxy.serviceType,
    nodePorts: proxy.nodePorts,
    serviceAnnotations: proxy.serviceAnnotations,
    image: proxy.image,
    maxBodySize: proxy.maxBodySize,
    connectTimeoutSeconds: proxy.connectTimeoutSeconds,
    readTimeoutSeconds: proxy.readTimeoutSeconds,
    sendTimeoutSeconds: proxy.sendTimeoutSeconds,
    resolver: proxy.resolver,
    clusterDomain: proxy.clusterDomain,
    resources: proxy.resources,
    apiKeys: deps.apiKeys,
    ...edgeSecurityArgs(config, deps.routed),
  };
}

/** The DNS args (Cloudflare): the wildcard and every routed tenant's custom domains, to the proxy. */
function dnsArgs(
  config: PlatformConfig,
  dns: CloudflareDnsConfig,
  routed: readonly RoutedTenant[],
  proxyAddress: pulumi.Input<string>,
): WildcardDnsArgs {
  return {
    zoneId: dns.zoneId,
    domain: config.domain,
    target: proxyAddress,
    proxied: dns.proxied,
    apex: dns.apex,
    ttl: dns.ttl,
    customDomains: routed.flatMap((t) =>
      t.hosts.slice(1).map((hostname) => ({ tenantId: t.id, hostname })),
    ),
    customDomainMode: dns.customDomains,
    customDomainZones: dns.customDomainZones,
    otherEnvironmentDomains: config.otherEnvironmentDomains,
    ownsFallbackOrigin: dns.ownsFallbackOrigin,
    edgeCertificate: dns.edgeCertificate,
    zoneName: dns.zoneName,
  };
}
