/** The markdown report and the chart rows, from the raw results and their verdicts. */
import { type ChartRow } from "./chart";
import type { EvalBench } from "./eval";
import { LATENCY, LOAD, RELOADS, type MeasuredRun, type ProxyResult } from "./proxy";
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

export function chartRows(e: EvalBench, v: Verdicts): ChartRow[] {
  const ratio = (n: number) => times(n);
  return [
    ...e.sizes.map((s) => ({
      label: `Evaluation time vs bare, ${int(s.tenants)} tenants`,
      value: s.ratio,
      target: TARGETS.evalRatio,
      better: "lower" as const,
      format: ratio,
      pass: v.evalAt(s),
    })),
    {
      label: "Pulumi resources per tenant",
      value: v.resourcesPerTenant,
      target: TARGETS.resourcesPerTenant,
      better: "lower",
      format: (n) => String(Math.round(n)),
      pass: v.resourcesPass,
    },
    {
      label: "Proxy throughput vs direct (1,000 tenants)",
      value: v.throughput.ratio,
      target: TARGETS.throughputRatio,
      better: "higher",
      format: ratio,
      pass: v.throughputPass,
    },
    {
      label: "Edge req/s vs best of HAProxy and Caddy",
      value: v.edge.vsBestPeer,
      target: TARGETS.throughputVsBestPeer,
      better: "higher",
      format: ratio,
      pass: v.edge.peersPass,
    },
    {
      label: "nginx CPU per request vs its return 200",
      value: v.edge.cpuVsFloor,
      target: TARGETS.cpuVsFloor,
      better: "lower",
      format: ratio,
      pass: v.edge.cpuPass,
    },
    {
      label: "Added p99 latency, one request at a time",
      value: Math.max(v.light.addedP99, 0),
      target: TARGETS.addedP99Ms,
      better: "lower",
      format: (n) => `${n.toFixed(2)} ms`,
      pass: v.latencyPass,
    },
    {
      label: "Requests lost during reloads",
      value: v.lost,
      target: TARGETS.lostInReloads,
      better: "lower",
      format: (n) => String(n),
      pass: v.reloadPass,
    },
    {
      label: "Streams cut by 3 tenant additions + 1 removal",
      value: Number.isNaN(v.streamsCut) ? 0 : v.streamsCut,
      target: 0,
      better: "lower",
      format: (n) => String(n),
      pass: v.streamsPass,
    },
    {
      label: "Resources touched beyond tenant + routes",
      value: v.change.outside.length,
      target: TARGETS.untouchedOutside,
      better: "lower",
      format: (n) => String(n),
      pass: v.changePass,
    },
  ];
}

function summary(e: EvalBench, p: ProxyResult, v: Verdicts): string[] {
  const big = e.sizes.at(-1);
  const rows = [
    ...e.sizes.map(
      (s) =>
        `| Evaluation, ${int(s.tenants)} tenants, vs ${int(s.resources)} bare resources | ≤ ${times(TARGETS.evalRatio)} | ${times(s.ratio)} (${ms(s.platformMs)} vs ${ms(s.bareMs)}) | ${verdict(v.evalAt(s))} |`,
    ),
    `| Pulumi resources per tenant | ≤ ${TARGETS.resourcesPerTenant} | ${v.resourcesPerTenant} (${((big?.resources ?? 0) / (big?.tenants ?? 1)).toFixed(2)} total/tenant at ${int(big?.tenants ?? 0)}) | ${verdict(v.resourcesPass)} |`,
    `| Proxy throughput, ${int(p.tenants)} tenants, vs upstream direct | ≥ ${times(TARGETS.throughputRatio)} | ${times(v.throughput.ratio)} (${int(v.throughput.proxyRps)} vs ${int(v.throughput.directRps)} req/s) | ${verdict(v.throughputPass)} |`,
    `| Edge throughput, ${int(p.tenants)} tenants, vs the best of HAProxy and Caddy (issue 12) | ≥ ${times(TARGETS.throughputVsBestPeer)} | ${times(v.edge.vsBestPeer)} (${int(v.edge.shipped?.rps ?? 0)} vs ${v.edge.bestPeer?.label ?? "no peer"} ${int(v.edge.bestPeer?.rps ?? 0)} req/s) | ${verdict(v.edge.peersPass)} |`,
    `| nginx CPU per proxied request vs per TLS \`return 200\` | ≤ ${times(TARGETS.cpuVsFloor)} | ${times(v.edge.cpuVsFloor)} (${us(v.edge.shipped?.cpu.proxy ?? 0)} vs ${us(v.edge.sides.find((s) => s.key === "floor")?.cpu.proxy ?? 0)}) | ${verdict(v.edge.cpuPass)} |`,
    `| Added p99 latency (one request at a time) | ≤ ${TARGETS.addedP99Ms} ms | ${ms(v.light.addedP99)} (p99 ${ms(v.light.proxyP99)} vs ${ms(v.light.directP99)}); ${ms(v.loaded.addedP99)} at ${LOAD.concurrency} connections, cores saturated | ${verdict(v.latencyPass)} |`,
    `| Requests lost during reloads under load | ${TARGETS.lostInReloads} | ${v.lost} of ${int(p.reloads.reduce((n, r) => n + r.result.ok + r.result.failed, 0))}: ${p.reloads.map((r) => `${r.result.failed} ${shortClient(r.client)}`).join(", ")} (${v.retriedInReloads} more needed their keep-alive retry) | ${verdict(v.reloadPass)} |`,
    `| Streams open across 3 tenant additions and 1 removal (${int(p.routeChanges.tenants)} tenants, in-place route table + reload) | 0 cut | ${p.routeChanges.error ? `not measured: ${p.routeChanges.error}` : `${p.routeChanges.cut.length} of ${p.routeChanges.streams} cut; changes answered after ${p.routeChanges.answeredAfterMs.map((x) => `${(x / 1000).toFixed(1)} s`).join(", ")}; ${p.routeChanges.sameMaster ? "same nginx master" : "nginx restarted"}`} | ${verdict(v.streamsPass)} |`,
    `| Adding a tenant touches only its resources and the route table | 0 others | ${v.change.outside.length} others (${v.change.tenantOwn} created for the tenant, ${v.change.routeTable.length} route-table changes) | ${verdict(v.changePass)} |`,
  ];
  return [
    "| Target (docs/targets.md) | Goal | Measured | Verdict |",
    "| --- | --- | --- | --- |",
    ...rows,
  ];
}

function evalSection(e: EvalBench, v: Verdicts): string[] {
  const r = e.resources;
  const big = e.sizes.at(-1);
  const perType = Object.entries(r.perTenantTypes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, n]) => `${n > 1 ? `${n} × ` : ""}\`${type}\``)
    .join(", ");
  const components = Object.entries(r.perTenantTypes)
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
    ...e.sizes.map(
      (s) =>
        `| ${int(s.tenants)} | ${int(s.resources)} | ${ms(s.platformMs)} | ${ms(s.bareMs)} | ${times(s.ratio)} | ${ms(s.configMapsMs)} | ${times(s.platformMs / s.configMapsMs)} | ${(s.platformMs / s.resources).toFixed(2)}, ${(s.bareMs / s.resources).toFixed(2)} | ${mib(s.platformMaxRssKiB)} | ${mib(s.bareMaxRssKiB)} | ${mib(s.platformGrowthKiB)} / ${mib(s.bareGrowthKiB)} (${times(s.platformGrowthKiB / s.bareGrowthKiB, 1)}) | ${verdict(v.evalAt(s))} |`,
    ),
    "",
    `Pairs run: ${e.sizes.map((s) => `${int(s.tenants)} tenants ×${s.pairs.length} (ratios ${s.pairs.map((p) => times(p.platform.ms / p.bare.ms)).join(", ")})`).join("; ")}. RSS growth is the peak minus the resident set just before the run. On this shared machine a single pair's ratio moves by about ±20% between runs.`,
    "",
    `**Where the time goes** (CPU profile of one ${int(e.profileTenants)}-tenant run, share of samples): the SDK's \`debuggablePromise\`, which records \`new Error().stack\` for every promise it creates, is on the stack in ${pct(e.profile.debuggablePromise)} of samples; \`Resource.callsites\` (every resource records its whole stack) in ${pct(e.profile.callsites)}; garbage collection ${pct(e.profile.garbageCollector)}; the project's own code (components/, stacks/, the harness) ${pct(e.profile.projectSelf)} self time. The gap to the bare floor is per-resource SDK work that grows with the Outputs and promises each resource's inputs carry, not the components' own logic.`,
    "",
    `**The floor of typed resources.** A Kubernetes ConfigMap with fixed, tiny inputs already costs ${e.sizes.map((s) => times(s.configMapsMs / s.bareMs)).join(", ")} of a bare resource at the three sizes: the SDK creates an Output (and its debuggable promises) for every property of the provider's schema, whatever the program passes. The platform is ${e.sizes.map((s) => times(s.platformMs / s.configMapsMs)).join(", ")} of that floor. Since even the smallest \`@pulumi/kubernetes\` resource sits above 1.25× of a bare resource, that target cannot be met by a program made of Kubernetes resources under this SDK; what the program itself adds is its distance to the ConfigMap floor.`,
    "",
    `**Resources per tenant: ${v.resourcesPerTenant}** ${verdict(v.resourcesPass)} (target ≤ ${TARGETS.resourcesPerTenant}). A second tenant adds ${r.twoTenants - r.oneTenant} resources (${r.oneTenant} with one tenant, ${r.twoTenants} with two): ${perType}. ${components} of them ${components === 1 ? "is a ComponentResource" : "are ComponentResources"}, which no provider acts on, so ${v.resourcesPerTenant - components} reach a provider. At ${int(big?.tenants ?? 0)} tenants the program registers ${int(big?.resources ?? 0)} resources, ${((big?.resources ?? 0) / (big?.tenants ?? 1)).toFixed(2)} per tenant including the shared ones.`,
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
export function edgeTable(p: ProxyResult): string[] {
  const e = edgeVerdict(p);
  const shippedRps = e.shipped?.rps ?? Number.NaN;
  const num = (n: number, f: (x: number) => string) => (Number.isFinite(n) ? f(n) : "–");
  return [
    `| Side (${int(p.tenants)} tenants, TLS) | req/s, ${LOAD.concurrency} conn. | × direct | × shipped nginx | added p99, ${LOAD.concurrency} conn. | req/s, 1 conn. | added p99, 1 conn. | proxy CPU / req (of it in the kernel) | client CPU / req | tenants CPU / req | hosts routed |`,
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...e.sides.map((s, i) => {
      const side = p.sides[i];
      if (!s.measured)
        return `| ${s.label} | not measured: ${side?.error ?? "no runs"} | | | | | | | | | |`;
      return `| ${s.label} | ${int(s.rps)} | ${times(s.vsDirect)} | ${times(s.rps / shippedRps)} | ${num(s.addedP99Loaded, ms)} | ${int(s.rpsOne)} | ${num(s.addedP99One, ms)} | ${us(s.cpu.proxy ?? 0)} (${us(s.cpu.proxyKernel ?? 0)}) | ${us(s.cpu.client ?? 0)} | ${us(s.cpu.tenants ?? 0)} | ${int(side?.routed.ok ?? 0)}/${int(side?.routed.of ?? 0)} |`;
    }),
    "",
    "Issue 12's edge targets, this run:",
    "",
    `- Throughput at ${LOAD.concurrency} connections vs the best peer (${e.bestPeer?.label ?? "none measured"}, ${int(e.bestPeer?.rps ?? Number.NaN)} req/s): ${times(e.vsBestPeer)} (target ≥ ${times(TARGETS.throughputVsBestPeer)}) ${verdict(e.peersPass)}`,
    `- nginx CPU per proxied request vs per TLS \`return 200\`: ${times(e.cpuVsFloor)} (${us(e.shipped?.cpu.proxy ?? Number.NaN)} vs ${us(e.sides.find((s) => s.key === "floor")?.cpu.proxy ?? Number.NaN)}; target ≤ ${times(TARGETS.cpuVsFloor)}) ${verdict(e.cpuPass)}`,
    `- Added p99 at one connection: ${num(e.addedP99One, ms)} (target ≤ ${TARGETS.addedP99Ms} ms) ${verdict(e.latencyPass)}`,
  ];
}

function configsSection(p: ProxyResult): string[] {
  return p.sides.flatMap((s) => [
    `<details><summary>${s.label}: configuration (abridged)</summary>`,
    "",
    "```",
    s.config,
    "```",
    "",
    "</details>",
    "",
  ]);
}

function proxySection(p: ProxyResult, v: Verdicts): string[] {
  const directCpu = cpuPerRequest(p.throughput.direct);
  const proxyCpu = cpuPerRequest(p.throughput.proxy);
  const freshCpu = cpuPerRequest([p.directFreshConnections]);
  const cpuRow = (what: string, c: Record<string, number>) =>
    `| ${what} | ${us(c.client ?? 0)} | ${c.proxy ? us(c.proxy) : "–"} | ${us(c.tenants ?? 0)} | ${us((c.client ?? 0) + (c.proxy ?? 0) + (c.tenants ?? 0))} |`;
  const total = (c: Record<string, number>) => (c.client ?? 0) + (c.proxy ?? 0) + (c.tenants ?? 0);
  const fresh = p.directFreshConnections;
  return [
    `## 2. Proxy throughput and latency (${int(p.tenants)} tenants)`,
    "",
    `Targets: edge throughput ≥ the best of HAProxy and Caddy doing the same job; nginx CPU per proxied request ≤ ${times(TARGETS.cpuVsFloor)} of its CPU per TLS \`return 200\`; added p99 ≤ ${TARGETS.addedP99Ms} ms at one connection. (The older target, ≥ ${times(TARGETS.throughputRatio)} of hitting a tenant directly, is kept for comparison: on two shared cores it is out of reach of any TLS proxy, as the floor row shows.)`,
    "",
    `Setup: the edge suite's \`startEdge\` renders the exact files the proxy ships (\`routesFromTenants\` → \`proxyNginxConfigInput\` → \`renderNginxConfig\` + \`renderNginxRoutes\`, environment \`local\`, ${int(p.tenants)} tenants; only listen ports, file paths and tenant addresses differ: each Service name becomes its tenant server's loopback address, as nginx would resolve it when loading the route table), runs it on ${p.nginxVersion} (${p.workerProcesses} workers, access log on). The same ${int(p.tenants)} tenant servers (the edge suite's \`FakeTenant\`, one per 127.0.x.y address) run in one separate process and the load client in another. All sides run at once (idle while another is measured).`,
    "",
    "Sides: **nginx, shipped config** (one `upstream` per tenant with `keepalive`, buffered JSON access log); **nginx `return 200` floor** (the same main config with the proxying replaced by `return 200` carrying the tenant id: TLS, Host routing and logging, no upstream); **nginx, config shipped before** (bench/baseline: `proxy_pass http://$tenant_upstream` behind a `resolver`, a dns2 responder answering each tenant's Service name; a new upstream connection per request); **HAProxy** and **Caddy** from Debian (bench/peers.ts): the same hosts and certificate, one backend per tenant, keep-alive to backends closed after 4 s idle, forwarded headers, a request id, a JSON 404 for unknown hosts, access log on, each configured as its documentation recommends. Their configurations are below.",
    "",
    ...edgeTable(p),
    "",
    ...configsSection(p),
    "",
    `Client: a raw-socket HTTP/1.1 keep-alive client (bench/load.ts), ${LOAD.concurrency} connections, one request at a time each, ${LOAD.warmupMs / 1000} s warm-up then ${LOAD.durationMs / 1000} s measured, ${LOAD.rounds} rounds (then ${LATENCY.rounds} rounds at one connection, ${LATENCY.durationMs / 1000} s each); every round is a direct run followed by every side in turn, the order rotating from round to round, so background load on this shared machine falls on all sides alike. Direct: plain HTTP to tenant \`t0001\`'s server. Through a proxy: HTTPS to 127.0.0.1 with the certificate verified, SNI = a random tenant host per connection, Host = a random tenant host per request (all under the wildcard certificate). Only a 200 from the right tenant (its \`x-tenant\` header) counts.`,
    "",
    `**Throughput: ${int(v.throughput.proxyRps)} vs ${int(v.throughput.directRps)} req/s = ${times(v.throughput.ratio)}** ${verdict(v.throughputPass)} (rounds: ${v.throughput.roundRatios.map((r) => times(r)).join(", ")}).`,
    "",
    `**Added p99, one request at a time: ${ms(v.light.addedP99)}** ${verdict(v.latencyPass)} (p50 ${ms(v.light.proxyP50)} vs ${ms(v.light.directP50)}; p99 ${ms(v.light.proxyP99)} vs ${ms(v.light.directP99)}; ${LATENCY.rounds} rounds of ${LATENCY.durationMs / 1000} s each side). At ${LOAD.concurrency} connections the machine is saturated and latency is mostly queueing: p50 ${ms(v.loaded.proxyP50)} vs ${ms(v.loaded.directP50)}, p99 ${ms(v.loaded.proxyP99)} vs ${ms(v.loaded.directP99)} (added p99 ${ms(v.loaded.addedP99)}).`,
    "",
    "| Run | req/s | p50 | p99 | max | errors | connections opened |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...runRows([...p.throughput.direct, ...p.throughput.proxy]),
    ...runRows([...p.latency.direct, ...p.latency.proxy]),
    ...runRows([fresh]),
    "",
    `**Where the CPU goes** for the shipped config: CPU per answered request over the ${LOAD.concurrency}-connection rounds, read from /proc for the load client, the ${p.workerProcesses} nginx workers and the tenant-server process:`,
    "",
    "| Path | client | nginx workers | tenant servers | total |",
    "| --- | ---: | ---: | ---: | ---: |",
    cpuRow("direct, keep-alive", directCpu),
    cpuRow("through nginx", proxyCpu),
    cpuRow("direct, new connection per request", freshCpu),
    "",
    `All three processes share the same 2 cores, so throughput is about 2 cores ÷ total CPU per request: ${us(total(directCpu))} direct against ${us(total(proxyCpu))} through nginx. The proxied path pays TLS in the client and nginx and nginx's own work (${us(proxyCpu.proxy ?? 0)} per request, about ${int(1e6 / (proxyCpu.proxy ?? 1))} req/s per nginx core); the pooled connections spare the tenant a TCP handshake per request. The last run shows what the config shipped before cost the tenant server: with a new connection per request, direct throughput drops to ${int(fresh.requestsPerSecond)} req/s (${times(fresh.requestsPerSecond / v.throughput.directRps)} of keep-alive) and the tenant's CPU per request rises from ${us(directCpu.tenants ?? 0)} to ${us(freshCpu.tenants ?? 0)}. In a cluster nginx, the client and the tenant pods do not share two cores, so these ratios are floors for the same software, not predictions.`,
    "",
  ];
}

function reloadSection(p: ProxyResult, v: Verdicts): string[] {
  const added = p.reloads.find((r) => r.newTenantStatus !== undefined);
  const errors = p.reloads.flatMap((r) =>
    r.result.errors.map((e) => `${shortClient(r.client)}: ${e}`),
  );
  const epipe = errors.some((e) => e.includes("EPIPE"));
  return [
    "## 3. Requests lost during config reloads under load",
    "",
    "Target: a config reload under load drops 0 requests, and the proxy takes up a new route table without dropping one.",
    "",
    `Method: the edge suite's \`steadyStream\` clients keep ${RELOADS.streams} tenants busy (${RELOADS.concurrencyEach} loops each, every answer checked to come from the right tenant) through the same ${int(p.tenants)}-tenant nginx while it is reloaded by \`NginxProcess.reload\` (\`nginx -t\`, SIGHUP to the master, wait until the old workers have exited), 200 ms apart. Then both kinds of client at once while a reload adds tenant \`t${String(p.tenants + 1).padStart(4, "0")}\` to the route table.`,
    "",
    "| Client | Reloads | Answered ok | Lost | Cut on a reused connection and retried |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...p.reloads.map(
      (r) =>
        `| ${r.client} | ${r.reloads} | ${int(r.result.ok)} | ${r.result.failed} | ${r.result.retried} |`,
    ),
    "",
    `**Lost: ${v.lost}** ${verdict(v.reloadPass)}. The new tenant answered right after its reload: ${added?.newTenantStatus ?? "not measured"}.`,
    "",
    `Errors: ${errors.length ? errors.map((e) => `\`${e}\``).join("; ") : "none"}.${epipe ? " A `write EPIPE` on a reused connection is the same race as a 'socket hang up' (the request never reached a worker), but the edge suite's `steadyStream` retries only ECONNRESET and 'socket hang up', so it counts as lost here; a client that also retries EPIPE would not lose it." : ""}`,
    "",
    `Keep-alive: ${v.retriedInReloads} requests were cut on a reused connection before any response and succeeded on their one retry; a keep-alive client without that retry would have lost them ('socket hang up' / ECONNRESET). A worker leaving after a reload closes its idle keep-alive connections, and a request written to one at that moment is never read. Retrying such a GET once is what RFC 9112 §9.3.1 allows and browsers do. Clients opening a new connection per request were not cut in this run: the master keeps the listening sockets open across the reload, so new connections go to the new workers while leaving workers finish the requests they have already read.`,
    "",
    `**Route-table changes with streams open.** The ${int(p.routeChanges.tenants)}-tenant edge run by the container's entry script (checking the table every ${p.routeChanges.pollSeconds} s), an SSE stream and a WebSocket open on two tenants; the route table file swapped in place (as the kubelet swaps a ConfigMap volume) three times to add a tenant and once to remove one, each time waiting until the change answers and then passing one more event on every stream; at the end the tenants end their SSE streams and the clients close their WebSockets. ${p.routeChanges.error ? `Not measured: ${p.routeChanges.error}.` : `Streams cut: **${p.routeChanges.cut.length} of ${p.routeChanges.streams}** ${verdict(v.streamsPass)}${p.routeChanges.cut.length ? ` (${p.routeChanges.cut.join("; ")})` : ""}; ${p.routeChanges.events} events each; each change answered ${p.routeChanges.answeredAfterMs.map((x) => `${(x / 1000).toFixed(1)} s`).join(", ")} after its file changed; ${p.routeChanges.sameMaster ? "the same nginx master throughout (reloads, no restart)" : "nginx's master changed"}.`}`,
    "",
    "In the cluster a new route table reaches the running pods the same way: the route table is a ConfigMap with a stable name mounted as a folder, the kubelet swaps the file in place, and the container's entry script (components/edge/route-reloader.ts) checks it with `nginx -t` and reloads; the pods are never restarted for a tenant change. `test/edge/route-reload-live.test.ts` runs that script on the real nginx with SSE and WebSocket streams open across three tenant additions and a removal.",
    "",
  ];
}

function changeSection(e: EvalBench, v: Verdicts): string[] {
  const r = e.resources;
  const d = r.diff;
  return [
    "## 4. Resources changed when one tenant is added",
    "",
    "Target: adding a tenant touches only its own resources and the proxy's route table.",
    "",
    `Method: the Platform under mocks with the \`local\` stack's config (tenants ${r.baseTenants.join(", ")}: ${int(r.baseResources)} resources), then the same config plus tenant \`${r.addedTenant}\`; recorded resources matched by URN and their inputs compared as JSON. A Kubernetes object whose \`metadata.name\` changes is replaced (the new object created, then the old one deleted).`,
    "",
    `**${d.created.length} created, ${d.changed.length} changed, ${d.deleted.length} deleted, ${d.unchanged} unchanged; outside the tenant and the route table: ${v.change.outside.length}** ${verdict(v.changePass)}.`,
    "",
    `Created (${d.created.length}, ${v.change.tenantOwn} of them the tenant's own):`,
    "",
    ...d.created.map((c) => `- \`${c.type}\` ${c.name}`),
    "",
    `Changed (${d.changed.length}):`,
    "",
    ...d.changed.map(
      (c) =>
        `- \`${c.type}\` ${c.name}: **${c.action}**${c.action === "replace" ? " (content-named: the new ConfigMap is created, then the old one deleted)" : " (in place)"}; inputs changed: ${c.paths.map((p) => `\`${p}\``).join(", ")}`,
    ),
    "",
    `Deleted (${d.deleted.length}): ${d.deleted.map((c) => `\`${c.type}\` ${c.name}`).join(", ") || "none"}.`,
    ...(v.change.outside.length
      ? ["", "Outside the target:", "", ...v.change.outside.map((o) => `- ${o}`)]
      : []),
    "",
  ];
}

export function renderReport(info: RunInfo, e: EvalBench, p: ProxyResult, v: Verdicts): string {
  return [
    "# agent-cloud benchmarks",
    "",
    `Measured ${info.startedAt} by \`npm run bench\` in ${Math.round(info.durationS)} s: Node ${info.node}, ${p.nginxVersion}, ${info.cpus} cores shared with other work (load average before ${load(info.loadBefore)}, after ${load(info.loadAfter)}). Every figure is a ratio or difference against its own baseline measured in the same run; absolute numbers vary from run to run on this machine.`,
    "",
    "![ratios against targets](chart.svg)",
    "",
    ...summary(e, p, v),
    "",
    ...evalSection(e, v),
    ...proxySection(p, v),
    ...reloadSection(p, v),
    ...changeSection(e, v),
    "## Not measured here",
    "",
    "- The proxy's rollout in a cluster (new pods for a new route table, endpoints and load balancers forgetting old pods): no Kubernetes API server can run here. Section 3 measures nginx's own graceful reload instead.",
    "- Throughput with nginx, client and tenants on separate machines or cores: everything shares the same 2 cores, so section 2's ratio is a floor; the per-process CPU figures show where the time goes.",
    "- A real `pulumi up` / `preview`: there is no Pulumi CLI or engine here, so evaluation is measured under the SDK's mocks, the same way for the program and its baseline.",
    "- nginx 1.27 (the shipped image) and its `server … resolve`: the nginx here is 1.22; the shipped config uses only what both understand (HTTP/2 by the listen parameter here, by `http2 on;` on 1.27).",
    "",
  ].join("\n");
}
