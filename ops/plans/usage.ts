/**
 * Who uses what: per-tenant figures from the edge's access log (requests, errors, latency,
 * bytes). CPU and memory come from the metrics API (adapters/kube-metrics.ts).
 */
import type { AccessEntry } from "./access-log";

/** One tenant's traffic over the window. */
export interface TenantTraffic {
  readonly tenant: string;
  readonly requests: number;
  /** Answers with status 500 or above (the proxy's 502/503/504 included). */
  readonly errors: number;
  /** `errors / requests`, 0 with no requests. */
  readonly errorRate: number;
  /** Milliseconds; undefined with no requests. */
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly bytesSent: number;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], percent: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.max(1, Math.ceil((percent / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

/**
 * Aggregates entries per tenant: every tenant in `tenants` gets a row (zero when it had no
 * traffic), then any other tenant id seen, then "" (hosts that matched no tenant) if seen.
 */
export function aggregateTraffic(
  entries: readonly AccessEntry[],
  tenants: readonly string[],
): TenantTraffic[] {
  const entriesByTenant = new Map<string, AccessEntry[]>(tenants.map((t) => [t, []]));
  for (const entry of entries) {
    const list = entriesByTenant.get(entry.tenant) ?? [];
    list.push(entry);
    entriesByTenant.set(entry.tenant, list);
  }
  const order = [
    ...tenants,
    ...[...entriesByTenant.keys()].filter((t) => t !== "" && !tenants.includes(t)).sort(),
    ...(entriesByTenant.has("") ? [""] : []),
  ];
  return order.map((tenant) => {
    const list = entriesByTenant.get(tenant) ?? [];
    const times = list.map((e) => e.requestTime * 1000).sort((a, b) => a - b);
    const errors = list.filter((e) => e.status >= 500).length;
    return {
      tenant,
      requests: list.length,
      errors,
      errorRate: list.length === 0 ? 0 : errors / list.length,
      p50Ms: percentile(times, 50),
      p99Ms: percentile(times, 99),
      bytesSent: list.reduce((n, e) => n + e.bytesSent, 0),
    };
  });
}
