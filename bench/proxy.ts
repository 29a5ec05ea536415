/**
 * The edge with 1,000 tenants on loopback, side by side with what else could do its job: the
 * config the proxy ships (the edge suite's `startEdge`: certificate, route table, nginx), the
 * config it shipped before issue 12, nginx answering `return 200` itself over TLS (the floor of
 * any nginx config), and HAProxy and Caddy from Debian configured for the same job (bench/peers.ts).
 * Every tenant is served from one separate process and the load client runs in another, so the
 * client, the proxy and the tenants never share an event loop.
 *
 * Each side is measured against the same client hitting one tenant server directly in the same
 * run, alternating; reloads are counted with the edge suite's own steady streams.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { proxyNginxConfigInput, routesFromTenants } from "../components/edge/management-proxy";
import { type PlatformConfig } from "../model/platform-config";
import {
  edgeHttps,
  type EdgeResponse,
  pool,
  steadyStream,
  type StreamResult,
} from "../testkit/edge/client";
import { type Edge, ROUTING_SUITE_LIMITS, startEdge } from "../testkit/edge/edge-fixture";
import { startDns } from "../testkit/edge/dns";
import { childPids, NGINX, NginxProcess } from "../testkit/edge/nginx";
import { freePorts, sleep, waitFor } from "../testkit/edge/ports";
import { type RouteChangeResult, runRouteChanges } from "../testkit/edge/route-changes";
import { renderNginxConfig as renderNginxConfigBefore } from "./baseline/nginx-config-before";
import { nextMessage, startChild } from "./child";
import { cpuSample } from "./cpu";
import type { LoadResult, LoadSpec, LoadTarget } from "./load";
import {
  edgeDroppedHeaders,
  type PeerSetup,
  type RunningPeer,
  startCaddy,
  startHaproxy,
} from "./peers";
import { benchTenantId, localConfigWithN } from "./platform-config";

/** `BENCH_SMOKE=1`: a few tenants and short runs, to check the bench itself. */
const SMOKE = process.env.BENCH_SMOKE === "1";
/** Tenants behind the edge: 1,000, or `BENCH_EDGE_TENANTS` (e.g. 100, to see what the count costs). */
export const PROXY_TENANTS = edgeTenantCount(process.env.BENCH_EDGE_TENANTS, SMOKE ? 40 : 1000);

function edgeTenantCount(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 2 || count > 10_000)
    throw new Error(`BENCH_EDGE_TENANTS "${value}": must be a whole number from 2 to 10000`);
  return count;
}
/**
 * Throughput runs: connections per run, seconds per run, runs per side (alternating). The
 * warm-up requests every tenant host in turn (bench/load.ts), long enough for the slowest side
 * to reach each of the 1,000 at least once: the sides idle while the others run, longer than
 * the 4 s their pooled tenant connections stay open.
 */
export const LOAD = SMOKE
  ? ({ concurrency: 32, warmupMs: 300, durationMs: 1000, rounds: 1 } as const)
  : ({ concurrency: 32, warmupMs: 1000, durationMs: 2500, rounds: 4 } as const);
/** Latency runs: one request at a time (the warm-up as above, at one connection). */
export const LATENCY = SMOKE
  ? ({ warmupMs: 300, durationMs: 1000, rounds: 1 } as const)
  : ({ warmupMs: 2000, durationMs: 2000, rounds: 3 } as const);
export const RELOADS = { perClient: 5, streams: 4, concurrencyEach: 2 } as const;
/** How long every side keeps an idle pooled connection to a tenant (`upstreamKeepaliveSeconds`). */
const UPSTREAM_KEEPALIVE_SECONDS = 4;
/**
 * The pause after each measured run. A side's pooled connections to the 1,000 tenants close
 * `UPSTREAM_KEEPALIVE_SECONDS` after its run; without the pause their closing (by the side and by
 * the tenants' process) fell into the next side's run, and with the sides in rotation one side
 * always came after the same other.
 */
export const SETTLE_MS = SMOKE ? 500 : (UPSTREAM_KEEPALIVE_SECONDS + 1) * 1000;

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
  /** Whether that answer was a 200 from the added tenant itself. */
  readonly newTenantAnswered?: boolean;
}

export type SideKey =
  "nginx" | "nginx-before" | "floor" | "floor-return" | "haproxy" | "haproxy-edge" | "caddy";

/** One proxy doing the edge's job, measured against direct hits in the same run. */
export interface SideResult {
  readonly key: SideKey;
  readonly label: string;
  /** Tenant hosts that answered with their own tenant, of all tenant hosts. */
  readonly routed: { readonly ok: number; readonly of: number; readonly samples: string[] };
  readonly throughput: { readonly direct: MeasuredRun[]; readonly side: MeasuredRun[] };
  readonly latency: { readonly direct: MeasuredRun[]; readonly side: MeasuredRun[] };
  /** What it ran with (abridged to a few tenants). */
  readonly config: string;
  /** Set when the side could not be started or measured. */
  readonly error?: string;
}

export interface ProxyResult {
  readonly tenants: number;
  readonly nginxVersion: string;
  readonly workerProcesses: number;
  /** The shipped nginx config's figures (also in `sides`). */
  readonly routed: SideResult["routed"];
  readonly throughput: { readonly direct: MeasuredRun[]; readonly proxy: MeasuredRun[] };
  readonly latency: { readonly direct: MeasuredRun[]; readonly proxy: MeasuredRun[] };
  readonly sides: readonly SideResult[];
  /** The direct run again, with a new connection per request. */
  readonly directFreshConnections: MeasuredRun;
  readonly reloads: ReloadRun[];
  /** Streams open across route-table changes taken by the container's entry script. */
  readonly routeChanges: RouteChangeResult & {
    readonly tenants: number;
    readonly pollSeconds: number;
    readonly error?: string;
  };
}

function proxySettings(config: PlatformConfig) {
  return {
    apiKeyPrefix: config.apiKeyPrefix,
    maxBodySize: config.proxy.maxBodySize,
    connectTimeoutSeconds: config.proxy.connectTimeoutSeconds,
    readTimeoutSeconds: config.proxy.readTimeoutSeconds,
    sendTimeoutSeconds: config.proxy.sendTimeoutSeconds,
    clusterDomain: config.proxy.clusterDomain,
    upstreamKeepaliveSeconds: UPSTREAM_KEEPALIVE_SECONDS,
  };
}

/**
 * Tenant stand-ins per process: its listeners and every side's pooled connections to them stay
 * far below a process's descriptors (20,000 here; at 2,500 a 10,000-tenant run ran out).
 */
const STAND_INS_PER_PROCESS = 1000;

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

/** The edge's HSTS `add_header` line in a rendered nginx.conf, and the header's value. */
function edgeHsts(config: string): { readonly line: string; readonly value: string } {
  const found = /add_header Strict-Transport-Security "([^"]*)" always;/.exec(config);
  if (found === null) throw new Error("no Strict-Transport-Security add_header in the edge config");
  return { line: found[0], value: found[1] as string };
}

const PROXY_LINE = "proxy_pass http://$tenant_upstream;";

/** The shipped config with its one `proxy_pass` replaced by `answer`. */
function answeredByNginx(config: string, answer: string): string {
  if (!config.includes(PROXY_LINE)) throw new Error("floor: no proxy_pass line to replace");
  // The tenant id as the tenants' X-Tenant, and the edge's HSTS header, which a location's own
  // `add_header` would otherwise drop.
  return config.replace(
    PROXY_LINE,
    `add_header X-Tenant $tenant_id always; ${edgeHsts(config).line} ${answer}`,
  );
}

/**
 * The floor: the shipped config with the proxying replaced by nginx answering the request itself
 * where a proxied request is answered, in the content phase: after the per-client limits
 * (`limit_conn`, `limit_req`, the preaccess phase) and everything before them, with no upstream.
 * nginx's `empty_gif` answers there from memory (a 43-byte GIF; the tenant id travels in
 * `X-Tenant`, which is what the load client checks).
 */
export function floorConfig(config: string): string {
  return answeredByNginx(config, "empty_gif;");
}

/**
 * `return 200` in place of the proxying, the floor as first defined: `return` answers in the
 * rewrite phase, before the preaccess phase, so the per-client limits every proxied request
 * passes never run. Reported beside the floor.
 */
export function returnFloorConfig(config: string): string {
  return answeredByNginx(config, `return 200 '{"tenant":"$tenant_id"}';`);
}

/** The tenant that answered, as the load client counts an answer: a 200 carrying its X-Tenant. */
function answeringTenant(res: EdgeResponse): string {
  return res.status === 200 ? String(res.headers["x-tenant"] ?? "") : "";
}

/** A floor side: the shipped edge with `transform` applied to its main config. */
async function startFloor(
  edgeOptions: Parameters<typeof startEdge>[0],
  transform: (config: string) => string,
): Promise<Started> {
  const floor = await startEdge({ ...edgeOptions, transformConfig: transform });
  return {
    port: floor.ports.https,
    ca: floor.certificate.pem,
    pids: () => childPids(floor.nginx.pid),
    config: floor.config
      .split("\n")
      .filter((l) => l.includes("add_header X-Tenant"))
      .join("\n"),
    stop: () => floor.close(),
  };
}

interface Started {
  readonly port: number;
  readonly ca: string;
  pids(): number[];
  readonly config: string;
  stop(): Promise<void>;
}

export async function benchProxy(log: (line: string) => void): Promise<ProxyResult> {
  // The environment's proxy settings, and tenant ids of the bench's own: one stack's config
  // holds at most a database connection budget's worth of tenants (about 4,950 here).
  const config = localConfigWithN(2);
  const ids = Array.from({ length: PROXY_TENANTS }, (_, i) => benchTenantId(i + 1));
  const added = benchTenantId(PROXY_TENANTS + 1);
  const domain = config.domain;
  const dir = mkdtempSync(join(tmpdir(), "bench-edge-"));
  const stops: (() => Promise<void>)[] = [];
  const upstreams: ChildProcess[] = [];
  let client: ChildProcess | undefined;
  try {
    // The tenants' servers live in processes of their own, at most STAND_INS_PER_PROCESS each
    // (a process's descriptors hold its listeners and every proxy's pooled connections); nginx
    // resolves each tenant's Service to its server's address when it loads the route table.
    const tenantPort = 20_000 + Math.floor(Math.random() * 40_000);
    const addresses: Record<string, string> = {};
    const everyone = [...ids, added];
    for (let first = 0; first < everyone.length; first += STAND_INS_PER_PROCESS) {
      const child = startChild("upstream-child.ts", [
        String(tenantPort),
        String(first),
        ...everyone.slice(first, first + STAND_INS_PER_PROCESS),
      ]);
      upstreams.push(child);
      const started = await ready<{ addresses: Record<string, string> }>(
        child,
        "tenant servers",
        60_000,
      );
      Object.assign(addresses, started.addresses);
    }
    client = startChild("load-child.ts");
    await ready(client, "load client", 30_000);
    const upstreamPids = upstreams.map((child) => child.pid as number);
    const clientPid = client.pid as number;
    const hosts = ids.map((id) => `${id}.${domain}`);

    const edgeOptions = {
      environment: config.environment,
      domain,
      tenants: [
        ...ids.map((id) => ({ id, missing: true, address: addresses[id] })),
        { id: added, later: true, missing: true, address: addresses[added] },
      ],
      tenantPort,
      settings: proxySettings(config),
    };
    const edge: Edge = await startEdge(edgeOptions);
    stops.push(() => edge.close());
    const ca = edge.certificate.pem;
    log(
      `nginx pid ${edge.nginx.pid} with ${ids.length} tenants on https://127.0.0.1:${edge.ports.https}`,
    );

    const routedThrough = async (port: number, ca: string): Promise<SideResult["routed"]> => {
      const answers = await pool(
        16,
        hosts.map((host, index) => async () => {
          try {
            const res = await edgeHttps({ port, host, ca });
            const tenant = answeringTenant(res);
            return tenant === ids[index] ? "" : `${host}: ${res.status} ${res.body.slice(0, 80)}`;
          } catch (error) {
            return `${host}: ${String(error)}`;
          }
        }),
      );
      const wrong = answers.filter((a) => a !== "");
      return { ok: hosts.length - wrong.length, of: hosts.length, samples: wrong.slice(0, 3) };
    };
    const answers200 = (port: number) => async () => {
      try {
        return (
          (await edgeHttps({ port, host: hosts[0] as string, ca, timeoutMs: 2000 })).status === 200
        );
      } catch {
        return false;
      }
    };

    const loadChild = client;
    const measure = async (
      spec: LoadSpec,
      proxyPids: () => readonly number[],
    ): Promise<MeasuredRun> => {
      const answer = nextMessage<LoadResult>(
        loadChild,
        spec.label,
        spec.warmupMs + spec.durationMs + 20_000,
      );
      loadChild.send(spec);
      await sleep(spec.warmupMs);
      const cpu = cpuSample({
        client: () => [clientPid],
        proxy: proxyPids,
        tenants: () => upstreamPids,
      });
      // The proxy's time in the kernel (loopback TCP to the tenants is charged to the sender).
      const kernel = cpuSample({ proxyKernel: proxyPids }, "system");
      const result = await answer;
      const run = { ...result, cpuMs: { ...cpu.since(), ...kernel.since() } };
      await sleep(SETTLE_MS);
      log(
        `${spec.label}: ${Math.round(run.requestsPerSecond)} req/s, p50 ${run.p50Ms.toFixed(2)} ms, p99 ${run.p99Ms.toFixed(2)} ms, ${run.errors} errors, ${run.connectionsOpened} connections`,
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
    const none = () => [] as number[];

    interface Prepared {
      readonly key: SideKey;
      readonly label: string;
      readonly side?: Started;
      readonly routed: SideResult["routed"];
      readonly error?: string;
    }
    /** Starts a side and checks every tenant host answers through it with its own tenant. */
    const prepare = async (
      key: SideKey,
      label: string,
      start: () => Promise<Started>,
    ): Promise<Prepared> => {
      try {
        const side = await start();
        const routed = await routedThrough(side.port, side.ca);
        log(`${label}: routed ${routed.ok}/${routed.of} tenant hosts`);
        return { key, label, side, routed };
      } catch (error) {
        log(`${label}: ${String(error)}`);
        return {
          key,
          label,
          routed: { ok: 0, of: hosts.length, samples: [] },
          error: String(error),
        };
      }
    };
    /**
     * Every side in turn, round after round (the order rotating), each round beginning with a
     * direct run: background load on this shared machine then falls on every side alike.
     */
    const measureAll = async (prepared: readonly Prepared[]): Promise<SideResult[]> => {
      const live = prepared.filter((p) => p.side !== undefined);
      const runs = new Map(
        live.map((entry) => [
          entry.key,
          {
            throughput: { direct: [] as MeasuredRun[], side: [] as MeasuredRun[] },
            latency: { direct: [] as MeasuredRun[], side: [] as MeasuredRun[] },
          },
        ]),
      );
      const proxied = (started: Started): typeof direct => ({
        tls: true,
        address: "127.0.0.1",
        port: started.port,
        targets,
        ca: started.ca,
        maxRequests: 2_000_000,
      });
      for (const [kind, shape, rounds] of [
        ["throughput", LOAD, LOAD.rounds],
        ["latency", { ...LATENCY, concurrency: 1 }, LATENCY.rounds],
      ] as const) {
        for (let round = 1; round <= rounds; round++) {
          const tag = kind === "latency" ? " c=1" : "";
          const directRun = await measure(
            { ...direct, ...shape, label: `direct${tag} #${round}` },
            none,
          );
          // The order rotates each round and runs backwards every other round, so no side
          // always follows the same other side.
          const order = round % 2 === 0 ? [...live].reverse() : live;
          for (let i = 0; i < order.length; i++) {
            const candidate = order[(i + round - 1) % order.length] as Prepared;
            const startedSide = candidate.side as Started;
            const sideRun = runs.get(candidate.key)?.[kind];
            sideRun?.direct.push(directRun);
            sideRun?.side.push(
              await measure(
                { ...proxied(startedSide), ...shape, label: `${candidate.label}${tag} #${round}` },
                () => startedSide.pids(),
              ),
            );
          }
        }
      }
      return prepared.map((candidate) => {
        const sideRuns = runs.get(candidate.key);
        const empty = { direct: [] as MeasuredRun[], side: [] as MeasuredRun[] };
        return {
          key: candidate.key,
          label: candidate.label,
          routed: candidate.routed,
          throughput: sideRuns?.throughput ?? empty,
          latency: sideRuns?.latency ?? empty,
          config: candidate.side?.config ?? "",
          ...(candidate.error === undefined ? {} : { error: candidate.error }),
        };
      });
    };

    const peerSetup = async (name: string): Promise<PeerSetup> => {
      const [port] = (await freePorts(1)) as [number];
      const peerDir = join(dir, name);
      (await import("node:fs")).mkdirSync(peerDir);
      return {
        dir: peerDir,
        port,
        tenantPort,
        tenants: ids.map((id) => ({
          id,
          hosts: [`${id}.${domain}`],
          address: addresses[id] as string,
        })),
        certificatePath: edge.certificate.certificatePath,
        keyPath: edge.certificate.keyPath,
        upstreamKeepaliveSeconds: UPSTREAM_KEEPALIVE_SECONDS,
        hsts: edgeHsts(edge.config).value,
      };
    };
    const fromPeer = (peer: RunningPeer, port: number): Started => ({
      port,
      ca,
      pids: () => peer.pids(),
      config: peer.configExcerpt,
      stop: () => peer.stop(),
    });
    // The main file, then the route table with each map cut to its first entries and the
    // first two upstreams.
    const nginxExcerpt = (main: string, routes: string) => {
      const out: string[] = [];
      let entries = 0;
      let upstreams = 0;
      for (const line of routes.split("\n")) {
        if (/^map /.test(line)) entries = 0;
        if (/^ {2}"[^"]*" /.test(line) && ++entries > 2) {
          if (entries === 3) out.push("  # …");
          continue;
        }
        if (/^upstream /.test(line) && ++upstreams > 2) break;
        out.push(line);
      }
      return `# nginx.conf\n${main}\n# routes.conf (abridged)\n${out.join("\n")}\n# … one upstream per tenant`;
    };

    const prepared: Prepared[] = [];
    prepared.push(
      await prepare("nginx", "nginx, shipped config", () =>
        Promise.resolve({
          port: edge.ports.https,
          ca,
          pids: () => childPids(edge.nginx.pid),
          config: nginxExcerpt(edge.config, edge.render(false)),
          stop: () => edge.close(),
        }),
      ),
    );
    prepared.push(
      await prepare("floor", "nginx floor (answers after the limits)", () =>
        startFloor(edgeOptions, floorConfig),
      ),
    );
    prepared.push(
      await prepare("floor-return", "nginx `return 200` (before the limits)", () =>
        startFloor(edgeOptions, returnFloorConfig),
      ),
    );
    prepared.push(
      await prepare("nginx-before", "nginx, config shipped before", () =>
        startNginxBefore(dir, config, ids, addresses, tenantPort, edge),
      ),
    );
    prepared.push(
      await prepare("haproxy", "HAProxy", async () => {
        const setup = await peerSetup("haproxy");
        return fromPeer(await startHaproxy(setup, answers200(setup.port)), setup.port);
      }),
    );
    prepared.push(
      await prepare("haproxy-edge", "HAProxy, the edge's whole job", async () => {
        // What the shipped nginx also does for every request: the same per-client limits, the
        // same dropped headers, the same refusal of another environment's keys.
        const setup = {
          ...(await peerSetup("haproxy-edge")),
          edgeJob: {
            environment: config.environment,
            limits: ROUTING_SUITE_LIMITS,
            droppedHeaders: edgeDroppedHeaders(edge.config),
          },
        };
        return fromPeer(await startHaproxy(setup, answers200(setup.port)), setup.port);
      }),
    );
    prepared.push(
      await prepare("caddy", "Caddy", async () => {
        const setup = await peerSetup("caddy");
        return fromPeer(await startCaddy(setup, answers200(setup.port)), setup.port);
      }),
    );

    let sides: SideResult[];
    try {
      sides = await measureAll(prepared);
    } finally {
      // The shipped nginx stays up for the reload runs.
      for (const candidate of prepared) if (candidate.key !== "nginx") await candidate.side?.stop();
    }

    const directFreshConnections = await measure(
      { ...direct, ...LOAD, closeEach: true, label: "direct, new connection per request" },
      none,
    );
    const reloads = await benchReloads(edge, ids, added, log);
    const routeChanges = await benchRouteChanges(edgeOptions, ids, log);
    const shipped = sides[0] as SideResult;
    return {
      tenants: ids.length,
      nginxVersion: await nginxVersion(),
      workerProcesses: childPids(edge.nginx.pid).length,
      routed: shipped.routed,
      throughput: { direct: shipped.throughput.direct, proxy: shipped.throughput.side },
      latency: { direct: shipped.latency.direct, proxy: shipped.latency.side },
      sides,
      directFreshConnections,
      reloads,
      routeChanges,
    };
  } finally {
    await stopChild(client);
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    for (const child of upstreams) await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Three tenant additions and a removal on a 1,000-tenant edge run by the container's entry
 * script (polling as shipped), with an SSE stream and a WebSocket open on two tenants throughout.
 */
async function benchRouteChanges(
  edgeOptions: Parameters<typeof startEdge>[0],
  ids: readonly string[],
  log: (line: string) => void,
): Promise<ProxyResult["routeChanges"]> {
  const pollSeconds = 2;
  const streamsOn = ["s-acme", "s-globex"];
  const addedIds = ["n-initech", "n-umbrella", "n-hooli"];
  const removed = ids[Math.floor(ids.length / 2)] as string;
  let edge: Edge | undefined;
  try {
    edge = await startEdge({
      ...edgeOptions,
      // Local servers for the streaming and the added tenants; the rest as in the other runs.
      tenants: [
        ...edgeOptions.tenants
          .filter((t) => !t.later)
          .map((t) => ({ ...t, port: edgeOptions.tenantPort })),
        ...streamsOn.map((id) => ({ id })),
        ...addedIds.map((id) => ({ id, later: true })),
      ],
      tenantPort: undefined,
      entrypoint: { pollSeconds },
    });
    const result = await runRouteChanges(edge, {
      initial: [...ids, ...streamsOn],
      streamsOn,
      changes: [...addedIds.map((add) => ({ add })), { remove: removed }],
    });
    log(`route changes with streams open: ${JSON.stringify(result)}`);
    return { ...result, tenants: ids.length + streamsOn.length, pollSeconds };
  } catch (error) {
    log(`route changes: ${String(error)}`);
    return {
      streams: 0,
      cut: [],
      events: 0,
      answeredAfterMs: [],
      sameMaster: false,
      tenants: ids.length + streamsOn.length,
      pollSeconds,
      error: String(error),
    };
  } finally {
    await edge?.close();
  }
}

/** The config as shipped before: variable upstreams behind a resolver (a dns2 responder). */
async function startNginxBefore(
  dir: string,
  config: PlatformConfig,
  ids: readonly string[],
  addresses: Record<string, string>,
  tenantPort: number,
  edge: Edge,
): Promise<Started> {
  const prefix = join(dir, "nginx-before");
  (await import("node:fs")).mkdirSync(prefix, { mode: 0o755 });
  const routes = routesFromTenants(
    ids.map((id) => ({ id, hosts: [`${id}.${config.domain}`] })),
    {
      environment: config.environment,
      port: tenantPort,
      clusterDomain: config.proxy.clusterDomain,
    },
  );
  const dns = await startDns(
    Object.fromEntries(routes.map((r) => [r.upstreamHost, addresses[r.tenantId] as string])),
  );
  try {
    const input = proxyNginxConfigInput({
      ...proxySettings(config),
      environment: config.environment,
      routes,
    });
    const [http, https, health] = (await freePorts(3)) as [number, number, number];
    const text = renderNginxConfigBefore({
      ...input,
      resolver: dns.address,
      listen: { http, https, health, address: "127.0.0.1" },
      tls: { certificate: edge.certificate.certificatePath, key: edge.certificate.keyPath },
      paths: {
        pidFile: join(prefix, "nginx.pid"),
        tempDir: prefix,
        errorLog: join(prefix, "error.log"),
        accessLog: join(prefix, "access.log"),
      },
      workers: { processes: 2, connections: 4096, shutdownTimeoutSeconds: 60 },
    });
    const nginx = await NginxProcess.start(text, prefix, health);
    return {
      port: https,
      ca: edge.certificate.pem,
      pids: () => childPids(nginx.pid),
      config: text
        .split("\n")
        .filter((l) => /resolver|proxy_pass|map \$tenant_id|access_log/.test(l))
        .join("\n"),
      stop: async () => {
        await nginx.stop();
        await dns.close();
      },
    };
  } catch (error) {
    await dns.close();
    throw error;
  }
}

/**
 * Steady request streams (the edge suite's client) on a few tenants while nginx is reloaded:
 * fresh TLS connections, then keep-alive connections that retry once a GET cut before any
 * response, then both while a reload brings in a new tenant's route.
 */
async function benchReloads(
  edge: Edge,
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
        port: edge.ports.https,
        host: `${id}.${edge.options.domain}`,
        ca: edge.certificate.pem,
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
        await edge.nginx.reload();
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
  let newTenantAnswered = false;
  try {
    await waitFor("requests flowing", () => total(all) >= 100, 10_000);
    await edge.reloadRoutes(true);
    try {
      const res = await edgeHttps({
        port: edge.ports.https,
        host: `${added}.${edge.options.domain}`,
        ca: edge.certificate.pem,
      });
      const tenant = answeringTenant(res);
      newTenantStatus = `${res.status}${tenant ? ` from ${tenant}` : ""}`;
      newTenantAnswered = res.status === 200 && tenant === added;
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
      newTenantAnswered,
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
