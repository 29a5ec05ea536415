/** The markdown report and the chart rows, from the raw results and their verdicts. */
import { type ChartRow } from "./chart";
import type { EvalBench } from "./eval";
import {
  LATENCY,
  LOAD,
  RELOADS,
  SETTLE_MS,
  type MeasuredRun,
  type ProxyResult,
  type SideKey,
} from "./proxy";
import { benchTenantId } from "./platform-config";
import { int, mib, ms, times } from "./stats";
import { cpuPerRequest, edgeVerdict, TARGETS, type Verdicts } from "./verdicts";

export interface RunInfo {
  readonly startedAt: string;
  readonly durationS: number;
  readonly node: string;
  readonly cpus: number;
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
}

const verdict = (pass: boolean) => (pass ? "**PASS**" : "**MISS**");
const pct = (share: number) => `${Math.round(share * 100)}%`;
const us = (n: number) => `${Math.round(n)} µs`;
const shortClient = (client: string) =>
  client.startsWith("new")
    ? "new connection per request"
    : client.startsWith("keep")
      ? "keep-alive + retry"
      : "both, adding a tenant";
const load = (l: readonly number[]) => l.map((x) => x.toFixed(2)).join(" / ");

export function chartRows(evaluation: EvalBench, verdicts: Verdicts): ChartRow[] {
  const ratio = (n: number) => times(n);
  return [
    ...evaluation.sizes.map((size) => ({
      label: `Evaluation time vs bare, ${int(size.tenants)} tenants`,
      value: size.ratio,
      target: TARGETS.evalRatio,
      better: "lower" as const,
      format: ratio,
      pass: verdicts.evalAt(size),
    })),
    {
      label: "Pulumi resources per tenant",
      value: verdicts.resourcesPerTenant,
      target: TARGETS.resourcesPerTenant,
      better: "lower",
      format: (n) => String(Math.round(n)),
      pass: verdicts.resourcesPass,
    },
    {
      label: "Proxy throughput vs direct (1,000 tenants)",
      value: verdicts.throughput.ratio,
      target: TARGETS.throughputRatio,
      better: "higher",
      format: ratio,
      pass: verdicts.throughputPass,
    },
    {
      label: "Edge req/s vs best of HAProxy and Caddy",
      value: verdicts.edge.vsBestPeer,
      target: TARGETS.throughputVsBestPeer,
      better: "higher",
      format: ratio,
      pass: verdicts.edge.peersPass,
    },
    {
      label: "nginx CPU per request vs its own answer",
      value: verdicts.edge.cpuVsFloor,
      target: TARGETS.cpuVsFloor,
      better: "lower",
      format: ratio,
      pass: verdicts.edge.cpuPass,
    },
    {
      label: "Added p99 latency, one request at a time",
      value: Math.max(verdicts.light.addedP99, 0),
      target: TARGETS.addedP99Ms,
      better: "lower",
      format: (n) => `${n.toFixed(2)} ms`,
      pass: verdicts.latencyPass,
    },
    {
      label: "Requests lost during reloads",
      value: verdicts.lost,
      target: TARGETS.lostInReloads,
      better: "lower",
      format: (n) => String(n),
      pass: verdicts.reloadPass,
    },
    {
      label: "Streams cut by 3 tenant additions + 1 removal",
      value: Number.isNaN(verdicts.streamsCut) ? 0 : verdicts.streamsCut,
      target: 0,
      better: "lower",
      format: (n) => String(n),
      pass: verdicts.streamsPass,
    },
    {
      label: "Resources touched beyond tenant + routes",
      value: verdicts.change.outside.length,
      target: TARGETS.untouchedOutside,
      better: "lower",
      format: (n) => String(n),
      pass: verdicts.changePass,
    },
  ];
}

/** CPU µs per request of a side's proxy processes, 0 when it was not measured. */
function sideCpu(verdicts: Verdicts, key: SideKey): number {
  return verdicts.edge.sides.find((s) => s.key === key)?.cpu.proxy ?? 0;
}

/** Names the sides a verdict needed and did not get (not measured, or not routing every host). */
function incompleteNote(missing: readonly string[]): string {
  return missing.length === 0
    ? ""
    : `; incomplete, not measured or not routing every host: ${missing.join(", ")}`;
}

function summary(evaluation: EvalBench, proxyResult: ProxyResult, verdicts: Verdicts): string[] {
  const big = evaluation.sizes.at(-1);
  const rows = [
    ...evaluation.sizes.map(
      (s) =>
        `| Evaluation, ${int(s.tenants)} tenants, vs ${int(s.resources)} bare resources | ≤ ${times(TARGETS.evalRatio)} | ${times(s.ratio)} (${ms(s.platformMs)} vs ${ms(s.bareMs)}) | ${verdict(verdicts.evalAt(s))} |`,
    ),
    `| Pulumi resources per tenant | ≤ ${TARGETS.resourcesPerTenant} | ${verdicts.resourcesPerTenant} (${((big?.resources ?? 0) / (big?.tenants ?? 1)).toFixed(2)} total/tenant at ${int(big?.tenants ?? 0)}) | ${verdict(verdicts.resourcesPass)} |`,
    `| Proxy throughput, ${int(proxyResult.tenants)} tenants, vs upstream direct | ≥ ${times(TARGETS.throughputRatio)} | ${times(verdicts.throughput.ratio)} (${int(verdicts.throughput.proxyRps)} vs ${int(verdicts.throughput.directRps)} req/s) | ${verdict(verdicts.throughputPass)} |`,
    `| Edge throughput, ${int(proxyResult.tenants)} tenants, vs the best of HAProxy and Caddy (issue 12) | ≥ ${times(TARGETS.throughputVsBestPeer)} | ${times(verdicts.edge.vsBestPeer)} (${int(verdicts.edge.shipped?.rps ?? 0)} vs ${verdicts.edge.bestPeer?.label ?? "no peer"} ${int(verdicts.edge.bestPeer?.rps ?? 0)} req/s)${incompleteNote(verdicts.edge.incompleteFor.throughput)} | ${verdict(verdicts.edge.peersPass)} |`,
    `| nginx CPU per proxied request vs per request it answers itself over TLS (the floor, after the limits) | ≤ ${times(TARGETS.cpuVsFloor)} | ${times(verdicts.edge.cpuVsFloor)} (${us(verdicts.edge.shipped?.cpu.proxy ?? 0)} vs ${us(sideCpu(verdicts, "floor"))}; vs \`return 200\`, which answers before the limits: ${times(verdicts.edge.cpuVsReturn)}, ${us(sideCpu(verdicts, "floor-return"))})${incompleteNote(verdicts.edge.incompleteFor.cpu)} | ${verdict(verdicts.edge.cpuPass)} |`,
    `| Added p99 latency (one request at a time) | ≤ ${TARGETS.addedP99Ms} ms | ${ms(verdicts.light.addedP99)} (p99 ${ms(verdicts.light.proxyP99)} vs ${ms(verdicts.light.directP99)}); ${ms(verdicts.loaded.addedP99)} at ${LOAD.concurrency} connections, cores saturated | ${verdict(verdicts.latencyPass)} |`,
    `| Requests lost during reloads under load | ${TARGETS.lostInReloads} | ${verdicts.lost} of ${int(proxyResult.reloads.reduce((n, r) => n + r.result.ok + r.result.failed, 0))}: ${proxyResult.reloads.map((r) => `${r.result.failed} ${shortClient(r.client)}`).join(", ")} (${verdicts.retriedInReloads} more needed their keep-alive retry) | ${verdict(verdicts.reloadPass)} |`,
    `| Streams open across 3 tenant additions and 1 removal (${int(proxyResult.routeChanges.tenants)} tenants, in-place route table + reload) | 0 cut | ${proxyResult.routeChanges.error ? `not measured: ${proxyResult.routeChanges.error}` : `${proxyResult.routeChanges.cut.length} of ${proxyResult.routeChanges.streams} cut; changes answered after ${proxyResult.routeChanges.answeredAfterMs.map((x) => `${(x / 1000).toFixed(1)} s`).join(", ")}; ${proxyResult.routeChanges.sameMaster ? "same nginx master" : "nginx restarted"}`} | ${verdict(verdicts.streamsPass)} |`,
    `| Adding a tenant touches only its resources and the route table | 0 others | ${verdicts.change.outside.length} others (${verdicts.change.tenantOwn} created for the tenant, ${verdicts.change.routeTable.length} route-table changes) | ${verdict(verdicts.changePass)} |`,
  ];
  return [
    "| Target (docs/targets.md) | Goal | Measured | Verdict |",
    "| --- | --- | --- | --- |",
    ...rows,
  ];
}

function evalSection(evaluation: EvalBench, verdicts: Verdicts): string[] {
  const evalResources = evaluation.resources;
  const big = evaluation.sizes.at(-1);
  const perType = Object.entries(evalResources.perTenantTypes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, n]) => `${n > 1 ? `${n} × ` : ""}\`${type}\``)
    .join(", ");
  const components = Object.entries(evalResources.perTenantTypes)
    .filter(([type]) => type.startsWith("agent-cloud:"))
    .reduce((n, [, c]) => n + c, 0);
  return [
    "## 1. Program evaluation under mocks",
    "",
    `Target: evaluating the program for 1,000 tenants within ${times(TARGETS.evalRatio)} of registering the same number of bare resources; at most ${TARGETS.resourcesPerTenant} Pulumi resources per tenant, its database included.`,
    "",
    "The Platform runs with the `local` stack's config (Pulumi.local.yaml through `rawConfig` and `parseConfig`) and n synthetic tenants, under the shared mocks harness (`runProgram`). The baseline registers exactly as many `agent-cloud:bench:Bare` custom resources (one small input each) under the same harness. Every run is a fresh process; time and memory cover the program run only (modules loaded and config parsed before the clock starts). Pairs alternate platform/bare; the median pair is shown.",
    "",
    "| Tenants | Resources | Platform | Bare (same count) | Ratio | Fixed ConfigMaps (same count) | Platform / ConfigMaps | ms / resource (platform, bare) | Peak RSS platform | Peak RSS bare | RSS growth platform / bare | Verdict |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ...evaluation.sizes.map(
      (s) =>
        `| ${int(s.tenants)} | ${int(s.resources)} | ${ms(s.platformMs)} | ${ms(s.bareMs)} | ${times(s.ratio)} | ${ms(s.configMapsMs)} | ${times(s.platformMs / s.configMapsMs)} | ${(s.platformMs / s.resources).toFixed(2)}, ${(s.bareMs / s.resources).toFixed(2)} | ${mib(s.platformMaxRssKiB)} | ${mib(s.bareMaxRssKiB)} | ${mib(s.platformGrowthKiB)} / ${mib(s.bareGrowthKiB)} (${times(s.platformGrowthKiB / s.bareGrowthKiB, 1)}) | ${verdict(verdicts.evalAt(s))} |`,
    ),
    "",
    `Pairs run: ${evaluation.sizes.map((s) => `${int(s.tenants)} tenants ×${s.pairs.length} (ratios ${s.pairs.map((p) => times(p.platform.ms / p.bare.ms)).join(", ")})`).join("; ")}. RSS growth is the peak minus the resident set just before the run. On this shared machine a single pair's ratio moves by about ±20% between runs.`,
    "",
    `**Where the time goes** (CPU profile of one ${int(evaluation.profileTenants)}-tenant run, share of samples): the SDK's \`debuggablePromise\`, which records \`new Error().stack\` for every promise it creates, is on the stack in ${pct(evaluation.profile.debuggablePromise)} of samples; \`Resource.callsites\` (every resource records its whole stack) in ${pct(evaluation.profile.callsites)}; garbage collection ${pct(evaluation.profile.garbageCollector)}; the project's own code (components/, stacks/, the harness) ${pct(evaluation.profile.projectSelf)} self time. The gap to the bare floor is per-resource SDK work that grows with the Outputs and promises each resource's inputs carry, not the components' own logic.`,
    "",
    `**The floor of typed resources.** A Kubernetes ConfigMap with fixed, tiny inputs already costs ${evaluation.sizes.map((s) => times(s.configMapsMs / s.bareMs)).join(", ")} of a bare resource at the three sizes: the SDK creates an Output (and its debuggable promises) for every property of the provider's schema, whatever the program passes. The platform is ${evaluation.sizes.map((s) => times(s.platformMs / s.configMapsMs)).join(", ")} of that floor. Since even the smallest \`@pulumi/kubernetes\` resource sits above 1.25× of a bare resource, that target cannot be met by a program made of Kubernetes resources under this SDK; what the program itself adds is its distance to the ConfigMap floor.`,
    "",
    `**Resources per tenant: ${verdicts.resourcesPerTenant}** ${verdict(verdicts.resourcesPass)} (target ≤ ${TARGETS.resourcesPerTenant}). A second tenant adds ${evalResources.twoTenants - evalResources.oneTenant} resources (${evalResources.oneTenant} with one tenant, ${evalResources.twoTenants} with two): ${perType}. ${components} of them ${components === 1 ? "is a ComponentResource" : "are ComponentResources"}, which no provider acts on, so ${verdicts.resourcesPerTenant - components} reach a provider. At ${int(big?.tenants ?? 0)} tenants the program registers ${int(big?.resources ?? 0)} resources, ${((big?.resources ?? 0) / (big?.tenants ?? 1)).toFixed(2)} per tenant including the shared ones.`,
    "",
  ];
}

function runRows(runs: readonly MeasuredRun[]): string[] {
  return runs.map(
    (r) =>
      `| ${r.label} | ${int(r.requestsPerSecond)} | ${ms(r.p50Ms)} | ${ms(r.p99Ms)} | ${ms(r.maxMs)} | ${r.errors} | ${int(r.connectionsOpened)} |`,
  );
}

/**
 * The edge side by side with its peers: throughput and added p99 at 32 connections and at one,
 * CPU per request of each process, hosts routed.
 */
export function edgeTable(proxyResult: ProxyResult): string[] {
  const edge = edgeVerdict(proxyResult);
  const shippedRps = edge.shipped?.rps ?? Number.NaN;
  const num = (value: number, format: (figure: number) => string) =>
    Number.isFinite(value) ? format(value) : "–";
  return [
    `| Side (${int(proxyResult.tenants)} tenants, TLS) | req/s, ${LOAD.concurrency} conn. | × direct | × shipped nginx | added p99, ${LOAD.concurrency} conn. | req/s, 1 conn. | added p99, 1 conn. | proxy CPU / req (of it in the kernel) | client CPU / req | tenants CPU / req | hosts routed |`,
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...edge.sides.map((sideRow, index) => {
      const side = proxyResult.sides[index];
      if (!sideRow.measured)
        return `| ${sideRow.label} | not measured: ${side?.error ?? "no runs"} | | | | | | | | | |`;
      return `| ${sideRow.label} | ${int(sideRow.rps)} | ${times(sideRow.vsDirect)} | ${times(sideRow.rps / shippedRps)} | ${num(sideRow.addedP99Loaded, ms)} | ${int(sideRow.rpsOne)} | ${num(sideRow.addedP99One, ms)} | ${us(sideRow.cpu.proxy ?? 0)} (${us(sideRow.cpu.proxyKernel ?? 0)}) | ${us(sideRow.cpu.client ?? 0)} | ${us(sideRow.cpu.tenants ?? 0)} | ${int(side?.routed.ok ?? 0)}/${int(side?.routed.of ?? 0)} |`;
    }),
    "",
    "Issue 12's edge targets, this run:",
    "",
    `- Throughput at ${LOAD.concurrency} connections vs the best peer (${edge.bestPeer?.label ?? "none measured"}, ${int(edge.bestPeer?.rps ?? Number.NaN)} req/s): ${times(edge.vsBestPeer)} (target ≥ ${times(TARGETS.throughputVsBestPeer)}) ${verdict(edge.peersPass)}`,
    `- nginx CPU per proxied request vs per request it answers itself after the limits (the floor): ${times(edge.cpuVsFloor)} (${us(edge.shipped?.cpu.proxy ?? Number.NaN)} vs ${us(edge.sides.find((s) => s.key === "floor")?.cpu.proxy ?? Number.NaN)}; target ≤ ${times(TARGETS.cpuVsFloor)}) ${verdict(edge.cpuPass)}; vs \`return 200\`, answered before the limits: ${times(edge.cpuVsReturn)}`,
    `- Added p99 at one connection: ${num(edge.addedP99One, ms)} (target ≤ ${TARGETS.addedP99Ms} ms) ${verdict(edge.latencyPass)}`,
  ];
}

function configsSection(proxy: ProxyResult): string[] {
  return proxy.sides.flatMap((side) => [
    `<details><summary>${side.label}: configuration (abridged)</summary>`,
    "",
    "```",
    side.config,
    "```",
    "",
    "</details>",
    "",
  ]);
}

function proxySection(proxyResult: ProxyResult, verdicts: Verdicts): string[] {
  const directCpu = cpuPerRequest(proxyResult.throughput.direct);
  const proxyCpu = cpuPerRequest(proxyResult.throughput.proxy);
  const freshCpu = cpuPerRequest([proxyResult.directFreshConnections]);
  const cpuRow = (what: string, c: Record<string, number>) =>
    `| ${what} | ${us(c.client ?? 0)} | ${c.proxy ? us(c.proxy) : "–"} | ${us(c.tenants ?? 0)} | ${us((c.client ?? 0) + (c.proxy ?? 0) + (c.tenants ?? 0))} |`;
  const total = (c: Record<string, number>) => (c.client ?? 0) + (c.proxy ?? 0) + (c.tenants ?? 0);
  const fresh = proxyResult.directFreshConnections;
  return [
    `## 2. Proxy throughput and latency (${int(proxyResult.tenants)} tenants)`,
    "",
    `Targets: edge throughput ≥ the best of HAProxy and Caddy doing the same job; nginx CPU per proxied request ≤ ${times(TARGETS.cpuVsFloor)} of its CPU per request it answers itself over TLS (the floor); added p99 ≤ ${TARGETS.addedP99Ms} ms at one connection. (The older target, ≥ ${times(TARGETS.throughputRatio)} of hitting a tenant directly, is kept for comparison: on two shared cores it is out of reach of any TLS proxy, as the floor row shows.)`,
    "",
    `Setup: the edge suite's \`startEdge\` renders the exact files the proxy ships (\`routesFromTenants\` → \`proxyNginxConfigInput\` → \`renderNginxConfig\` + \`renderNginxRoutes\`, environment \`local\`, ${int(proxyResult.tenants)} tenants; only listen ports, file paths and tenant addresses differ: each Service name becomes its tenant server's loopback address, as nginx would resolve it when loading the route table), runs it on ${proxyResult.nginxVersion} (${proxyResult.workerProcesses} workers, access log on). The same ${int(proxyResult.tenants)} tenant servers (bench/lean-tenant.ts on raw sockets, answering the bytes \`return 200\` answers, one per 127.0.x.y address) run in one separate process and the load client in another. All sides run at once (idle while another is measured); after each measured run the bench waits ${SETTLE_MS / 1000} s, so the side's pooled connections to the tenants have closed before the next run.`,
    "",
    "Sides: **nginx, shipped config** (one `upstream` per tenant with `keepalive`, buffered JSON access log); **nginx floor** (the same main config with the proxying replaced by nginx answering itself where a proxied request is answered, in the content phase: TLS, Host routing, the auth maps, the per-client limits and logging, no upstream; `empty_gif` answers from memory, with the tenant id in `X-Tenant` and the edge's HSTS header); **nginx `return 200`** (the same, answered by `return 200` with the tenant's JSON: `return` runs in the rewrite phase, before the limits, so it skips `limit_conn` and `limit_req`; the floor as first defined, reported beside); **nginx, config shipped before** (bench/baseline: `proxy_pass http://$tenant_upstream` behind a `resolver`, a dns2 responder answering each tenant's Service name; a new upstream connection per request); **HAProxy** and **Caddy** from Debian (bench/peers.ts): the same hosts and certificate, one backend per tenant, keep-alive to backends (nginx and Caddy close a connection idle for 4 s; HAProxy's `pool-purge-delay 4s` closes half of its idle ones every 4 s, and the tenants close theirs after 5 s), forwarded headers, a request id, a JSON 404 for unknown hosts, access log on, each configured as its documentation recommends: routing only; **HAProxy, the edge's whole job**: the same plus what the shipped nginx also does for every request, the same per-client limits (a stick-table; its rate is an estimate over the last second, not nginx's leaky bucket), the same dropped client headers, another environment's keys refused with the same 401. The throughput verdict takes the fastest peer, whichever job it did. Their configurations are below.",
    "",
    ...edgeTable(proxyResult),
    "",
    ...configsSection(proxyResult),
    "",
    `Client: a raw-socket HTTP/1.1 keep-alive client (bench/load.ts), ${LOAD.concurrency} connections, one request at a time each, ${LOAD.warmupMs / 1000} s warm-up then ${LOAD.durationMs / 1000} s measured, ${LOAD.rounds} rounds (then ${LATENCY.rounds} rounds at one connection, ${LATENCY.durationMs / 1000} s each); every round is a direct run followed by every side in turn, the order rotating from round to round, so background load on this shared machine falls on all sides alike. Direct: plain HTTP to tenant \`t0001\`'s server. Through a proxy: HTTPS to 127.0.0.1 with the certificate verified, SNI = a random tenant host per connection, Host = a random tenant host per request (all under the wildcard certificate). Only a 200 from the right tenant (its \`x-tenant\` header) counts.`,
    "",
    `**Throughput: ${int(verdicts.throughput.proxyRps)} vs ${int(verdicts.throughput.directRps)} req/s = ${times(verdicts.throughput.ratio)}** ${verdict(verdicts.throughputPass)} (rounds: ${verdicts.throughput.roundRatios.map((r) => times(r)).join(", ")}).`,
    "",
    `**Added p99, one request at a time: ${ms(verdicts.light.addedP99)}** ${verdict(verdicts.latencyPass)} (p50 ${ms(verdicts.light.proxyP50)} vs ${ms(verdicts.light.directP50)}; p99 ${ms(verdicts.light.proxyP99)} vs ${ms(verdicts.light.directP99)}; ${LATENCY.rounds} rounds of ${LATENCY.durationMs / 1000} s each side). At ${LOAD.concurrency} connections the machine is saturated and latency is mostly queueing: p50 ${ms(verdicts.loaded.proxyP50)} vs ${ms(verdicts.loaded.directP50)}, p99 ${ms(verdicts.loaded.proxyP99)} vs ${ms(verdicts.loaded.directP99)} (added p99 ${ms(verdicts.loaded.addedP99)}).`,
    "",
    "| Run | req/s | p50 | p99 | max | errors | connections opened |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...runRows([...proxyResult.throughput.direct, ...proxyResult.throughput.proxy]),
    ...runRows([...proxyResult.latency.direct, ...proxyResult.latency.proxy]),
    ...runRows([fresh]),
    "",
    `**Where the CPU goes** for the shipped config: CPU per answered request over the ${LOAD.concurrency}-connection rounds, read from /proc for the load client, the ${proxyResult.workerProcesses} nginx workers and the tenant-server process:`,
    "",
    "| Path | client | nginx workers | tenant servers | total |",
    "| --- | ---: | ---: | ---: | ---: |",
    cpuRow("direct, keep-alive", directCpu),
    cpuRow("through nginx", proxyCpu),
    cpuRow("direct, new connection per request", freshCpu),
    "",
    `All three processes share the same 2 cores, so throughput is about 2 cores ÷ total CPU per request: ${us(total(directCpu))} direct against ${us(total(proxyCpu))} through nginx. The proxied path pays TLS in the client and nginx and nginx's own work (${us(proxyCpu.proxy ?? 0)} per request, about ${int(1e6 / (proxyCpu.proxy ?? 1))} req/s per nginx core); the pooled connections spare the tenant a TCP handshake per request. The last run shows what the config shipped before cost the tenant server: with a new connection per request, direct throughput drops to ${int(fresh.requestsPerSecond)} req/s (${times(fresh.requestsPerSecond / verdicts.throughput.directRps)} of keep-alive) and the tenant's CPU per request rises from ${us(directCpu.tenants ?? 0)} to ${us(freshCpu.tenants ?? 0)}. In a cluster nginx, the client and the tenant pods do not share two cores, so these ratios are floors for the same software, not predictions.`,
    "",
  ];
}

function reloadSection(proxy: ProxyResult, verdicts: Verdicts): string[] {
  const added = proxy.reloads.find((r) => r.newTenantStatus !== undefined);
  const errors = proxy.reloads.flatMap((r) =>
    r.result.errors.map((e) => `${shortClient(r.client)}: ${e}`),
  );
  const epipe = errors.some((e) => e.includes("EPIPE"));
  return [
    "## 3. Requests lost during config reloads under load",
    "",
    "Target: a config reload under load drops 0 requests, and the proxy takes up a new route table without dropping one.",
    "",
    `Method: the edge suite's \`steadyStream\` clients keep ${RELOADS.streams} tenants busy (${RELOADS.concurrencyEach} loops each, every answer checked to come from the right tenant) through the same ${int(proxy.tenants)}-tenant nginx while it is reloaded by \`NginxProcess.reload\` (\`nginx -t\`, SIGHUP to the master, wait until the old workers have exited), 200 ms apart. Then both kinds of client at once while a reload adds tenant \`${benchTenantId(proxy.tenants + 1)}\` to the route table.`,
    "",
    "| Client | Reloads | Answered ok | Lost | Cut on a reused connection and retried |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...proxy.reloads.map(
      (r) =>
        `| ${r.client} | ${r.reloads} | ${int(r.result.ok)} | ${r.result.failed} | ${r.result.retried} |`,
    ),
    "",
    `**Lost: ${verdicts.lost}** ${verdict(verdicts.reloadPass)}. The new tenant answered right after its reload: ${added?.newTenantStatus ?? "not measured"}.`,
    "",
    `Errors: ${errors.length ? errors.map((e) => `\`${e}\``).join("; ") : "none"}.${epipe ? " A `write EPIPE` on a reused connection is the same race as a 'socket hang up' (the request never reached a worker), but the edge suite's `steadyStream` retries only ECONNRESET and 'socket hang up', so it counts as lost here; a client that also retries EPIPE would not lose it." : ""}`,
    "",
    `Keep-alive: ${verdicts.retriedInReloads} requests were cut on a reused connection before any response and succeeded on their one retry; a keep-alive client without that retry would have lost them ('socket hang up' / ECONNRESET). A worker leaving after a reload closes its idle keep-alive connections, and a request written to one at that moment is never read. Retrying such a GET once is what RFC 9112 §9.3.1 allows and browsers do. Clients opening a new connection per request were not cut in this run: the master keeps the listening sockets open across the reload, so new connections go to the new workers while leaving workers finish the requests they have already read.`,
    "",
    `**Route-table changes with streams open.** The ${int(proxy.routeChanges.tenants)}-tenant edge run by the container's entry script (checking the table every ${proxy.routeChanges.pollSeconds} s), an SSE stream and a WebSocket open on two tenants; the route table file swapped in place (as the kubelet swaps a ConfigMap volume) three times to add a tenant and once to remove one, each time waiting until the change answers and then passing one more event on every stream; at the end the tenants end their SSE streams and the clients close their WebSockets. ${proxy.routeChanges.error ? `Not measured: ${proxy.routeChanges.error}.` : `Streams cut: **${proxy.routeChanges.cut.length} of ${proxy.routeChanges.streams}** ${verdict(verdicts.streamsPass)}${proxy.routeChanges.cut.length ? ` (${proxy.routeChanges.cut.join("; ")})` : ""}; ${proxy.routeChanges.events} events each; each change answered ${proxy.routeChanges.answeredAfterMs.map((x) => `${(x / 1000).toFixed(1)} s`).join(", ")} after its file changed; ${proxy.routeChanges.sameMaster ? "the same nginx master throughout (reloads, no restart)" : "nginx's master changed"}.`}`,
    "",
    "In the cluster a new route table reaches the running pods the same way: the route table is a ConfigMap with a stable name mounted as a folder, the kubelet swaps the file in place, and the container's entry script (components/edge/route-reloader.ts) checks it with `nginx -t` and reloads; the pods are never restarted for a tenant change. `test/edge/route-reload-live.test.ts` runs that script on the real nginx with SSE and WebSocket streams open across three tenant additions and a removal.",
    "",
  ];
}

function changeSection(evaluation: EvalBench, verdicts: Verdicts): string[] {
  const evalResources = evaluation.resources;
  const resourceDiff = evalResources.diff;
  return [
    "## 4. Resources changed when one tenant is added",
    "",
    "Target: adding a tenant touches only its own resources and the proxy's route table.",
    "",
    `Method: the Platform under mocks with the \`local\` stack's config (tenants ${evalResources.baseTenants.join(", ")}: ${int(evalResources.baseResources)} resources), then the same config plus tenant \`${evalResources.addedTenant}\`; recorded resources matched by URN and their inputs compared as JSON. A Kubernetes object whose \`metadata.name\` changes is replaced (the new object created, then the old one deleted).`,
    "",
    `**${resourceDiff.created.length} created, ${resourceDiff.changed.length} changed, ${resourceDiff.deleted.length} deleted, ${resourceDiff.unchanged} unchanged; outside the tenant and the route table: ${verdicts.change.outside.length}** ${verdict(verdicts.changePass)}.`,
    "",
    `Created (${resourceDiff.created.length}, ${verdicts.change.tenantOwn} of them the tenant's own):`,
    "",
    ...resourceDiff.created.map((c) => `- \`${c.type}\` ${c.name}`),
    "",
    `Changed (${resourceDiff.changed.length}):`,
    "",
    ...resourceDiff.changed.map(
      (c) =>
        `- \`${c.type}\` ${c.name}: **${c.action}**${c.action === "replace" ? " (content-named: the new ConfigMap is created, then the old one deleted)" : " (in place)"}; inputs changed: ${c.paths.map((p) => `\`${p}\``).join(", ")}`,
    ),
    "",
    `Deleted (${resourceDiff.deleted.length}): ${resourceDiff.deleted.map((c) => `\`${c.type}\` ${c.name}`).join(", ") || "none"}.`,
    ...(verdicts.change.outside.length
      ? ["", "Outside the target:", "", ...verdicts.change.outside.map((o) => `- ${o}`)]
      : []),
    "",
  ];
}

export function renderReport(
  info: RunInfo,
  evaluation: EvalBench,
  proxy: ProxyResult,
  verdicts: Verdicts,
): string {
  return [
    "# agent-cloud benchmarks",
    "",
    `Measured ${info.startedAt} by \`npm run bench\` in ${Math.round(info.durationS)} s: Node ${info.node}, ${proxy.nginxVersion}, ${info.cpus} cores shared with other work (load average before ${load(info.loadBefore)}, after ${load(info.loadAfter)}). Every figure is a ratio or difference against its own baseline measured in the same run; absolute numbers vary from run to run on this machine.`,
    "",
    "![ratios against targets](chart.svg)",
    "",
    ...summary(evaluation, proxy, verdicts),
    "",
    ...evalSection(evaluation, verdicts),
    ...proxySection(proxy, verdicts),
    ...reloadSection(proxy, verdicts),
    ...changeSection(evaluation, verdicts),
    "## Not measured here",
    "",
    "- The proxy's rollout in a cluster (new pods for a new route table, endpoints and load balancers forgetting old pods): no Kubernetes API server can run here. Section 3 measures nginx's own graceful reload instead.",
    "- Throughput with nginx, client and tenants on separate machines or cores: everything shares the same 2 cores, so section 2's ratio is a floor; the per-process CPU figures show where the time goes.",
    "- A real `pulumi up` / `preview`: there is no Pulumi CLI or engine here, so evaluation is measured under the SDK's mocks, the same way for the program and its baseline.",
    "- nginx 1.27 (the shipped image) and its `server … resolve`: the nginx here is 1.22; the shipped config uses only what both understand (HTTP/2 by the listen parameter here, by `http2 on;` on 1.27).",
    "",
  ].join("\n");
}
