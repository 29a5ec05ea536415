/**
 * Who uses what: per-tenant figures from the edge's access log (requests, errors, latency,
 * bytes), and CPU and memory from the metrics API where the cluster has one (metrics-server).
 */
import type * as Client from "@kubernetes/client-node" with { "resolution-mode": "import" };
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
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
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
  const by = new Map<string, AccessEntry[]>(tenants.map((t) => [t, []]));
  for (const e of entries) {
    const list = by.get(e.tenant) ?? [];
    list.push(e);
    by.set(e.tenant, list);
  }
  const order = [
    ...tenants,
    ...[...by.keys()].filter((t) => t !== "" && !tenants.includes(t)).sort(),
    ...(by.has("") ? [""] : []),
  ];
  return order.map((tenant) => {
    const list = by.get(tenant) ?? [];
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

/** CPU (millicores) and memory (bytes) in use by a set of pods, summed. */
export interface PodUsage {
  readonly cpuMillicores: number;
  readonly memoryBytes: number;
}

/** Reads pod usage from metrics.k8s.io. */
export interface MetricsSource {
  /** Summed usage of the pods matching `labelSelector`; throws when the API is not there. */
  podUsage(namespace: string, labelSelector: string): Promise<PodUsage>;
}

const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

/** A Kubernetes quantity (`250m`, `12345678n`, `512Mi`) as a number of units. */
export function parseQuantity(text: string): number {
  const m = /^([0-9.]+)([a-zA-Z]*)$/.exec(text.trim());
  const factor = m === null ? undefined : SUFFIX[m[2] ?? ""];
  if (m === null || factor === undefined) throw new Error(`not a quantity: ${text}`);
  return Number(m[1]) * factor;
}

/** metrics.k8s.io through @kubernetes/client-node, with the current kubeconfig context. */
export class KubernetesMetricsSource implements MetricsSource {
  #metrics?: Promise<Client.Metrics>;

  async podUsage(namespace: string, labelSelector: string): Promise<PodUsage> {
    this.#metrics ??= import("@kubernetes/client-node").then((k8s) => {
      const config = new k8s.KubeConfig();
      config.loadFromDefault();
      return new k8s.Metrics(config);
    });
    const list = await (await this.#metrics).getPodMetrics(namespace);
    const [key, value] = labelSelector.split("=");
    let cpu = 0;
    let memory = 0;
    for (const pod of list.items) {
      if (key !== undefined && pod.metadata.labels?.[key] !== value) continue;
      for (const c of pod.containers) {
        cpu += parseQuantity(c.usage.cpu) * 1000;
        memory += parseQuantity(c.usage.memory);
      }
    }
    return { cpuMillicores: Math.round(cpu), memoryBytes: Math.round(memory) };
  }
}
