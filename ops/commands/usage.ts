/** `usage`: per-tenant requests, error rate, latency and bytes from the edge, CPU and memory. */
import { defineCommand } from "../command-line/command";
import { stackFlag } from "../command-line/flags";
import { edgeNamespace, tenantNamespace } from "../../model/names";
import { type AccessEntry, parseAccessLine } from "../plans/access-log";
import { metricsSource, type OpsContext } from "../context";
import { OpsError } from "../errors";
import { println, renderTable } from "../format/text";
import { kubeError } from "../adapters/log-follow";
import {
  LinePrefixer,
  PROXY_APP_NAME,
  PROXY_CONTAINER,
  tenantPodSelector,
} from "../plans/pod-logs";
import { environmentOf, tenantsOf } from "../stack-config";
import { edgeNamespaceOutput } from "../stack-outputs";
import { formatBytes } from "../format/units";
import type { PodUsage } from "../adapters/kube-metrics";
import { aggregateTraffic } from "../plans/usage";

/** `usage` flags. */
export interface UsageOptions {
  readonly stack: string;
  /** Window in seconds. @default 86400 */
  readonly since?: number;
  readonly json: boolean;
}

/** `usage`: its flags, their help, and the options they give. */
export const usageCommand = defineCommand({
  spec: {
    name: "usage",
    summary: "per-tenant requests, 5xx rate, p50/p99 latency, bytes, CPU and memory",
    usage: "usage --stack S [--since D] [--json]",
    flags: {
      stack: stackFlag("stack to measure"),
      since: { type: "string", value: "D", doc: "window (90s, 15m, 2h, 7d; default 24h)" },
      json: { type: "boolean", doc: "one JSON document instead of the table" },
    },
    notes: `Traffic comes from the edge proxy's access log (its pods' logs, so only what
the running proxy pods still hold); CPU and memory from metrics.k8s.io when
the cluster serves it (metrics-server), summed over the tenant's pods now.`,
  },
  parse: (args): UsageOptions => ({
    stack: args.required("stack"),
    since: args.duration("since"),
    json: args.flag("json"),
  }),
  run: usage,
});

const ms = (v: number | undefined) => (v === undefined ? "-" : `${Math.round(v)} ms`);

/** Prints the table (or JSON); exits 1 when the proxy's logs could not be read. */
export async function usage(ctx: OpsContext, options: UsageOptions): Promise<number> {
  const { engine, stdout } = ctx;
  const config = await engine.readConfig(options.stack);
  const environment = environmentOf(config);
  if (environment === undefined)
    throw new OpsError(`stack "${options.stack}" sets no agent-cloud:environment`);
  await engine.selectStack(options.stack);
  const edge =
    edgeNamespaceOutput(await engine.outputs(options.stack)) ?? edgeNamespace(environment);
  const since = options.since ?? 86_400;
  const selector = `app.kubernetes.io/name=${PROXY_APP_NAME}`;
  const pods = await ctx.logs.listPods(edge, selector).catch((error: unknown) => {
    throw new OpsError(
      `cannot list the proxy's pods in ${edge} through the Kubernetes API: ${kubeError(error)}`,
    );
  });
  const entries: AccessEntry[] = [];
  for (const pod of pods) {
    const prefixer = new LinePrefixer("", (line) => {
      const entry = parseAccessLine(line);
      if (entry !== undefined) entries.push(entry);
    });
    await ctx.logs.stream(
      edge,
      pod.name,
      PROXY_CONTAINER,
      { follow: false, sinceSeconds: since },
      (c) => prefixer.push(c),
    );
    prefixer.flush();
  }
  const tenants = tenantsOf(config).map((t) => t.id);
  const traffic = aggregateTraffic(entries, tenants);
  const metrics = metricsSource(ctx);
  const resources = new Map<string, PodUsage | undefined>();
  for (const tenant of tenants) {
    resources.set(
      tenant,
      await metrics
        .podUsage(tenantNamespace(environment, tenant), tenantPodSelector(tenant))
        .catch(() => undefined),
    );
  }

  if (options.json) {
    const rows = traffic.map((traffic) => ({
      ...traffic,
      tenant: traffic.tenant === "" ? null : traffic.tenant,
      cpuMillicores: resources.get(traffic.tenant)?.cpuMillicores ?? null,
      memoryBytes: resources.get(traffic.tenant)?.memoryBytes ?? null,
    }));
    println(
      stdout,
      JSON.stringify(
        { stack: options.stack, sinceSeconds: since, pods: pods.length, tenants: rows },
        null,
        2,
      ),
    );
    return 0;
  }
  println(
    stdout,
    `usage: stack "${options.stack}", last ${since} s, ${entries.length} requests from ${pods.length} proxy ${pods.length === 1 ? "pod" : "pods"}`,
  );
  const rows = traffic.map((traffic) => {
    const podUsage = resources.get(traffic.tenant);
    return [
      traffic.tenant === "" ? "(no tenant)" : traffic.tenant,
      String(traffic.requests),
      `${(traffic.errorRate * 100).toFixed(1)}%`,
      ms(traffic.p50Ms),
      ms(traffic.p99Ms),
      formatBytes(traffic.bytesSent),
      podUsage === undefined ? "-" : `${podUsage.cpuMillicores}m`,
      podUsage === undefined ? "-" : formatBytes(podUsage.memoryBytes),
    ];
  });
  for (const line of renderTable(
    ["TENANT", "REQUESTS", "5XX", "P50", "P99", "SENT", "CPU", "MEMORY"],
    rows,
  ))
    println(stdout, line);
  if ([...resources.values()].every((r) => r === undefined) && tenants.length > 0)
    println(stdout, "CPU and memory: no metrics API in this cluster (install metrics-server)");
  return 0;
}
