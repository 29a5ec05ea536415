import { isIP } from "node:net";
import { z } from "zod";
import { BODY_SIZE_ALLOWED, bodySizeReason } from "./body-size";
import { planEdgeLimits, proxyEdgeSecurity, tenantEdgeSecurity } from "./edge-schema";
import {
  DNS_LABEL,
  MAX_ENVIRONMENT_LENGTH,
  MAX_TENANT_ID_LENGTH,
  NGINX_MAP_KEYWORDS,
  isDnsName,
  isHostName,
} from "./names";
import {
  DEFAULT_IMAGE_PLATFORMS,
  DEFAULT_IMAGE_TAG,
  DIGEST_REF,
  DIGEST_REF_RULE,
  IMAGE_TAG,
  IMAGE_PLATFORMS,
  IMAGE_TAG_RULE,
} from "./patterns";
import { pemCertificate } from "./pem";
import { quantitySyntaxReason } from "./quantity";
import {
  CERTIFICATE_DEFAULTS,
  DEFAULT_PROXY_IMAGE,
  DNS_DEFAULTS,
  ORIGIN_CA_VALIDITY_DAYS,
  PROXY_DEFAULTS,
} from "./edge-defaults";
import { NODE_PORT_RANGE } from "./rules/proxy-service";
import { backupImageProblem, mcImageProblem } from "./rules/backup-images";
import { DEFAULT_DATABASE_LIMITS } from "./plans";
import {
  DEFAULT_ADMIN_DATABASE,
  DEFAULT_ADMIN_USER,
  DEFAULT_BACKUP_VOLUME_SIZE,
  DEFAULT_DUMP_TIMEOUT_MINUTES,
  MAX_DUMP_TIMEOUT_MINUTES,
  DEFAULT_SSLMODE,
  POSTGRES_IMAGE,
  POSTGRES_PORT,
  SSL_MODES,
} from "./database-defaults";
import { AUTOSCALE_CPU_PERCENT } from "./rules/tenant-scale";

/*
 * The shape of every `agent-cloud:*` key in Pulumi.<stack>.yaml. Cross-field rules (uniqueness,
 * production guards, secrets given in clear text) live in stacks/config/rules/, one file per
 * concern, and stacks/config/parse.ts runs them; this file says what each key may hold and what
 * it defaults to. Keep Pulumi.yaml's `config:` block in step with it.
 */

/** The project's config namespace: keys are `agent-cloud:<key>` in Pulumi.<stack>.yaml. */
export const CONFIG_NAMESPACE = "agent-cloud";
const dnsLabel = (max: number) => {
  const error = `must be a DNS label: a-z, 0-9 and '-', starting with a letter and ending with a letter or digit, at most ${max} characters`;
  return z.string().max(max, { error }).regex(DNS_LABEL, { error });
};

/** The environment's name: a DNS label, and model/rules/environment-name.ts refuses its '-'. */
const environmentName = (() => {
  const error = `must be lowercase letters and digits, starting with a letter, at most ${MAX_ENVIRONMENT_LENGTH} characters`;
  return z.string().max(MAX_ENVIRONMENT_LENGTH, { error }).regex(DNS_LABEL, { error });
})();

/** A Cloudflare zone id. */
const zoneId = z
  .string()
  .regex(/^[a-f0-9]{32}$/, { error: "must be a 32-character Cloudflare zone id" });

/** A path the app serves or mounts, e.g. /healthz. */
const absolutePath = z.string().startsWith("/", { error: 'must be a path starting with "/"' });

/**
 * A plan's name: every plan is a key of the edge's nginx maps (whether or not a tenant is on it),
 * so it may not be a word nginx reads as a map parameter.
 */
const planName = dnsLabel(30).refine((name) => !NGINX_MAP_KEYWORDS.includes(name), {
  error: `must not be an nginx map keyword (${NGINX_MAP_KEYWORDS.join(", ")}): every plan is a key of the edge's nginx maps, where nginx reads these as map parameters even quoted; choose another name`,
});

const dnsName = z.string().refine(isDnsName, {
  error: "must be a lowercase DNS name such as agents.example.com",
});

/** Where a server is reached: a host name or a bare IP address, never a URL or `host:port`. */
const serverHost = z.string().refine((value) => isHostName(value) || isIP(value) !== 0, {
  error:
    "must be a lowercase host name such as pg.example.com or an IP address such as 10.0.0.5 or 2001:db8::5, without a scheme, port or path",
});

/** An image `problem` (model/rules/backup-images.ts) accepts; its problem is the error. */
const checkedImage = (problem: (image: string) => string | undefined) =>
  z.string().refine((value) => problem(value) === undefined, {
    error: (issue) => problem(String(issue.input)),
  });

/** Written as a Kubernetes quantity (model/quantity.ts says what is allowed). */
const quantity = z.string().refine((value) => quantitySyntaxReason(value) === undefined, {
  error: (issue) => quantitySyntaxReason(String(issue.input)),
});

const port = z.number().int().min(1).max(65535);

const nodePort = z.number().int().min(NODE_PORT_RANGE.min).max(NODE_PORT_RANGE.max);

const cidr = z
  .string()
  .regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/, {
    error: "must be an IPv4 CIDR such as 203.0.113.0/24",
  });

const imageRef = z.string().regex(DIGEST_REF, { error: DIGEST_REF_RULE });

const envName = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]*$/, { error: "must be an environment variable name (A-Z, 0-9, '_')" });

const pgMemory = z.string().regex(/^[1-9][0-9]*(kB|MB|GB|TB)$/, {
  error: "must be a PostgreSQL memory value such as 16MB or 1GB",
});

const databaseLimitsSchema = z.strictObject({
  statementTimeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(86400)
    .default(DEFAULT_DATABASE_LIMITS.statementTimeoutSeconds),
  idleInTransactionSessionTimeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(86400)
    .default(DEFAULT_DATABASE_LIMITS.idleInTransactionSessionTimeoutSeconds),
  idleSessionTimeoutSeconds: z
    .number()
    .int()
    .min(0)
    .max(604800)
    .default(DEFAULT_DATABASE_LIMITS.idleSessionTimeoutSeconds),
  workMem: pgMemory.default(DEFAULT_DATABASE_LIMITS.workMem),
  tempFileLimit: pgMemory.default(DEFAULT_DATABASE_LIMITS.tempFileLimit),
});

const planSchema = z.strictObject({
  requests: z.strictObject({ cpu: quantity, memory: quantity }),
  limits: z.strictObject({ cpu: quantity, memory: quantity }),
  maxReplicas: z.number().int().min(1).max(50),
  databaseConnections: z.number().int().min(1).max(500),
  egressPorts: z.array(port).default([443]),
  egressCidrs: z.array(cidr).default([]),
  /** Lets egressCidrs hold private, link-local or loopback ranges; warned in every preview. */
  allowPrivateEgress: z.boolean().default(false),
  databaseLimits: databaseLimitsSchema.default(databaseLimitsSchema.parse({})),
  ...planEdgeLimits,
});

const dnsSchema = z.discriminatedUnion("provider", [
  z.strictObject({ provider: z.literal("none") }),
  z.strictObject({
    provider: z.literal("cloudflare"),
    /** Zone id of the platform domain in Cloudflare. */
    zoneId,
    /** Route through Cloudflare's proxy (orange cloud). */
    proxied: z.boolean().default(DNS_DEFAULTS.proxied),
    /** Name of the zone `zoneId` is (e.g. example.com): decides which edge certificate covers tenants. */
    zoneName: dnsName.optional(),
    /** Cloudflare's edge certificate for proxied tenants: see model/edge-certificate.ts. */
    edgeCertificate: z.enum(["universal", "advanced"]).default(DNS_DEFAULTS.edgeCertificate),
    /** Also point the apex `{domain}` at the proxy. */
    apex: z.boolean().default(DNS_DEFAULTS.apex),
    ttl: z.number().int().min(1).max(86400).default(DNS_DEFAULTS.ttl),
    /**
     * How tenant custom domains are published: `zone-records` adds a CNAME in a zone we manage
     * (listed in `customDomainZones`), `cloudflare-for-saas` registers a Custom Hostname on the
     * platform zone for domains the tenant controls.
     */
    customDomains: z
      .enum(["zone-records", "cloudflare-for-saas"])
      .default(DNS_DEFAULTS.customDomainMode),
    /** Zone ids of custom-domain zones we manage, keyed by zone name. */
    customDomainZones: z.record(dnsName, zoneId).default({}),
    /**
     * This stack is the one owner of its zone's Custom Hostnames fallback origin (Cloudflare keeps
     * one per zone). In a zone another environment shares, only the owner may use
     * `cloudflare-for-saas` custom domains: model/rules/fallback-origin.ts.
     */
    ownsFallbackOrigin: z.boolean().default(DNS_DEFAULTS.ownsFallbackOrigin),
  }),
]);

const tlsSchema = z.discriminatedUnion("mode", [
  z.strictObject({
    mode: z.literal("self-signed"),
    validityHours: z.number().int().min(24).max(87600).default(CERTIFICATE_DEFAULTS.validityHours),
    /** Production refuses self-signed certificates unless this is true. */
    allowInProduction: z.boolean().default(false),
  }),
  z.strictObject({
    mode: z.literal("provided"),
    /** PEM certificate chain; the key is the secret `tlsPrivateKey`. */
    certificate: pemCertificate,
  }),
  z.strictObject({
    mode: z.literal("acme"),
    email: z.email({ error: "must be an email address for the ACME account" }),
    server: z.url().default(CERTIFICATE_DEFAULTS.server),
    /** Install cert-manager with its Helm chart; leave false when the cluster already runs it. */
    installCertManager: z.boolean().default(false),
    certManagerVersion: z.string().default(CERTIFICATE_DEFAULTS.certManagerVersion),
  }),
  z.strictObject({
    mode: z.literal("cloudflare-origin-ca"),
    requestType: z.enum(["origin-rsa", "origin-ecc"]).default(CERTIFICATE_DEFAULTS.requestType),
    validityDays: z
      .union(ORIGIN_CA_VALIDITY_DAYS.map((days) => z.literal(days)))
      .default(CERTIFICATE_DEFAULTS.validityDays),
  }),
]);

const proxySchema = z.strictObject({
  replicas: z.number().int().min(1).max(20).default(PROXY_DEFAULTS.replicas),
  serviceType: z
    .enum(["LoadBalancer", "NodePort", "ClusterIP"])
    .default(PROXY_DEFAULTS.serviceType),
  /** Fixed node ports for `NodePort` (kind maps them to the host's 80/443). */
  nodePorts: z
    .strictObject({
      http: nodePort,
      https: nodePort,
    })
    .optional(),
  /** Annotations on the proxy Service (cloud load-balancer settings). */
  serviceAnnotations: z.record(z.string(), z.string()).default({}),
  /** The official nginx image, pinned by digest (the production policy requires digests). */
  image: z.string().default(DEFAULT_PROXY_IMAGE),
  /** nginx `client_max_body_size`, at most MAX_BODY_SIZE (model/body-size.ts says why). */
  maxBodySize: z
    .string()
    .refine((value) => bodySizeReason(value) === undefined, { error: BODY_SIZE_ALLOWED })
    .default(PROXY_DEFAULTS.maxBodySize),
  connectTimeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(75)
    .default(PROXY_DEFAULTS.connectTimeoutSeconds),
  /** Long by default: agents stream (SSE, WebSocket) for minutes. */
  readTimeoutSeconds: z.number().int().min(1).max(86400).default(PROXY_DEFAULTS.readTimeoutSeconds),
  sendTimeoutSeconds: z.number().int().min(1).max(86400).default(PROXY_DEFAULTS.sendTimeoutSeconds),
  /**
   * The nginx container's requests and limits. Its memory limit also sizes how many old workers
   * may drain after route changes (each holds a copy of the route table). Unset: the proxy
   * component's own (`DEFAULT_RESOURCES` in components/edge/management-proxy-args.ts).
   */
  resources: z
    .strictObject({
      requests: z.strictObject({ cpu: quantity, memory: quantity }),
      limits: z.strictObject({ cpu: quantity, memory: quantity }),
    })
    .optional(),
  /** No longer used (tenants are `upstream` blocks resolved when the route table loads); accepted so existing stack files keep working. */
  resolver: z.string().default("kube-dns.kube-system.svc.cluster.local"),
  /** The cluster's DNS domain: tenant and database hosts are `{name}.{namespace}.svc.{domain}`. */
  clusterDomain: z
    .string()
    .refine(isDnsName, {
      error: "must be a lowercase DNS name such as cluster.local (the cluster's DNS domain)",
    })
    .default(PROXY_DEFAULTS.clusterDomain),
  ...proxyEdgeSecurity,
});

/** The default PostgreSQL image (Debian, uid 999), pinned by digest. */

/** Scheduled per-tenant logical backups (pg_dump as each tenant's role), see TenantBackups. */
const backupSchema = z.strictObject({
  /** Cron schedule in UTC. */
  schedule: z
    .string()
    .regex(/^\S+(\s+\S+){4}$/, {
      error: "must be a cron schedule of five fields, such as 17 3 * * *",
    })
    .default("17 3 * * *"),
  /**
   * A backed-up tenant's dumps older than this are deleted, never its newest; an offboarded
   * tenant's are kept.
   */
  retentionDays: z.number().int().min(1).max(3650).default(7),
  /**
   * pg_dump comes from this image; it must be at least the server's major version. Pinned by a
   * version tag or a digest: its pod reads every tenant's DATABASE_URL.
   */
  image: checkedImage(backupImageProblem).default(POSTGRES_IMAGE),
  /**
   * How long one tenant's dump may run before it is stopped and that tenant's dump fails (its
   * older dumps kept); the other tenants are still dumped. Raise it for a tenant whose dump
   * takes longer.
   */
  dumpTimeoutMinutes: z
    .number()
    .int()
    .min(1)
    .max(MAX_DUMP_TIMEOUT_MINUTES)
    .default(DEFAULT_DUMP_TIMEOUT_MINUTES),
  target: z
    .discriminatedUnion("kind", [
      z.strictObject({
        kind: z.literal("volume"),
        size: quantity.default(DEFAULT_BACKUP_VOLUME_SIZE),
        storageClass: z.string().optional(),
      }),
      z.strictObject({
        kind: z.literal("s3"),
        endpoint: z.url({
          error: "must be the bucket service's URL, such as https://s3.eu-west-1.amazonaws.com",
        }),
        bucket: z.string().min(3),
        /**
         * Folder above the environment's: dumps go to `{prefix}/{environment}/{id}/`
         * (`{environment}/{id}/` when empty), so environments sharing a bucket never share one.
         */
        prefix: z.string().default(""),
        /** Secret in the backups namespace with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. */
        credentialsSecret: dnsLabel(63),
        /** An image with the MinIO client `mc`, pinned by a version tag or a digest. */
        mcImage: checkedImage(mcImageProblem),
      }),
    ])
    .default({ kind: "volume", size: DEFAULT_BACKUP_VOLUME_SIZE }),
});

const inClusterDatabase = z.strictObject({
  mode: z.literal("in-cluster"),
  /** The official PostgreSQL image (Debian, uid 999), pinned by digest. */
  image: z.string().default(POSTGRES_IMAGE),
  storageSize: quantity.default("10Gi"),
  storageClass: z.string().optional(),
  /**
   * Node port of an admin Service so `pulumi up` (the postgresql provider) can reach the server;
   * unset, there is none (use a port-forward). Only the kind stack sets it.
   */
  nodePort: nodePort.optional(),
  /** Sources the admin node port's connections come from as the pod sees them (node addresses). */
  adminSourceCidrs: z.array(cidr).default([]),
  /** The server's max_connections; the tenants' connection limits must fit. */
  maxConnections: z.number().int().min(20).max(10000).optional(),
  /** Where the machine running `pulumi up` reaches that port (kind maps it to localhost). */
  adminHost: serverHost.default("localhost"),
  adminPort: port.default(30432),
  /** Production refuses an in-cluster database unless this is true. */
  allowInProduction: z.boolean().default(false),
  protect: z.boolean().optional(),
  backup: backupSchema.optional(),
});

const externalDatabase = z.strictObject({
  mode: z.literal("external"),
  host: serverHost,
  port: port.default(POSTGRES_PORT),
  sslmode: z.enum(SSL_MODES).default(DEFAULT_SSLMODE),
  adminUser: z.string().min(1).default(DEFAULT_ADMIN_USER),
  /** Database the admin connects to. */
  adminDatabase: z.string().min(1).default(DEFAULT_ADMIN_DATABASE),
  /**
   * Where tenant pods reach the server. Tenants may not reach private ranges, so a database on a
   * private network must be listed here; empty means a public address on `port`.
   */
  networkCidrs: z.array(cidr).default([]),
  /** The server's max_connections, when known: the tenants' connection limits must fit. */
  maxConnections: z.number().int().min(20).max(10000).optional(),
  protect: z.boolean().optional(),
  backup: backupSchema.optional(),
});

const imageSchema = z.strictObject({
  /** Build from this context (relative to the project) unless `ref` is set. */
  context: z.string().optional(),
  dockerfile: z.string().optional(),
  platforms: z.array(z.enum(IMAGE_PLATFORMS)).default([...DEFAULT_IMAGE_PLATFORMS]),
  /** Repository to push to, e.g. ghcr.io/acme/agent. */
  repository: z.string().optional(),
  tag: z.string().regex(IMAGE_TAG, { error: IMAGE_TAG_RULE }).default(DEFAULT_IMAGE_TAG),
  /** Skip the build and deploy this pinned ref. */
  ref: imageRef.optional(),
  /** Registry login user; the password is the secret `registryPassword`. */
  registryUsername: z.string().optional(),
  /** Change to any new value to rebuild even when nothing in the context changed. */
  rebuildNonce: z.string().optional(),
  /**
   * Existing buildx builder to build with (docker-container, kubernetes or remote driver). The
   * local stack names the host-network builder scripts/local-up.sh creates, so BuildKit can push
   * to the registry on the host's localhost:5001.
   */
  builder: z.string().min(1).optional(),
});

const appSchema = z.strictObject({
  port: port.default(8080),
  healthPath: absolutePath.default("/api/v1/health"),
  readinessPath: absolutePath.optional(),
  startupPeriodSeconds: z.number().int().min(1).max(60).default(5),
  startupFailureThreshold: z.number().int().min(1).max(1000).default(120),
  /** Paths that get a writable emptyDir (the root filesystem is read-only). */
  writablePaths: z.array(absolutePath).default(["/tmp"]),
  terminationGracePeriodSeconds: z.number().int().min(5).max(3600).default(60),
  uid: z.number().int().min(1).default(1000),
  /** Migration command the new image runs in a Job before the Deployment rolls. */
  migrate: z
    .array(z.string().min(1))
    .min(1, { error: "must name a command (leave migrate out to run none)" })
    .optional(),
});

const tenantSchema = z.strictObject({
  id: dnsLabel(MAX_TENANT_ID_LENGTH),
  plan: z.string().default("standard"),
  replicas: z.number().int().min(1).max(50).default(1),
  groups: z.array(dnsLabel(30)).default([]),
  customDomains: z.array(dnsName).default([]),
  /** Non-secret agent settings (models, system prompt, tools), a file in the tenant's Secret. */
  agentConfig: z.record(z.string(), z.unknown()).default({}),
  /** Plain environment variables; secrets go in `tenantSecrets`. */
  env: z.record(envName, z.string()).default({}),
  /** Another image for this tenant only, pinned by digest. */
  image: imageRef.optional(),
  adminEmail: z.email({ error: "must be an email address" }).optional(),
  /** Scale on CPU between min and max replicas (max within the plan's maxReplicas). */
  autoscale: z
    .strictObject({
      min: z.number().int().min(1).max(50),
      max: z.number().int().min(1).max(50),
      cpuPercent: z
        .number()
        .int()
        .min(AUTOSCALE_CPU_PERCENT.min)
        .max(AUTOSCALE_CPU_PERCENT.max)
        .default(AUTOSCALE_CPU_PERCENT.default),
    })
    .optional(),
  /** Keep data and config, scale to zero, and have the edge answer 503. */
  suspended: z.boolean().default(false),
  /** This tenant's migration command instead of `app.migrate`; `[]` for none. */
  migrate: z.array(z.string().min(1)).optional(),
  ...tenantEdgeSecurity,
});

/** Tenants per stack unless `maxTenantsPerStack` says otherwise. */
export const DEFAULT_MAX_TENANTS_PER_STACK = 250;
/** Longest shard name (it ends a stack name, `{platform}-{shard}`). */
export const MAX_SHARD_NAME_LENGTH = 20;

const shardSchema = z.strictObject({
  /** This shard's name: the stack is `{platform}-{name}`. */
  name: dnsLabel(MAX_SHARD_NAME_LENGTH).optional(),
  /** The environment's platform stack (its stack file holds the environment-wide settings). */
  platform: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { error: "must be a stack name such as production" })
    .optional(),
});

export const configSchema = z.strictObject({
  environment: environmentName,
  domain: dnsName,
  dns: dnsSchema.default({ provider: "none" }),
  /**
   * Domains the other environments serve (their platform domains and tenants' custom domains):
   * no host of this environment may equal one, and no custom domain may be above or under one.
   */
  otherEnvironmentDomains: z.array(dnsName).default([]),
  tls: tlsSchema.default({ mode: "self-signed", validityHours: 8760, allowInProduction: false }),
  proxy: proxySchema.default(proxySchema.parse({})),
  database: z
    .discriminatedUnion("mode", [inClusterDatabase, externalDatabase])
    .default(inClusterDatabase.parse({ mode: "in-cluster" })),
  image: imageSchema.default(imageSchema.parse({})),
  app: appSchema.default(appSchema.parse({})),
  plans: z.record(planName, planSchema).default({}),
  tenants: z.array(tenantSchema).default([]),
  /**
   * Tenants whose PostgreSQL role and database, retained on the server when the tenant was
   * removed, this run takes over (Pulumi's `import`) instead of creating them again. Per run only
   * (`AGENT_CLOUD_ADOPT_DATABASES`, which `ops deploy --adopt-database` sets); the stack file may
   * not set it (stacks/config/overrides.ts).
   */
  adoptDatabases: z.array(z.string()).default([]),
  /** Most tenants one stack may hold; more go to shard stacks (`shards`). */
  // A top-level number reaches the program as text ("250"), as the engine passes every value.
  maxTenantsPerStack: z
    .preprocess(
      (v) => (typeof v === "string" && /^-?[0-9]+(\.[0-9]+)?$/.test(v) ? Number(v) : v),
      z.number().int().min(1).max(100_000),
    )
    .default(DEFAULT_MAX_TENANTS_PER_STACK),
  /** Platform stack: its shard stacks, `Pulumi.<stack>-<shard>.yaml`, whose tenants it routes. */
  shards: z.array(dnsLabel(MAX_SHARD_NAME_LENGTH)).default([]),
  /** Shard stack: its name and its environment's platform stack. Empty for any other stack. */
  shard: shardSchema.default({}),
  /** Organization of the stacks that shards and platform reference (the DIY backend's default). */
  stackOrganization: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { error: "must be a Pulumi organization name" })
    .default("organization"),
  /** Secret: per-tenant env secrets, `{ tenantId: { NAME: value } }`. */
  tenantSecrets: z.record(z.string(), z.record(envName, z.string())).default({}),
  /** Secret: admin password of an external database. */
  databaseAdminPassword: z.string().optional(),
  /** Secret: PEM key for `tls.mode: provided`. */
  tlsPrivateKey: z.string().optional(),
  /** Secret: password or token for `image.registryUsername`. */
  registryPassword: z.string().optional(),
});

export type RawPlatformConfig = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
export type DnsConfig = z.output<typeof dnsSchema>;
export type TlsConfig = z.output<typeof tlsSchema>;
export type ProxyConfig = z.output<typeof proxySchema>;
export type DatabaseSettings = ParsedConfig["database"];
export type ImageConfig = z.output<typeof imageSchema>;
export type AppConfig = z.output<typeof appSchema>;
export type TenantSettings = z.output<typeof tenantSchema>;

/** Keys that hold secrets and must be set with `pulumi config set --secret`. */
export const SECRET_KEYS = [
  "tenantSecrets",
  "databaseAdminPassword",
  "tlsPrivateKey",
  "registryPassword",
] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/** Whether `key` (without the `agent-cloud:` namespace) is one of {@link SECRET_KEYS}. */
export function isSecretKey(key: string): key is SecretKey {
  return (SECRET_KEYS as readonly string[]).includes(key);
}
