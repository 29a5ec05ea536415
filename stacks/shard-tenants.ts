/**
 * The platform stack's view of its shards: each shard stack's `tenants` and `apiKeys` outputs,
 * read through a stack reference and checked like config before the platform uses them to name
 * anything (routes, custom-domain records). A value another stack wrote is input like any other.
 */
import { showReceived } from "../model/rules/config-problem";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, type ConfigIssue } from "./config/errors";
import { DNS_LABEL, isDnsName, MAX_TENANT_ID_LENGTH, RESERVED_TENANT_IDS } from "../model/names";
import type { Plan } from "../model/plans";
import {
  customDomainProblem,
  type DomainClaim,
  DomainClaims,
  normalizeHost,
} from "../model/rules/domains";
import type { PlatformConfig } from "../model/platform-config";
import type { ShardRoute, ShardTenant } from "../model/shard-tenant";
import { qualifiedStackName, shardStackName } from "./config/shards";

/** What the platform reads from one shard stack. */
export interface ShardOutputs {
  readonly shard: string;
  /** The shard's `tenants` output; undefined for a shard that has never been deployed. */
  readonly tenants: unknown;
  /**
   * The shard's secret `apiKeys` output (tenant id → `{current, previous?}`). When given, every
   * routed tenant must have its current key; leave it out to check routes alone.
   */
  readonly apiKeys?: unknown;
}

type RoutesConfig = Pick<PlatformConfig, "domain" | "tenants" | "plans"> &
  Partial<Pick<PlatformConfig, "otherEnvironmentDomains">>;

/** Adds one issue about a shard's outputs. */
type AddIssue = (path: string, received: unknown, message: string) => void;

/** Who holds each tenant id and each host so far: the platform stack, then shard by shard. */
interface Owners {
  readonly tenantOf: Map<string, string>;
  readonly hostOf: Map<string, string>;
  /** Custom domains (every host after a tenant's first), for the nesting rule. */
  readonly claims: DomainClaims;
}

/**
 * Every tenant of every shard, checked: ids are tenant ids, the first host is `{id}.{domain}`,
 * the others are DNS names outside the domain, no id or host belongs to two tenants (in two
 * shards, or in a shard and the platform stack itself), and (with `apiKeys`) each has its key.
 * Throws one ConfigError listing all.
 */
export function shardTenantsFrom(
  shards: readonly ShardOutputs[],
  config: RoutesConfig,
): ShardRoute[] {
  const issues: ConfigIssue[] = [];
  const owners: Owners = {
    tenantOf: new Map(config.tenants.map((tenant) => [tenant.id, "the platform stack"])),
    hostOf: new Map(
      config.tenants.flatMap((tenant) => tenant.hosts.map((host) => [host, tenant.id])),
    ),
    claims: new DomainClaims(),
  };
  for (const tenant of config.tenants) claimCustomDomains(owners.claims, tenant.id, tenant.hosts);
  const routes: ShardRoute[] = [];
  for (const outputs of shards) {
    const addIssue: AddIssue = (path, received, message) =>
      issues.push({
        path: `shard ${outputs.shard} output ${path}`,
        received: showReceived(received),
        message,
      });
    routes.push(...shardRoutes(outputs, config, owners, addIssue));
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return routes;
}

/** One shard's routes; each problem goes to `addIssue`, and that tenant is left out. */
function shardRoutes(
  { shard, tenants, apiKeys }: ShardOutputs,
  config: RoutesConfig,
  owners: Owners,
  addIssue: AddIssue,
): ShardRoute[] {
  // A shard that has never been deployed has no outputs yet, so no tenants to route.
  if (tenants === undefined) return [];
  if (tenants === null || typeof tenants !== "object" || Array.isArray(tenants)) {
    addIssue("tenants", tenants, "must be a map of tenant id to endpoint; redeploy the shard");
    return [];
  }
  const routes: ShardRoute[] = [];
  for (const [id, entry] of Object.entries(tenants as Record<string, unknown>)) {
    const at = (field: string) => `tenants.${id}${field}`;
    if (!isNewTenantId(id, owners, (received, message) => addIssue(at(""), received, message))) {
      continue;
    }
    const route = shardRoute(shard, id, entry, config, owners, (field, received, message) =>
      addIssue(at(field), received, message),
    );
    if (route === undefined) continue;
    if (apiKeys !== undefined && currentKeyOf(apiKeys, id) === undefined) {
      addIssue(
        `apiKeys.${id}`,
        undefined,
        `has no current key for tenant "${id}"; redeploy the shard`,
      );
      continue;
    }
    owners.tenantOf.set(id, `shard ${shard}`);
    for (const host of route.hosts) owners.hostOf.set(host, id);
    claimCustomDomains(owners.claims, id, route.hosts);
    routes.push(route);
  }
  return routes;
}

/** Whether `id` is a tenant id no one holds yet. */
function isNewTenantId(
  id: string,
  owners: Owners,
  addIssue: (received: unknown, message: string) => void,
): boolean {
  if (!DNS_LABEL.test(id) || id.length > MAX_TENANT_ID_LENGTH) {
    addIssue(id, `is not a tenant id (a DNS label of at most ${MAX_TENANT_ID_LENGTH})`);
    return false;
  }
  if (RESERVED_TENANT_IDS.includes(id)) {
    addIssue(id, "is reserved for the platform");
    return false;
  }
  const owner = owners.tenantOf.get(id);
  if (owner !== undefined) {
    addIssue(id, `is also a tenant of ${owner}; a tenant lives in one stack`);
    return false;
  }
  return true;
}

/** One tenant's endpoint as the shard wrote it, checked field by field; undefined on a problem. */
function shardRoute(
  shard: string,
  id: string,
  entry: unknown,
  config: RoutesConfig,
  owners: Owners,
  addIssue: AddIssue,
): ShardRoute | undefined {
  const endpoint = (entry ?? {}) as {
    hosts?: unknown;
    plan?: unknown;
    auth?: unknown;
    publicPaths?: unknown;
    suspended?: unknown;
  };
  const hosts = endpoint.hosts;
  if (!Array.isArray(hosts) || hosts.some((host) => typeof host !== "string")) {
    addIssue(".hosts", hosts, "must be a list of host names; redeploy the shard");
    return undefined;
  }
  const ownHost = `${id}.${config.domain}`;
  if (hosts[0] !== ownHost) {
    addIssue(".hosts[0]", hosts[0], `must be ${ownHost}: is the shard in this environment?`);
    return undefined;
  }
  let valid = hostsAreFree(id, hosts as string[], config, owners, addIssue);
  const plan: Plan | undefined =
    typeof endpoint.plan === "string" ? config.plans[endpoint.plan] : undefined;
  if (plan === undefined) {
    addIssue(
      ".plan",
      endpoint.plan,
      `must be a plan of this environment (${Object.keys(config.plans).sort().join(", ")})`,
    );
    valid = false;
  }
  if (endpoint.auth !== "edge" && endpoint.auth !== "app") {
    addIssue(".auth", endpoint.auth, `must be "edge" or "app"; redeploy the shard`);
    valid = false;
  }
  const publicPaths = endpoint.publicPaths ?? [];
  if (!Array.isArray(publicPaths) || publicPaths.some((path) => typeof path !== "string")) {
    addIssue(".publicPaths", endpoint.publicPaths, "must be a list of paths");
    valid = false;
  }
  if (!valid || plan === undefined) return undefined;
  return {
    id,
    hosts: [...(hosts as string[])],
    shard,
    planName: endpoint.plan as string,
    plan,
    auth: endpoint.auth as "edge" | "app",
    publicPaths: [...(publicPaths as string[])],
    suspended: endpoint.suspended === true,
  };
}

/** A tenant's custom domains: every host after its first (`{id}.{domain}`). */
function claimCustomDomains(claims: DomainClaims, tenantId: string, hosts: readonly string[]) {
  for (const hostname of hosts.slice(1)) claims.add({ tenantId, hostname });
}

/**
 * No host is taken, and custom domains (every host after the first) follow the rule a stack's own
 * config follows (model/rules/domains.ts): outside the platform domain and the other
 * environments' domains, neither equal to, under nor above another tenant's, and in no registrable
 * domain another tenant's or another environment's domain is in.
 */
function hostsAreFree(
  tenantId: string,
  hosts: readonly string[],
  config: RoutesConfig,
  owners: Owners,
  addIssue: AddIssue,
): boolean {
  const context = {
    domain: config.domain,
    others: (config.otherEnvironmentDomains ?? []).map(normalizeHost),
  };
  // The tenant's own custom domains so far: two may nest, none may repeat.
  const own = new DomainClaims();
  /** Why custom domain `claim` (a host after the first) cannot be routed, or undefined. */
  const customHostProblem = (claim: DomainClaim): string | undefined => {
    if (!isDnsName(claim.hostname)) return "must be a custom domain, a DNS name";
    return (
      customDomainProblem(claim, { ...context, claims: owners.claims }) ??
      customDomainProblem(claim, { ...context, claims: own })
    );
  };
  let free = true;
  hosts.forEach((host, index) => {
    const claim = { tenantId, hostname: host };
    const problem = index === 0 ? undefined : customHostProblem(claim);
    const owner = owners.hostOf.get(host);
    const message =
      problem ?? (owner === undefined ? undefined : `is already routed to tenant "${owner}"`);
    if (message !== undefined) {
      addIssue(`.hosts[${index}]`, host, message);
      free = false;
    }
    if (index > 0) own.add(claim);
  });
  return free;
}

/** A tenant's keys in a shard's `apiKeys` output, when its current key is there. */
function currentKeyOf(
  apiKeys: unknown,
  id: string,
): { readonly current: string; readonly previous?: string } | undefined {
  if (apiKeys === null || typeof apiKeys !== "object") return undefined;
  const keys = (apiKeys as Record<string, { current?: unknown; previous?: unknown } | undefined>)[
    id
  ];
  if (typeof keys?.current !== "string") return undefined;
  return {
    current: keys.current,
    previous: typeof keys.previous === "string" ? keys.previous : undefined,
  };
}

/**
 * Reads the `tenants` and `apiKeys` outputs of each shard listed in `config.shards` through a
 * stack reference (`{stackOrganization}/{project}/{stack}-{shard}`) and checks them. Resolves
 * before the platform registers anything that depends on them; the keys stay secret.
 */
export async function readShardTenants(config: PlatformConfig): Promise<ShardTenant[]> {
  const shards = await Promise.all(
    config.shards.map(async (shard): Promise<ShardOutputs & { apiKeys: unknown }> => {
      const ref = new pulumi.StackReference(`${config.environment}-shard-${shard}`, {
        name: qualifiedStackName(
          config.stackOrganization,
          pulumi.getProject(),
          shardStackName(pulumi.getStack(), shard),
        ),
      });
      const tenants = await ref.getOutputDetails("tenants");
      const apiKeys = await ref.getOutputDetails("apiKeys");
      return {
        shard,
        tenants: tenants.value ?? tenants.secretValue,
        apiKeys: apiKeys.value ?? apiKeys.secretValue ?? {},
      };
    }),
  );
  const apiKeysOf = new Map(shards.map((outputs) => [outputs.shard, outputs.apiKeys]));
  return shardTenantsFrom(shards, config).map((route) => {
    // Checked above: every routed tenant has its current key.
    const keys = currentKeyOf(apiKeysOf.get(route.shard), route.id) as {
      current: string;
      previous?: string;
    };
    return {
      ...route,
      apiKeys: {
        current: pulumi.secret(keys.current),
        // Undefined outside a rotation overlap: the key table leaves it out.
        previous: pulumi.secret(keys.previous) as pulumi.Output<string>,
      },
    };
  });
}
