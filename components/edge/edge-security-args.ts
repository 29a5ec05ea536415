/**
 * The proxy's security args from the validated config: each tenant's auth mode and public paths,
 * per-client limits, per-plan tenant limits, and the origin lock (source ranges, trusted peers,
 * origin pulls). Kept here so the platform passes them with one spread.
 */
import type { PlatformConfig, TenantConfig } from "../../stacks/config";
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
  tenants: readonly Pick<
    TenantConfig,
    "id" | "planName" | "plan" | "auth" | "publicPaths"
  >[] = c.tenants,
): EdgeSecurityArgs {
  const plans = new Map<string, PlanLimit>();
  for (const t of tenants) {
    const entry = plans.get(t.planName) ?? {
      plan: t.planName,
      requestsPerSecond: t.plan.requestsPerSecond,
      requestBurst: t.plan.requestBurst,
      tenantIds: [],
    };
    plans.set(t.planName, { ...entry, tenantIds: [...entry.tenantIds, t.id] });
  }
  return {
    tenantAuth: tenants.map((t) => ({
      tenantId: t.id,
      mode: t.auth,
      publicPaths: t.publicPaths,
    })),
    limits: c.proxy.limits,
    planLimits: [...plans.values()].sort((a, b) => a.plan.localeCompare(b.plan)),
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
