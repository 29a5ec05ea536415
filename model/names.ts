/**
 * Naming rules shared by the config validation and the components. Every Kubernetes and
 * PostgreSQL name the platform derives comes from here, so the limits checked on config are the
 * limits the names actually need.
 */

/** Longest tenant id: `{environment}-tenant-{id}` must stay a 63-character DNS label. */
export const MAX_TENANT_ID_LENGTH = 40;
/** Longest environment name (see {@link MAX_TENANT_ID_LENGTH}). */
export const MAX_ENVIRONMENT_LENGTH = 12;

/**
 * The cluster's DNS domain when none is given: Service hosts are `{name}.{namespace}.svc.{domain}`.
 * The default of `proxy.clusterDomain` (model/config-schema.ts), TenantApp, SharedDatabase and
 * the proxy's routes.
 */
export const DEFAULT_CLUSTER_DOMAIN = "cluster.local";

export const DNS_LABEL = /^[a-z]([a-z0-9-]*[a-z0-9])?$/;

/**
 * An environment name: a DNS label without '-', so `{env}-tenant-{id}`, `{env}-edge` and
 * `sp_{env}_{id}` always split back into one environment and one tenant.
 */
export const ENVIRONMENT_NAME = /^[a-z][a-z0-9]*$/;

/**
 * Words nginx reads as parameters of a `map` block rather than as keys on a `key value;` line,
 * quoted or not: a key `default` repeats the map's default (`duplicate default map parameter`), a
 * key `include` opens a file of that name. (`hostnames` and `volatile` are parameters only alone
 * on a line, so as keys they are plain keys: checked on nginx 1.22.) Tenant ids and plan names
 * are keys of the edge's maps (the route table maps each tenant id to its plan, each plan gets a
 * map line), so neither may be one of these: one bad name would take the whole edge down.
 */
export const NGINX_MAP_KEYWORDS: readonly string[] = ["default", "include"];

/**
 * Tenant ids that would shadow a host the platform or its operators commonly need under the
 * platform domain, or a name that reads as the platform's own.
 */
const PLATFORM_HOST_IDS: readonly string[] = [
  "admin",
  "api",
  "app",
  "assets",
  "auth",
  "billing",
  "blog",
  "cdn",
  "dashboard",
  "db",
  "dns",
  "docs",
  "edge",
  "ftp",
  "help",
  "internal",
  "localhost",
  "login",
  "mail",
  "management",
  "metrics",
  "mx",
  "ns1",
  "ns2",
  "postgres",
  "proxy",
  "registry",
  "root",
  "smtp",
  "sso",
  "static",
  "status",
  "support",
  "system",
  "www",
];

/** What each tenant's resources under the database component are: `{component}-{id}-{part}`. */
export const TENANT_DATABASE_PARTS = ["role", "database", "hardening"] as const;
export type TenantDatabasePart = (typeof TENANT_DATABASE_PARTS)[number];

/** The logical name of a tenant's role, database or hardening under `component`. */
export function tenantDatabaseResourceName(
  component: string,
  tenantId: string,
  part: TenantDatabasePart,
): string {
  return `${component}-${tenantId}-${part}`;
}

/**
 * Ids that would give a tenant's database resources the name of the database component's own:
 * its server-wide hardening is `{component}-server-hardening`, which a tenant `server`'s
 * hardening would duplicate (one URN, and `pulumi up` fails).
 */
const DATABASE_RESOURCE_IDS: readonly string[] = ["server"];

/**
 * Tenant ids no tenant may have, in alphabetical order: the platform's own hosts, the nginx
 * `map` keywords (see {@link NGINX_MAP_KEYWORDS}), since every tenant id is a key of the edge's
 * route table, and ids whose database resources would take the database component's own names.
 */
export const RESERVED_TENANT_IDS: readonly string[] = [
  ...new Set([...PLATFORM_HOST_IDS, ...NGINX_MAP_KEYWORDS, ...DATABASE_RESOURCE_IDS]),
].sort();

/** A DNS name: labels of 1-63 characters (a-z, 0-9, '-', not at either end), 253 at most, 2+ labels. */
export function isDnsName(value: string): boolean {
  return value.split(".").length >= 2 && isHostName(value);
}

/**
 * A host name as a client resolves it: one label or more of 1-63 characters (a-z, 0-9, '-', not
 * at either end), 253 at most, the last not all digits (so `10.0.0.256` is no host). Lowercase,
 * like every name the platform writes.
 */
export function isHostName(value: string): boolean {
  if (value.length > 253) return false;
  const labels = value.split(".");
  return (
    labels.every((l) => l.length <= 63 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(l)) &&
    !/^[0-9]+$/.test(labels[labels.length - 1] ?? "")
  );
}

/** What joins an environment and a tenant id in {@link tenantNamespace}. */
const TENANT_INFIX = "-tenant-";

/** The namespace a tenant's app lives in; environments never share one. */
export function tenantNamespace(environment: string, tenantId: string): string {
  return `${environment}${TENANT_INFIX}${tenantId}`;
}

/**
 * The tenant id a name `{environment}-tenant-{id}` is built from: a tenant's namespace
 * ({@link tenantNamespace}) or its TenantApp component (`${platform}-tenant-${id}`,
 * components/tenant/app-args.ts, the platform being named after its environment). The
 * environment holds no `-` ({@link ENVIRONMENT_NAME}), so it ends at the first `-`, and the id is
 * everything after the `-tenant-` that must follow it: `dev-tenant-tenant-acme` is tenant
 * `tenant-acme`'s, never `acme`'s. The name is read, never matched against a list of ids.
 * Undefined for a name of any other shape (`dev-edge`, `dev-tenant-`). A child of the component
 * (`dev-tenant-acme-deployment`) reads as id `acme-deployment`: apply this to the component's
 * own name or the namespace only.
 */
export function tenantOfName(name: string): string | undefined {
  const dash = name.indexOf("-");
  if (dash < 0 || !ENVIRONMENT_NAME.test(name.slice(0, dash))) return undefined;
  if (!name.startsWith(TENANT_INFIX, dash)) return undefined;
  const id = name.slice(dash + TENANT_INFIX.length);
  return DNS_LABEL.test(id) ? id : undefined;
}

/** The Deployment and Service name of a tenant's app. */
export function tenantServiceName(tenantId: string): string {
  return `sp-${tenantId}`;
}

/** The namespace of the edge proxy (the Management API) and of the only TLS Secret. */
export function edgeNamespace(environment: string): string {
  return `${environment}-edge`;
}

/** The namespace of an environment's backups (TenantBackups' CronJob and volume claim). */
export function backupsNamespace(environment: string): string {
  return `${environment}-backups`;
}

/** The namespace of the in-cluster PostgreSQL. */
export function databaseNamespace(environment: string): string {
  return `${environment}-database`;
}

/**
 * PostgreSQL role and database name of a tenant. The environment is part of it so two
 * environments pointed at one server (a shared dev/staging instance) never share a role or a
 * database; `-` becomes `_` because it is not valid in an unquoted SQL identifier.
 */
export function tenantDatabaseName(environment: string, tenantId: string): string {
  return `sp_${environment}_${tenantId}`.replace(/-/g, "_");
}

/** Prefix of every API key issued in an environment, so the edge can refuse another environment's keys. */
export function apiKeyPrefix(environment: string): string {
  return `ac_${environment}_`;
}

/**
 * The stack's API-key seed, `{platform}-api-key-seed`: the RandomPassword rotated tenant keys
 * (generation ≥ 1) derive from (components/tenant/api-key.ts).
 */
export function apiKeySeedName(platform: string): string {
  return `${platform}${API_KEY_SEED_SUFFIX}`;
}

/** How the API-key seed's name ends, whatever its platform's name (ops finds it in the state). */
export const API_KEY_SEED_SUFFIX = "-api-key-seed";
