/**
 * The figures each target is judged on, computed once from the raw results so that the report's
 * summary, its sections and the chart can never disagree.
 */
import type { ResourceDiff } from "./diff";
import type { EvalBench, EvalSize } from "./eval";
import type { MeasuredRun, ProxyResult, ReloadRun, SideResult } from "./proxy";
import { mean, sum } from "./stats";
import { KUBERNETES } from "../testkit/type-tokens";

/** Targets from docs/targets.md. */
export const TARGETS = {
  evalRatio: 1.25,
  resourcesPerTenant: 8,
  throughputRatio: 0.85,
  /** Edge throughput against the best of HAProxy and Caddy on the same job (issue 12). */
  throughputVsBestPeer: 1,
  /**
   * nginx CPU per proxied request against its CPU per request answered itself over TLS (the
   * floor, bench/proxy.ts `floorConfig`).
   */
  cpuVsFloor: 2,
  addedP99Ms: 1,
  lostInReloads: 0,
  untouchedOutside: 0,
} as const;

export interface Throughput {
  readonly directRps: number;
  readonly proxyRps: number;
  readonly ratio: number;
  readonly roundRatios: readonly number[];
}

/** Requests per second over all rounds of one side: all ok answers over all measured time. */
export function rps(runs: readonly MeasuredRun[]): number {
  return (sum(runs.map((r) => r.ok)) / sum(runs.map((r) => r.measuredMs))) * 1000;
}

export function throughput(proxyResult: ProxyResult): Throughput {
  const directRps = rps(proxyResult.throughput.direct);
  const proxyRps = rps(proxyResult.throughput.proxy);
  return {
    directRps,
    proxyRps,
    ratio: proxyRps / directRps,
    roundRatios: proxyResult.throughput.proxy.map(
      (r, i) =>
        r.requestsPerSecond / (proxyResult.throughput.direct[i]?.requestsPerSecond ?? Number.NaN),
    ),
  };
}

export interface Latency {
  readonly directP50: number;
  readonly directP99: number;
  readonly proxyP50: number;
  readonly proxyP99: number;
  readonly addedP99: number;
}

/** Latency figures as the mean of the rounds' percentiles. */
export function latency(direct: readonly MeasuredRun[], proxy: readonly MeasuredRun[]): Latency {
  const directP99 = mean(direct.map((r) => r.p99Ms));
  const proxyP99 = mean(proxy.map((r) => r.p99Ms));
  return {
    directP50: mean(direct.map((r) => r.p50Ms)),
    directP99,
    proxyP50: mean(proxy.map((r) => r.p50Ms)),
    proxyP99,
    addedP99: proxyP99 - directP99,
  };
}

/** CPU µs per answered request of each process group over some runs. */
export function cpuPerRequest(runs: readonly MeasuredRun[]): Record<string, number> {
  const ok = sum(runs.map((r) => r.ok));
  const groups = new Set(runs.flatMap((r) => Object.keys(r.cpuMs)));
  return Object.fromEntries(
    [...groups].map((g) => [g, (sum(runs.map((r) => r.cpuMs[g] ?? 0)) * 1000) / ok]),
  );
}

/** One side's figures: throughput and added p99 at 32 connections and at 1, CPU per request. */
export interface SideFigures {
  readonly key: SideResult["key"];
  readonly label: string;
  readonly measured: boolean;
  readonly rps: number;
  /** Against the direct runs measured next to it. */
  readonly vsDirect: number;
  readonly addedP99Loaded: number;
  readonly rpsOne: number;
  readonly addedP99One: number;
  /** CPU µs per answered request of each process group at 32 connections. */
  readonly cpu: Record<string, number>;
}

export function sideFigures(side: SideResult): SideFigures {
  const measured = side.error === undefined && side.throughput.side.length > 0;
  const loaded = measured ? latency(side.throughput.direct, side.throughput.side) : undefined;
  const one = measured ? latency(side.latency.direct, side.latency.side) : undefined;
  const sideRps = measured ? rps(side.throughput.side) : Number.NaN;
  return {
    key: side.key,
    label: side.label,
    measured,
    rps: sideRps,
    vsDirect: sideRps / (measured ? rps(side.throughput.direct) : Number.NaN),
    addedP99Loaded: loaded?.addedP99 ?? Number.NaN,
    rpsOne: measured ? rps(side.latency.side) : Number.NaN,
    addedP99One: one?.addedP99 ?? Number.NaN,
    cpu: measured ? cpuPerRequest(side.throughput.side) : {},
  };
}

export interface EdgeVerdict {
  readonly sides: readonly SideFigures[];
  readonly shipped: SideFigures | undefined;
  readonly bestPeer: SideFigures | undefined;
  /** Shipped nginx req/s over the best peer's, at 32 connections. */
  readonly vsBestPeer: number;
  /**
   * Sides a verdict needs that were not measured, or did not route every tenant host to its own
   * tenant (a peer that failed to start would otherwise leave nginx judged against the other).
   */
  readonly incomplete: readonly string[];
  /** Those the throughput verdict needed (nginx and the peers) and those the CPU one did. */
  readonly incompleteFor: {
    readonly throughput: readonly string[];
    readonly cpu: readonly string[];
  };
  readonly peersPass: boolean;
  /** Shipped nginx CPU per request over the floor's. */
  readonly cpuVsFloor: number;
  /** The same over `return 200`'s (answered before the limits run), for comparison. */
  readonly cpuVsReturn: number;
  readonly cpuPass: boolean;
  /** Shipped nginx's added p99 at one connection, ms. */
  readonly addedP99One: number;
  readonly latencyPass: boolean;
}

/** The peers the throughput target compares with, those of them the run has (measured or not). */
const PEER_KEYS: readonly SideResult["key"][] = ["haproxy", "haproxy-edge", "caddy"];

export function edgeVerdict(proxyResult: ProxyResult): EdgeVerdict {
  const sides = proxyResult.sides.map(sideFigures);
  const byKey = (key: SideResult["key"]) => sides.find((s) => s.key === key);
  const complete = (key: SideResult["key"]): boolean => {
    const side = proxyResult.sides.find((s) => s.key === key);
    return byKey(key)?.measured === true && side !== undefined && side.routed.ok === side.routed.of;
  };
  const shipped = byKey("nginx");
  const peerKeys = PEER_KEYS.filter((key) => byKey(key) !== undefined);
  const incomplete = (["nginx", "floor", ...peerKeys] as const).filter((key) => !complete(key));
  const bestPeer = peerKeys
    .map((key) => byKey(key) as SideFigures)
    .filter((s) => s.measured)
    .sort((a, b) => b.rps - a.rps)[0];
  const vsBestPeer = (shipped?.rps ?? Number.NaN) / (bestPeer?.rps ?? Number.NaN);
  const cpuOver = (key: SideResult["key"]) =>
    (shipped?.cpu.proxy ?? Number.NaN) / (byKey(key)?.cpu.proxy ?? Number.NaN);
  const cpuVsFloor = cpuOver("floor");
  const addedP99One = shipped?.addedP99One ?? Number.NaN;
  const incompleteFor = {
    throughput: incomplete.filter((key) => key === "nginx" || peerKeys.includes(key)),
    cpu: incomplete.filter((key) => key === "nginx" || key === "floor"),
  };
  return {
    sides,
    shipped,
    bestPeer,
    vsBestPeer,
    incomplete,
    incompleteFor,
    peersPass: incompleteFor.throughput.length === 0 && vsBestPeer >= TARGETS.throughputVsBestPeer,
    cpuVsFloor,
    cpuVsReturn: cpuOver("floor-return"),
    cpuPass: incompleteFor.cpu.length === 0 && cpuVsFloor <= TARGETS.cpuVsFloor,
    addedP99One,
    latencyPass: !incomplete.includes("nginx") && addedP99One <= TARGETS.addedP99Ms,
  };
}

/** What adding one tenant touched, sorted into what the target allows and what it does not. */
export interface ChangeVerdict {
  readonly tenantOwn: number;
  readonly routeTable: readonly string[];
  /** Anything else: created, changed or deleted outside the tenant and the route table. */
  readonly outside: readonly string[];
}

/**
 * The route table: what a tenant change may touch on the proxy (the pods stay). The routes
 * ConfigMap and the API-key table Secret are both projected into the routes folder the entry
 * script reloads from.
 */
const PROXY_ROUTE_TABLE = /-proxy-(routes|api-keys)$/;

/** Whether a resource's logical name belongs to tenant `id` (`…-tenant-{id}-…`, `…-{id}-role`). */
export function ownedBy(name: string, id: string): boolean {
  return new RegExp(`(^|-)${id}(-|$)`).test(name);
}

export function changeVerdict(diff: ResourceDiff, tenantId: string): ChangeVerdict {
  const outside: string[] = [];
  const routeTable: string[] = [];
  let tenantOwn = 0;
  for (const resource of diff.created) {
    if (ownedBy(resource.name, tenantId)) tenantOwn++;
    else outside.push(`created ${resource.type} ${resource.name}`);
  }
  for (const resource of diff.changed) {
    const isRouteTable =
      (resource.type === KUBERNETES.ConfigMap || resource.type === KUBERNETES.Secret) &&
      PROXY_ROUTE_TABLE.test(resource.name);
    if (isRouteTable) routeTable.push(`${resource.action} ${resource.type} ${resource.name}`);
    else
      outside.push(
        `${resource.action} ${resource.type} ${resource.name} (${resource.paths.join(", ")})`,
      );
  }
  for (const resource of diff.deleted) outside.push(`deleted ${resource.type} ${resource.name}`);
  return { tenantOwn, routeTable, outside };
}

export interface Verdicts {
  readonly evalAt: (size: EvalSize) => boolean;
  readonly resourcesPerTenant: number;
  readonly resourcesPass: boolean;
  readonly throughput: Throughput;
  readonly throughputPass: boolean;
  readonly edge: EdgeVerdict;
  /** Streams cut by route-table changes taken in place (or NaN when not measured). */
  readonly streamsCut: number;
  readonly streamsPass: boolean;
  readonly light: Latency;
  readonly loaded: Latency;
  readonly latencyPass: boolean;
  readonly lost: number;
  /** Requests cut on a reused keep-alive connection that succeeded on their one retry. */
  readonly retriedInReloads: number;
  readonly reloadPass: boolean;
  readonly change: ChangeVerdict;
  readonly changePass: boolean;
}

/** Requests lost across the reloads. */
function lostInReloads(reloads: readonly ReloadRun[]): number {
  return sum(reloads.map((r) => r.result.failed));
}

/** No request lost across the reloads, and the tenant a reload added answered as itself. */
export function reloadsPass(reloads: readonly ReloadRun[]): boolean {
  const added = reloads.find((r) => r.newTenantStatus !== undefined);
  return lostInReloads(reloads) === 0 && added?.newTenantAnswered === true;
}

export function verdicts(evaluation: EvalBench, proxyResult: ProxyResult): Verdicts {
  const resourcesPerTenant = evaluation.resources.twoTenants - evaluation.resources.oneTenant;
  const rates = throughput(proxyResult);
  const light = latency(proxyResult.latency.direct, proxyResult.latency.proxy);
  const loaded = latency(proxyResult.throughput.direct, proxyResult.throughput.proxy);
  const lost = lostInReloads(proxyResult.reloads);
  const change = changeVerdict(evaluation.resources.diff, evaluation.resources.addedTenant);
  return {
    evalAt: (s) => s.ratio <= TARGETS.evalRatio,
    resourcesPerTenant,
    resourcesPass: resourcesPerTenant <= TARGETS.resourcesPerTenant,
    throughput: rates,
    throughputPass: rates.ratio >= TARGETS.throughputRatio,
    edge: edgeVerdict(proxyResult),
    streamsCut:
      proxyResult.routeChanges.error === undefined
        ? proxyResult.routeChanges.cut.length
        : Number.NaN,
    streamsPass:
      proxyResult.routeChanges.error === undefined &&
      proxyResult.routeChanges.streams > 0 &&
      proxyResult.routeChanges.cut.length === 0 &&
      proxyResult.routeChanges.sameMaster,
    light,
    loaded,
    latencyPass: light.addedP99 <= TARGETS.addedP99Ms,
    lost,
    retriedInReloads: sum(proxyResult.reloads.map((r) => r.result.retried)),
    reloadPass: reloadsPass(proxyResult.reloads),
    change,
    changePass:
      change.outside.length === 0 && change.tenantOwn === evaluation.resources.diff.created.length,
  };
}
