/**
 * The proxy through the exact nginx config it ships, with 1,000 tenants, on loopback: the edge
 * suite's `startEdge` (certificate, DNS responder, nginx) with every tenant served from a
 * separate process, and a separate load-client process, so the client, nginx and the tenants
 * never share an event loop.
 *
 * Throughput and latency are always measured against the same client hitting one tenant server
 * directly in the same run; reloads are counted with the edge suite's own steady streams.
 */
import type { ChildProcess } from "node:child_process";
import { type PlatformConfig } from "../stacks/config";
import { edgeHttps, pool, steadyStream, type StreamResult } from "../test/edge/support/client";
import { type Edge, startEdge } from "../test/edge/support/edge-fixture";
import { childPids, NGINX } from "../test/edge/support/nginx";
import { sleep, waitFor } from "../test/edge/support/ports";
import { nextMessage, startChild } from "./child";
import { cpuSample } from "./cpu";
import type { LoadResult, LoadSpec, LoadTarget } from "./load";
import { benchTenantId, localConfigWithN } from "./platform-config";

export const PROXY_TENANTS = 1000;
/** Throughput runs: connections per run, seconds per run, runs per side (alternating). */
export const LOAD = { concurrency: 32, warmupMs: 1000, durationMs: 5000, rounds: 3 } as const;
/** Latency runs: one request at a time. */
export const LATENCY = { warmupMs: 500, durationMs: 3000, rounds: 2 } as const;
export const RELOADS = { perClient: 5, streams: 4, concurrencyEach: 2 } as const;

export interface MeasuredRun extends LoadResult {
  /** CPU ms used during the measured window by each process group. */
  readonly cpuMs: Record<string, number>;
}

export interface ReloadRun {
  readonly client: string;
  readonly reloads: number;
  readonly result: StreamResult;
  /** Only for the run that adds a tenant: what the new tenant answered right after. */
  readonly newTenantStatus?: string;
}

export interface ProxyResult {
  readonly tenants: number;
  readonly nginxVersion: string;
  readonly workerProcesses: number;
  /** Tenant hosts that answered with their own tenant, of all tenant hosts. */
  readonly routed: { readonly ok: number; readonly of: number; readonly samples: string[] };
  readonly throughput: { readonly direct: MeasuredRun[]; readonly proxy: MeasuredRun[] };
  readonly latency: { readonly direct: MeasuredRun[]; readonly proxy: MeasuredRun[] };
  /** The direct run again, with a new connection per request (as nginx reaches tenants). */
  readonly directFreshConnections: MeasuredRun;
  readonly reloads: ReloadRun[];
}

function proxySettings(c: PlatformConfig) {
  return {
    apiKeyPrefix: c.apiKeyPrefix,
    maxBodySize: c.proxy.maxBodySize,
    connectTimeoutSeconds: c.proxy.connectTimeoutSeconds,
    readTimeoutSeconds: c.proxy.readTimeoutSeconds,
    sendTimeoutSeconds: c.proxy.sendTimeoutSeconds,
    clusterDomain: c.proxy.clusterDomain,
  };
}

/** Starts a child and waits for its `{ ready }` message. */
async function ready<T>(child: ChildProcess, what: string, timeoutMs: number): Promise<T> {
  return nextMessage<T>(child, what, timeoutMs);
}

function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.disconnect();
  const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
  return exited.finally(() => clearTimeout(timer));
}

export async function benchProxy(log: (line: string) => void): Promise<ProxyResult> {
  const config = localConfigWithN(PROXY_TENANTS);
  const ids = config.tenants.map((t) => t.id);
  const added = benchTenantId(PROXY_TENANTS + 1);
  const domain = config.domain;
  let edge: Edge | undefined;
  let upstream: ChildProcess | undefined;
  let client: ChildProcess | undefined;
  try {
    // The tenants' servers live in their own process; nginx resolves each tenant's Service
    // to its server's address when it loads the route table.
    const tenantPort = 20_000 + Math.floor(Math.random() * 40_000);
    upstream = startChild("upstream-child.ts", [String(tenantPort), ...ids, added]);
    const { addresses } = await ready<{ addresses: Record<string, string> }>(
      upstream,
      "tenant servers",
      60_000,
    );
    // Every tenant is "missing" for the fixture: their servers are the upstream process's.
    edge = await startEdge({
      environment: config.environment,
      domain,
      tenants: [
        ...ids.map((id) => ({ id, missing: true, address: addresses[id] })),
        { id: added, later: true, missing: true, address: addresses[added] },
      ],
      tenantPort,
      settings: proxySettings(config),
    });
    const e = edge;
    log(
      `nginx pid ${e.nginx.pid} with ${ids.length} tenants on https://127.0.0.1:${e.ports.https}`,
    );
    client = startChild("load-child.ts");
    await ready(client, "load client", 30_000);

    // Every tenant host once, through nginx, answered by its own tenant.
    const hosts = ids.map((id) => `${id}.${domain}`);
    const answers = await pool(
      16,
      hosts.map((host, i) => async () => {
        try {
          const res = await edgeHttps({ port: e.ports.https, host, ca: e.certificate.pem });
          const tenant =
            res.status === 200 ? (JSON.parse(res.body) as { tenant: string }).tenant : "";
          return tenant === ids[i] ? "" : `${host}: ${res.status} ${res.body.slice(0, 80)}`;
        } catch (error) {
          return `${host}: ${String(error)}`;
        }
      }),
    );
    const wrong = answers.filter((a) => a !== "");
    const routed = {
      ok: hosts.length - wrong.length,
      of: hosts.length,
      samples: wrong.slice(0, 3),
    };
    log(`routed ${routed.ok}/${routed.of} tenant hosts`);

    const upstreamPid = upstream.pid as number;
    const clientPid = client.pid as number;
    const groups = {
      client: () => [clientPid],
      nginx: () => childPids(e.nginx.pid),
      tenants: () => [upstreamPid],
    };
    const loadChild = client;
    const measure = async (spec: LoadSpec): Promise<MeasuredRun> => {
      const answer = nextMessage<LoadResult>(
        loadChild,
        spec.label,
        spec.warmupMs + spec.durationMs + 20_000,
      );
      loadChild.send(spec);
      await sleep(spec.warmupMs);
      const cpu = cpuSample(groups);
      const result = await answer;
      const run = { ...result, cpuMs: cpu.since() };
      log(
        `${spec.label}: ${Math.round(run.requestsPerSecond)} req/s, p50 ${run.p50Ms.toFixed(2)} ms, p99 ${run.p99Ms.toFixed(2)} ms, ${run.errors} errors`,
      );
      return run;
    };

    const first = ids[0] as string;
    const direct: Omit<LoadSpec, "label" | "concurrency" | "warmupMs" | "durationMs"> = {
      tls: false,
      address: addresses[first] as string,
      port: tenantPort,
      targets: [{ host: `${first}.${domain}`, tenantId: first }],
      maxRequests: 2_000_000,
    };
    const targets: LoadTarget[] = ids.map((id) => ({ host: `${id}.${domain}`, tenantId: id }));
    const proxied: typeof direct = {
      tls: true,
      address: "127.0.0.1",
      port: e.ports.https,
      targets,
      ca: e.certificate.pem,
      maxRequests: 2_000_000,
    };

    const throughput = { direct: [] as MeasuredRun[], proxy: [] as MeasuredRun[] };
    for (let round = 1; round <= LOAD.rounds; round++) {
      throughput.direct.push(await measure({ ...direct, ...LOAD, label: `direct #${round}` }));
      throughput.proxy.push(await measure({ ...proxied, ...LOAD, label: `nginx #${round}` }));
    }
    const latency = { direct: [] as MeasuredRun[], proxy: [] as MeasuredRun[] };
    for (let round = 1; round <= LATENCY.rounds; round++) {
      const one = { ...LATENCY, concurrency: 1 };
      latency.direct.push(await measure({ ...direct, ...one, label: `direct c=1 #${round}` }));
      latency.proxy.push(await measure({ ...proxied, ...one, label: `nginx c=1 #${round}` }));
    }
    const directFreshConnections = await measure({
      ...direct,
      ...LOAD,
      closeEach: true,
      label: "direct, new connection per request",
    });

    const reloads = await benchReloads(e, ids, added, log);
    return {
      tenants: ids.length,
      nginxVersion: await nginxVersion(),
      workerProcesses: childPids(e.nginx.pid).length,
      routed,
      throughput,
      latency,
      directFreshConnections,
      reloads,
    };
  } finally {
    await stopChild(client);
    await stopChild(upstream);
    await edge?.close();
  }
}

/**
 * Steady request streams (the edge suite's client) on a few tenants while nginx is reloaded:
 * fresh TLS connections, then keep-alive connections that retry once a GET cut before any
 * response, then both while a reload brings in a new tenant's route.
 */
async function benchReloads(
  e: Edge,
  ids: readonly string[],
  added: string,
  log: (line: string) => void,
): Promise<ReloadRun[]> {
  const picked = Array.from(
    { length: RELOADS.streams },
    (_, i) => ids[Math.floor(((i + 0.5) * ids.length) / RELOADS.streams)] as string,
  );
  const streams = (keepAlive: boolean) =>
    picked.map((id) =>
      steadyStream({
        port: e.ports.https,
        host: `${id}.${e.options.domain}`,
        ca: e.certificate.pem,
        tenantId: id,
        concurrency: RELOADS.concurrencyEach,
        keepAlive,
      }),
    );
  const total = (all: ReturnType<typeof streams>) => all.reduce((n, s) => n + s.result.ok, 0);
  const collect = async (all: ReturnType<typeof streams>): Promise<StreamResult> => {
    const results = await Promise.all(all.map((s) => s.stop()));
    return {
      ok: results.reduce((n, r) => n + r.ok, 0),
      failed: results.reduce((n, r) => n + r.failed, 0),
      retried: results.reduce((n, r) => n + r.retried, 0),
      errors: results.flatMap((r) => r.errors).slice(0, 5),
    };
  };

  const runs: ReloadRun[] = [];
  for (const keepAlive of [false, true]) {
    const client = keepAlive
      ? "keep-alive, one retry of a GET cut before any response"
      : "new TLS connection per request";
    const all = streams(keepAlive);
    try {
      await waitFor("requests flowing", () => total(all) >= 100, 10_000);
      for (let i = 0; i < RELOADS.perClient; i++) {
        await e.nginx.reload();
        await sleep(200);
      }
      await sleep(300);
    } finally {
      runs.push({ client, reloads: RELOADS.perClient, result: await collect(all) });
    }
    log(`reloads, ${client}: ${JSON.stringify(runs.at(-1)?.result)}`);
  }

  // Both kinds of client at once while the route table gains a tenant.
  const all = [...streams(false), ...streams(true)];
  let newTenantStatus = "not asked";
  try {
    await waitFor("requests flowing", () => total(all) >= 100, 10_000);
    await e.reloadRoutes(true);
    try {
      const res = await edgeHttps({
        port: e.ports.https,
        host: `${added}.${e.options.domain}`,
        ca: e.certificate.pem,
      });
      const tenant = res.status === 200 ? (JSON.parse(res.body) as { tenant: string }).tenant : "";
      newTenantStatus = `${res.status}${tenant ? ` from ${tenant}` : ""}`;
    } catch (error) {
      newTenantStatus = String(error);
    }
    await sleep(500);
  } finally {
    runs.push({
      client: "both clients, reload that adds a tenant's route",
      reloads: 1,
      result: await collect(all),
      newTenantStatus,
    });
  }
  log(`reload adding ${added}: ${JSON.stringify(runs.at(-1))}`);
  return runs;
}

async function nginxVersion(): Promise<string> {
  const { execFile } = await import("node:child_process");
  return new Promise((resolve) =>
    execFile(NGINX, ["-v"], (_error, stdout, stderr) =>
      resolve(`${stdout}${stderr}`.trim().replace(/^nginx version: /, "")),
    ),
  );
}
