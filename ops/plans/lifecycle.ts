/**
 * A tenant's lifecycle as `status` shows it: suspended (in the config with `suspended: true`:
 * scaled to zero, the edge answers 503 on purpose) or offboarding (still deployed, but gone from
 * the config: the next deploy removes its workload and keeps its database).
 */
import type { HealthResult } from "../adapters/health";
import type { StackConfig } from "../engine";
import { KEY, tenantsOf } from "../stack-config";

/** Whether a result counts as healthy: an answer below 400 (redirects included). */
export function isHealthy(result: HealthResult): boolean {
  return result.status !== undefined && result.status < 400;
}

/** Where a deployed tenant stands in its lifecycle. */
export type Lifecycle = "active" | "suspended" | "offboarding";

/** The lifecycle of a deployed tenant according to the stack's config. */
export function lifecycleOf(config: StackConfig, tenantId: string): Lifecycle {
  if (!Array.isArray(config[KEY.tenants])) return "active";
  const entry = tenantsOf(config).find((tenant) => tenant.id === tenantId);
  if (entry === undefined) return "offboarding";
  return entry.suspended === true ? "suspended" : "active";
}

/**
 * The HEALTH cell, and whether the answer is what this lifecycle should give: a suspended
 * tenant answering 503 is healthy for what it is.
 */
export function lifecycleHealth(
  lifecycle: Lifecycle,
  result: HealthResult,
): { text: string; ok: boolean } {
  if (lifecycle === "suspended") {
    return result.status === 503
      ? { text: "suspended (the edge answers 503)", ok: true }
      : {
          text: `suspended, but answered ${result.status ?? result.error ?? "nothing"} (deploy to apply the suspension)`,
          ok: false,
        };
  }
  const base = isHealthy(result)
    ? "ok"
    : result.error !== undefined
      ? `down: ${result.error}`
      : "down";
  if (lifecycle === "offboarding") {
    return {
      text: `${base}; offboarding: removed from the config, the next deploy removes its workload and keeps its database`,
      ok: true,
    };
  }
  return { text: base, ok: isHealthy(result) };
}
