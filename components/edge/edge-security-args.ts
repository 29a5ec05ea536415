/**
 * The proxy's security args from the validated config: each tenant's auth mode and public paths,
 * per-client limits, per-plan tenant limits, and the origin lock (source ranges, trusted peers,
 * origin pulls). Kept here so the platform passes them with one spread.
 */
import type { PlatformConfig, TenantConfig } from "../../model/platform-config";
import type { ManagementProxyArgs } from "./management-proxy";
import type { PlanLimit } from "./nginx/limits";

export type EdgeSecurityArgs = Pick<
  ManagementProxyArgs,
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
  c: PlatformConfig,
  /** Every tenant the edge serves (with tenant shards, theirs too). @default c.tenants */
  tenants: readonly Pick<TenantConfig, "id" | "planName" | "auth" | "publicPaths">[] = c.tenants,
): EdgeSecurityArgs {
  // Every plan, used or not: the zones live in the main config, which must not change when a
  // tenant comes or goes (only the route table's tenant → plan map does).
  const plans: PlanLimit[] = Object.entries(c.plans)
    .map(([plan, p]) => ({
      plan,
      requestsPerSecond: p.requestsPerSecond,
      requestBurst: p.requestBurst,
      tenantIds: tenants.filter((t) => t.planName === plan).map((t) => t.id),
    }))
    .sort((a, b) => a.plan.localeCompare(b.plan));
  return {
    tenantAuth: tenants.map((t) => ({
      tenantId: t.id,
      mode: t.auth,
      publicPaths: t.publicPaths,
    })),
    limits: c.proxy.limits,
    planLimits: plans,
    realIpFrom: c.proxy.realIpFrom,
    realIpHeader: c.proxy.realIpHeader,
    originPull: c.proxy.originPull.enabled,
    originPullCaCertificate: c.proxy.originPull.enabled
      ? c.proxy.originPull.caCertificate
      : undefined,
    sourceRanges: c.proxy.sourceRanges,
    externalTrafficPolicy: c.proxy.externalTrafficPolicy,
  };
}
