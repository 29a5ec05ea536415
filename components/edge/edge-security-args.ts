/**
 * The proxy's security args from the validated config: each tenant's auth mode and public paths,
 * per-client limits, per-plan tenant limits, the origin lock (source ranges, trusted peers,
 * origin pulls) and the domain no tenant may set cookies for. Kept here so the platform passes
 * them with one spread.
 */
import type { PlatformConfig, TenantConfig } from "../../model/platform-config";
import type { ManagementProxyArgs } from "./management-proxy";
import type { PlanLimit } from "./nginx/limits";

export type EdgeSecurityArgs = Pick<
  ManagementProxyArgs,
  | "domain"
  | "tenantAuth"
  | "limits"
  | "planLimits"
  | "realIpFrom"
  | "realIpHeader"
  | "originPull"
  | "originPullCaCertificate"
  | "sourceRanges"
  | "externalTrafficPolicy"
>;

export function edgeSecurityArgs(
  config: PlatformConfig,
  /** Every tenant the edge serves (with tenant shards, theirs too). @default config.tenants */
  tenants: readonly Pick<
    TenantConfig,
    "id" | "planName" | "auth" | "publicPaths"
  >[] = config.tenants,
): EdgeSecurityArgs {
  const { proxy } = config;
  // Every plan, used or not: the zones live in the main config, which must not change when a
  // tenant comes or goes (only the route table's tenant → plan map does).
  const plans: PlanLimit[] = Object.entries(config.plans)
    .map(([plan, settings]) => ({
      plan,
      requestsPerSecond: settings.requestsPerSecond,
      requestBurst: settings.requestBurst,
      tenantIds: tenants.filter((tenant) => tenant.planName === plan).map((tenant) => tenant.id),
    }))
    .sort((left, right) => left.plan.localeCompare(right.plan));
  return {
    domain: config.domain,
    tenantAuth: tenants.map((tenant) => ({
      tenantId: tenant.id,
      mode: tenant.auth,
      publicPaths: tenant.publicPaths,
    })),
    limits: proxy.limits,
    planLimits: plans,
    realIpFrom: proxy.realIpFrom,
    realIpHeader: proxy.realIpHeader,
    originPull: proxy.originPull.enabled,
    originPullCaCertificate: proxy.originPull.enabled ? proxy.originPull.caCertificate : undefined,
    sourceRanges: proxy.sourceRanges,
    externalTrafficPolicy: proxy.externalTrafficPolicy,
  };
}
