import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { edgeNamespace, tenantNamespace, tenantServiceName } from "../model/names";
import type { PlatformConfig } from "../model/platform-config";
import type { SecretValue } from "../model/secret-value";
import { SharedDatabase } from "./data/shared-database";
import { TenantBackups } from "./data/tenant-backups";
import { edgeSecurityArgs } from "./edge/edge-security-args";
import { hostsFileLines } from "./edge/hosts-file";
import { ManagementProxy } from "./edge/management-proxy";
import { WildcardCertificate } from "./edge/wildcard-certificate";
import { WildcardDns } from "./edge/wildcard-dns";
import { AppImage } from "./image/app-image";
import { ENVIRONMENT_LABEL, POD_SECURITY_RESTRICTED } from "./tenant/labels";
import type { ShardTenant } from "../model/shard-tenant";
import { createTenantApps } from "./tenant/app-args";
import type { TenantApp } from "./tenant/tenant-app";

export const PLATFORM_TYPE = "agent-cloud:platform:Platform";

/** Where the platform is reached from, and what runs for each tenant. */
export interface TenantEndpoint {
  /** `https://{id}.{domain}` */
  readonly url: string;
  readonly hosts: readonly string[];
  readonly namespace: string;
  readonly image: string;
  readonly groups: readonly string[];
  readonly plan: string;
}

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
}

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

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super(PLATFORM_TYPE, name, {}, opts);
    const c = args.config;
    const child = { parent: this };
    // Every tenant the edge serves: this stack's own, then those of its shards.
    const routed = [...c.tenants, ...(args.shardTenants ?? [])];
    const shardKeys = Object.fromEntries((args.shardTenants ?? []).map((t) => [t.id, t.apiKeys]));

    this.edgeNamespace = edgeNamespace(c.environment);
    const edge = new k8s.core.v1.Namespace(
      `${name}-edge`,
      {
        metadata: {
          name: this.edgeNamespace,
          labels: {
            [ENVIRONMENT_LABEL]: c.environment,
            "app.kubernetes.io/part-of": "agent-cloud",
            ...POD_SECURITY_RESTRICTED,
          },
        },
      },
      child,
    );

    const certificate = new WildcardCertificate(
      `${name}-certificate`,
      {
        namespace: edge.metadata.name,
        domain: c.domain,
        ...certificateArgs(c, args.cloudflareApiToken),
      },
      child,
    );

    const image = new AppImage(
      `${name}-image`,
      {
        projectRoot: args.projectRoot,
        context: c.image.context,
        dockerfile: c.image.dockerfile,
        platforms: c.image.platforms,
        repository: c.image.repository,
        tag: c.image.tag,
        ref: c.image.ref,
        registryUsername: c.image.registryUsername,
        registryPassword: secretInput(c.secrets.registryPassword),
        rebuildNonce: c.image.rebuildNonce,
        builder: c.image.builder,
      },
      child,
    );
    this.imageRef = image.ref;

    const database = new SharedDatabase(
      `${name}-database`,
      {
        environment: c.environment,
        protect: c.database.protect,
        tenants: c.tenants.map((t) => ({
          id: t.id,
          connectionLimit: t.plan.databaseConnections,
          limits: t.plan.databaseLimits,
        })),
        maxConnections: c.database.maxConnections,
        ...(c.database.mode === "in-cluster"
          ? {
              mode: "in-cluster" as const,
              image: c.database.image,
              storageSize: c.database.storageSize,
              storageClass: c.database.storageClass,
              nodePort: c.database.nodePort,
              adminSourceCidrs: c.database.adminSourceCidrs,
              adminHost: c.database.adminHost,
              adminPort: c.database.adminPort,
              clusterDomain: c.proxy.clusterDomain,
            }
          : {
              mode: "external" as const,
              host: c.database.host,
              port: c.database.port,
              sslmode: c.database.sslmode,
              adminUser: c.database.adminUser,
              adminDatabase: c.database.adminDatabase,
              adminPassword: secretInput(c.secrets.databaseAdminPassword),
              networkCidrs: c.database.networkCidrs,
            }),
      },
      child,
    );

    const backup = c.database.backup;
    if (backup !== undefined) {
      new TenantBackups(
        `${name}-backups`,
        {
          environment: c.environment,
          tenants: c.tenants.map((t) => ({ id: t.id, databaseUrl: database.tenantUrl(t.id) })),
          ...backup,
          database: database.networkPeer,
        },
        child,
      );
    }

    const apps = createTenantApps(name, c, { image: image.ref, database }, child);
    const apiKeys: Record<
      string,
      { current: pulumi.Output<string>; previous?: pulumi.Output<string> }
    > = {};
    const endpoints: Record<string, pulumi.Output<TenantEndpoint>> = {};
    for (const t of c.tenants) {
      const app = apps[t.id] as TenantApp;
      apiKeys[t.id] = { current: app.apiKey, previous: app.previousApiKey };
      endpoints[t.id] = pulumi.output(t.image ?? image.ref).apply((img) => ({
        url: `https://${t.id}.${c.domain}`,
        hosts: t.hosts,
        namespace: tenantNamespace(c.environment, t.id),
        image: img,
        groups: t.groups,
        plan: t.planName,
      }));
    }
    this.tenants = pulumi.all(endpoints);

    const proxy = new ManagementProxy(
      `${name}-proxy`,
      {
        namespace: edge.metadata.name,
        environment: c.environment,
        apiKeyPrefix: c.apiKeyPrefix,
        routes: routed.map((t) => ({
          tenantId: t.id,
          hosts: [...t.hosts],
          upstreamHost: `${tenantServiceName(t.id)}.${tenantNamespace(c.environment, t.id)}.svc.${c.proxy.clusterDomain}`,
          upstreamPort: 80,
          ...(t.suspended ? { suspended: true } : {}),
        })),
        tlsSecretName: certificate.secretName,
        replicas: c.proxy.replicas,
        serviceType: c.proxy.serviceType,
        nodePorts: c.proxy.nodePorts,
        serviceAnnotations: c.proxy.serviceAnnotations,
        image: c.proxy.image,
        maxBodySize: c.proxy.maxBodySize,
        connectTimeoutSeconds: c.proxy.connectTimeoutSeconds,
        readTimeoutSeconds: c.proxy.readTimeoutSeconds,
        sendTimeoutSeconds: c.proxy.sendTimeoutSeconds,
        resolver: c.proxy.resolver,
        clusterDomain: c.proxy.clusterDomain,
        apiKeys: { ...apiKeys, ...shardKeys },
        ...edgeSecurityArgs(c, routed),
      },
      child,
    );
    this.proxyAddress = proxy.address;

    const allHosts = routed.flatMap((t) => t.hosts);
    if (c.dns.provider === "cloudflare") {
      new WildcardDns(
        `${name}-dns`,
        {
          zoneId: c.dns.zoneId,
          domain: c.domain,
          target: proxy.address,
          proxied: c.dns.proxied,
          apex: c.dns.apex,
          ttl: c.dns.ttl,
          customDomains: routed.flatMap((t) =>
            t.hosts.slice(1).map((hostname) => ({ tenantId: t.id, hostname })),
          ),
          customDomainMode: c.dns.customDomains,
          customDomainZones: c.dns.customDomainZones,
          otherEnvironmentDomains: c.otherEnvironmentDomains,
          edgeCertificate: c.dns.edgeCertificate,
          zoneName: c.dns.zoneName,
        },
        child,
      );
      this.hostsFileLines = pulumi.output([]);
    } else {
      // No DNS provider: a NodePort proxy on kind is reached on the host's loopback.
      this.hostsFileLines = proxy.address.apply((address) =>
        hostsFileLines(address === "" ? "127.0.0.1" : address, allHosts),
      );
    }

    this.registerOutputs({
      imageRef: this.imageRef,
      proxyAddress: this.proxyAddress,
      tenants: this.tenants,
      hostsFileLines: this.hostsFileLines,
    });
  }
}

/** The certificate component's per-mode args from the TLS config. */
function certificateArgs(c: PlatformConfig, cloudflareApiToken?: pulumi.Input<string>) {
  switch (c.tls.mode) {
    case "self-signed":
      return { mode: c.tls.mode, validityHours: c.tls.validityHours };
    case "provided":
      return {
        mode: c.tls.mode,
        certificatePem: c.tls.certificate,
        privateKeyPem: secretInput(c.secrets.tlsPrivateKey),
      };
    case "acme":
      return {
        mode: c.tls.mode,
        email: c.tls.email,
        server: c.tls.server,
        installCertManager: c.tls.installCertManager,
        certManagerVersion: c.tls.certManagerVersion,
        cloudflareApiToken,
      };
    case "cloudflare-origin-ca":
      return {
        mode: c.tls.mode,
        requestType: c.tls.requestType,
        validityDays: c.tls.validityDays,
      };
  }
}
