/**
 * The proxies a platform team would pick instead of nginx, from Debian, configured for the
 * edge's job: the same tenant hosts under the same wildcard certificate, TLS to clients, Host
 * routed to one backend per tenant, keep-alive to backends (Caddy closes a connection idle for
 * 4 s; HAProxy's `pool-purge-delay` closes half of its idle ones every 4 s, so some live until
 * the tenants close them at 5 s), X-Forwarded-For/Proto/Host, X-Real-IP and a request id to the tenant, the
 * edge's HSTS header on every answer (so clients get the same bytes from every side), a JSON 404
 * for an unknown host, and an access log. Each follows its own documentation:
 *
 * - HAProxy 2.6: a map file from Host to backend (`use_backend %[…,map(hosts.map)]`, the
 *   documented way to route many domains), one backend per tenant, `option forwardfor`,
 *   `unique-id-header`, `http-response set-header` for HSTS, `option httplog` to stdout, its
 *   default `http-reuse safe` pooling. That is routing only, and HAProxy's own 404 (an
 *   `http-request return`, which `http-response` rules never see) goes without HSTS.
 * - HAProxy 2.6 doing the edge's whole job (`PeerSetup.edgeJob`): the above, plus what the
 *   nginx edge does per request besides routing, each the way HAProxy's documentation shows:
 *   per-client limits from a stick-table keyed by the source address (`conn_cur` and
 *   `http_req_rate(1s)`, `http-request track-sc0 src`), refused with 429 and the edge's JSON
 *   bodies and `Retry-After: 1` (how the rate differs from nginx's `limit_req … burst nodelay`
 *   is said at {@link edgeJobLines}); a 401 with the edge's `wrong_environment` body and
 *   `WWW-Authenticate` when the Authorization bearer, the path and query, or a credential header
 *   carries another environment's key (nginx's own regexes, from auth.ts, as `-m reg` ACLs:
 *   PCRE2, lookahead and all); `http-request del-header` for every header the nginx edge sets to
 *   "" (read from its rendered config, {@link edgeDroppedHeaders}) and for the client's
 *   X-Forwarded-For (which nginx rebuilds and `option forwardfor` would only append to); and
 *   HSTS by `http-after-response`, so HAProxy's own 404, 429 and 401 carry it too. The limits
 *   come first, then the 404, then the 401, as in nginx, where refusals count against the
 *   client's limits. Left out, as for routing only: the suspended-tenant 503, per-plan tenant
 *   limits and key checks for tenants in `edge` auth mode (the bench's are all `app`).
 * - Caddy 2.6: its wildcard-certificate pattern (one `*.{domain}` site, a `host` matcher and
 *   `handle` per tenant), `tls <cert> <key>`, `reverse_proxy` (which sets the X-Forwarded
 *   headers itself) with the `http` transport's `keepalive`, the `header` directive for HSTS, a
 *   JSON access log to a file. Routing only.
 *
 * Every process is started here and stopped by its own pid.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EDGE_BODIES } from "../components/edge/nginx-config";
import {
  AUTH_BODIES,
  CREDENTIAL_HEADERS,
  credentialHeaderName,
  edgeAuthHttpLines,
} from "../components/edge/nginx/auth";
import { type EdgeLimits, LIMIT_BODIES } from "../components/edge/nginx/limits";
import { ENVIRONMENT_NAME } from "../model/names";
import { sleep } from "../testkit/edge/ports";

export interface PeerTenant {
  readonly id: string;
  /** Every host of the tenant. */
  readonly hosts: readonly string[];
  /** Loopback address of its server. */
  readonly address: string;
}

export interface PeerSetup {
  /** Folder for the peer's config, certificate bundle and logs. */
  readonly dir: string;
  /** HTTPS port on 127.0.0.1. */
  readonly port: number;
  /** Port every tenant server listens on. */
  readonly tenantPort: number;
  readonly tenants: readonly PeerTenant[];
  readonly certificatePath: string;
  readonly keyPath: string;
  /** Idle keep-alive to backends, seconds (below the tenants' own 5 s). */
  readonly upstreamKeepaliveSeconds: number;
  /** The edge's `Strict-Transport-Security` value, e.g. `max-age=31536000`. */
  readonly hsts: string;
  /**
   * HAProxy only: also do what the nginx edge does per request besides routing (limits, dropped
   * headers, other environments' keys). @default routing only
   */
  readonly edgeJob?: HaproxyEdgeJob;
}

/** The per-client limits of the nginx edge HAProxy is compared with: those of its `EdgeLimits`. */
export type HaproxyClientLimits = Pick<
  EdgeLimits,
  "connectionsPerClient" | "requestsPerSecondPerClient" | "requestBurstPerClient"
>;

/** What HAProxy needs to do the nginx edge's whole job (see the header comment). */
export interface HaproxyEdgeJob {
  /** The environment whose keys (`ac_{environment}_…`) are its own; any other's is refused. */
  readonly environment: string;
  /** The limits the nginx it is compared with runs with (the caller passes nginx's numbers). */
  readonly limits: HaproxyClientLimits;
  /**
   * Client-sent headers the tenant never sees: {@link edgeDroppedHeaders} of the nginx config it
   * is compared with, so the two cannot drift.
   */
  readonly droppedHeaders: readonly string[];
}

/**
 * The headers a rendered nginx.conf drops: each `proxy_set_header <Name> "";` (nginx sends no
 * header whose value is empty), in order, each name once.
 */
export function edgeDroppedHeaders(renderedNginxConfig: string): string[] {
  const names = [...renderedNginxConfig.matchAll(/^\s*proxy_set_header\s+(\S+)\s+"";\s*$/gm)].map(
    (m) => m[1] as string,
  );
  return [...new Set(names)];
}

export interface RunningPeer {
  readonly name: string;
  /** What it runs with, abridged to the first tenants for the report. */
  readonly configExcerpt: string;
  /** Processes whose CPU is the peer's. */
  pids(): number[];
  stop(): Promise<void>;
}

const backendName = (id: string) => `t_${id}`;

/**
 * The pattern of one of auth.ts's foreign-key maps, exactly as nginx gets it: the first regex
 * entry after `map <source> <variable> {`, with nginx's quoted-string escapes undone (`\t` is
 * left for PCRE, which reads it as the tab nginx would have put there). `caseless` for `~*`.
 */
function nginxMapPattern(
  lines: readonly string[],
  variable: string,
): { pattern: string; caseless: boolean } {
  const start = lines.findIndex((l) => l.startsWith("map ") && l.endsWith(` ${variable} {`));
  const entry = /^\s*"~(\*?)(.*)" 1;$/.exec(lines[start + 2] ?? "");
  if (start < 0 || entry === null) throw new Error(`no regex entry in auth.ts's ${variable} map`);
  const pattern = (entry[2] as string).replace(/\\(["'\\])/g, "$1");
  // Single-quoted in HAProxy's config, where nothing but a quote is special.
  if (pattern.includes("'")) throw new Error(`${variable}'s pattern has a quote: ${pattern}`);
  return { pattern, caseless: entry[1] === "*" };
}

/**
 * The frontend's lines for the edge's whole job, in three parts: before routing (the limits),
 * after routing (the key check and the headers), and instead of the HSTS line.
 */
function edgeJobLines(
  job: HaproxyEdgeJob,
  hsts: string,
): { limits: string[]; checks: string[]; hsts: string } {
  const { connectionsPerClient, requestsPerSecondPerClient, requestBurstPerClient } = job.limits;
  // Only these three: the caller may pass nginx's whole EdgeLimits.
  const numbers = { connectionsPerClient, requestsPerSecondPerClient, requestBurstPerClient };
  for (const [name, value] of Object.entries(numbers))
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`edgeJob.limits.${name} ${value}: must be a whole number from 1`);
  if (!ENVIRONMENT_NAME.test(job.environment))
    throw new Error(
      `edgeJob.environment ${JSON.stringify(job.environment)}: must be an environment name (model/names.ts)`,
    );
  for (const header of job.droppedHeaders)
    if (!/^[A-Za-z0-9-]{1,64}$/.test(header))
      throw new Error(`edgeJob.droppedHeaders: ${JSON.stringify(header)} is not a header name`);

  const auth = edgeAuthHttpLines({ environment: job.environment, keyTablePath: "-" });
  const bearer = nginxMapPattern(auth, "$edge_foreign_authorization");
  const elsewhere = nginxMapPattern(auth, "$edge_foreign_elsewhere");
  const reg = (p: { pattern: string; caseless: boolean }) =>
    `${p.caseless ? "-i " : ""}-m reg '${p.pattern}'`;
  // nginx searches "$request_uri $http_authorization $http_cookie …" at once; a key has no space,
  // so searching each on its own finds the same keys. `pathq` is the request line's path and
  // query (in HTTP/2 too, without scheme and authority), like nginx's $request_uri. `req.fhdr`
  // in an ACL tries every occurrence whole (nginx checks the first and forwards only that one).
  const credentialHeaders = CREDENTIAL_HEADERS.map((h) => credentialHeaderName(h).toLowerCase());
  const foreign = [
    `  acl edge_foreign_key req.fhdr(authorization) ${reg(bearer)}`,
    `  acl edge_foreign_key pathq ${reg(elsewhere)}`,
    ...["authorization", ...credentialHeaders].map(
      (h) => `  acl edge_foreign_key req.fhdr(${h}) ${reg(elsewhere)}`,
    ),
  ];
  const json = "content-type application/json string";
  // nginx's `limit_req rate=R burst=B nodelay` is a leaky bucket: B+1 requests at once, then one
  // every 1/R s, and a refused request is not counted; so a flooding client still gets R a
  // second through. HAProxy has no such bucket: `http_req_rate(1s)` is its estimate of the last
  // second's requests, refused ones included ("every started request, valid or not"). Refusing
  // above R+B passes what nginx passes in a flood's first second (its B+1 at once plus the
  // refill), but it is a cap on demand, not a shaper: an instant burst may pass R−1 more than
  // nginx's B+1; a client steadily between R and R+B a second gets all through (nginx: R); one
  // steadily above R+B gets almost none (nginx: R). `limit_conn` maps exactly: tracked by an
  // `http-request` rule, `conn_cur` counts the client's requests in progress (each HTTP/2
  // stream on its own), as nginx's limit_conn does, the current one included. nginx checks the
  // rate first (limit_req's handler runs before limit_conn's), so the same order here.
  const limits = [
    `  stick-table type ipv6 size 1m expire 10s store conn_cur,http_req_rate(1s)`,
    "  http-request track-sc0 src",
    `  http-request return status 429 ${json} '${LIMIT_BODIES.rateLimited}' hdr Retry-After 1 if { sc0_http_req_rate gt ${requestsPerSecondPerClient + requestBurstPerClient} }`,
    `  http-request return status 429 ${json} '${LIMIT_BODIES.tooManyConnections}' hdr Retry-After 1 if { sc0_conn_cur gt ${connectionsPerClient} }`,
  ];
  const checks = [
    ...foreign,
    `  http-request return status 401 ${json} '${AUTH_BODIES.wrongEnvironment}' hdr WWW-Authenticate 'Bearer realm="agent-cloud"' if edge_foreign_key`,
    // nginx rebuilds X-Forwarded-For; `option forwardfor` adds its own after these rules.
    "  http-request del-header X-Forwarded-For",
    ...job.droppedHeaders.map((h) => `  http-request del-header ${h}`),
  ];
  return {
    limits,
    checks,
    hsts: `  http-after-response set-header Strict-Transport-Security "${hsts}"`,
  };
}

/** HAProxy's config and host map: routing only, or the edge's whole job with `edgeJob`. */
export function haproxyConfig(setup: PeerSetup): { config: string; hostsMap: string } {
  const pem = join(setup.dir, "haproxy.pem");
  const map = join(setup.dir, "hosts.map");
  const job = setup.edgeJob && edgeJobLines(setup.edgeJob, setup.hsts);
  const head = [
    "global",
    "  log stdout format raw local0",
    "  ssl-default-bind-options ssl-min-ver TLSv1.2",
    "  ssl-default-bind-ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305",
    "  maxconn 8192",
    "",
    "defaults",
    "  mode http",
    "  log global",
    "  option httplog",
    "  option forwardfor",
    "  timeout connect 5s",
    "  timeout client 3600s",
    "  timeout server 3600s",
    "  timeout http-request 10s",
    "  timeout http-keep-alive 65s",
    "",
    "frontend edge",
    `  bind 127.0.0.1:${setup.port} ssl crt ${pem} alpn h2,http/1.1`,
    "  unique-id-format %[uuid()]",
    "  unique-id-header X-Request-Id",
    ...(job?.limits ?? []),
    `  http-request set-var(txn.backend) req.hdr(host),field(1,:),lower,map(${map})`,
    `  http-request return status 404 content-type application/json string '${EDGE_BODIES.unknownHost}' unless { var(txn.backend) -m found }`,
    ...(job?.checks ?? []),
    "  http-request set-header X-Forwarded-Proto https",
    "  http-request set-header X-Forwarded-Host %[req.hdr(host)]",
    "  http-request set-header X-Real-IP %[src]",
    job?.hsts ?? `  http-response set-header Strict-Transport-Security "${setup.hsts}"`,
    "  use_backend %[var(txn.backend)]",
    "",
  ];
  const backends = setup.tenants.flatMap((tenant) => [
    `backend ${backendName(tenant.id)}`,
    `  server app ${tenant.address}:${setup.tenantPort} pool-purge-delay ${setup.upstreamKeepaliveSeconds}s`,
    "",
  ]);
  return {
    config: [...head, ...backends].join("\n"),
    hostsMap: setup.tenants
      .flatMap((t) => t.hosts.map((h) => `${h} ${backendName(t.id)}`))
      .join("\n"),
  };
}

/**
 * Caddy's Caddyfile: its documented pattern for many subdomains under one wildcard certificate
 * (one site `*.{domain}`, a `host` matcher and a `handle` per tenant, a fallback `handle`).
 * One site block per host is its other model; with 1,000 hosts it took about a minute to start
 * and answered tens of requests per second here, so it is not the fair comparison.
 */
export function caddyfile(setup: PeerSetup): string {
  const log = join(setup.dir, "caddy-access.log");
  const domains = [
    ...new Set(setup.tenants.flatMap((t) => t.hosts.map((h) => h.replace(/^[^.]+\./, "")))),
  ];
  const head = [
    "{",
    "  admin off",
    "  auto_https off",
    "}",
    "",
    `${domains.map((d) => `https://*.${d}:${setup.port}`).join(", ")} {`,
    `  tls ${setup.certificatePath} ${setup.keyPath}`,
    "  log {",
    `    output file ${log}`,
    "    format json",
    "  }",
    `  header Strict-Transport-Security "${setup.hsts}"`,
    "",
  ];
  const tenants = setup.tenants.flatMap((tenant) => [
    `  @${tenant.id} host ${tenant.hosts.join(" ")}`,
    `  handle @${tenant.id} {`,
    `    reverse_proxy ${tenant.address}:${setup.tenantPort} {`,
    "      header_up X-Real-IP {remote_host}",
    "      header_up X-Request-Id {http.request.uuid}",
    "      transport http {",
    `        keepalive ${setup.upstreamKeepaliveSeconds}s`,
    "      }",
    "    }",
    "  }",
    "",
  ]);
  const fallback = ["  handle {", `    respond \`${EDGE_BODIES.unknownHost}\` 404`, "  }", "}", ""];
  // Tabs, as `caddy fmt` writes them.
  return [...head, ...tenants, ...fallback]
    .map((l) => l.replace(/^(?: {2})+/, (m) => "\t".repeat(m.length / 2)))
    .join("\n");
}

/** The first `tenants` tenants' part of a generated config, for the report. */
function excerpt(lines: string, keepUntil: RegExp, tenants: number): string {
  const all = lines.split("\n");
  const out: string[] = [];
  let seen = 0;
  for (const line of all) {
    if (keepUntil.test(line) && ++seen > tenants) {
      out.push(`# … and the same for every other tenant`);
      break;
    }
    out.push(line);
  }
  return out.join("\n");
}

async function startProcess(
  name: string,
  command: string,
  args: readonly string[],
  options: { readonly env?: NodeJS.ProcessEnv; readonly stdoutFile: string },
  ready: () => Promise<boolean>,
): Promise<ChildProcess> {
  const out = openSync(options.stdoutFile, "a");
  const child = spawn(command, args, {
    stdio: ["ignore", out, "pipe"],
    env: { ...process.env, ...options.env },
  });
  closeSync(out);
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-3000)));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited at start: ${stderr}`);
    if (await ready()) return child;
    await sleep(200);
  }
  await stopProcess(child);
  throw new Error(`${name} did not answer within 60 s: ${stderr}`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

export async function startHaproxy(
  setup: PeerSetup,
  ready: () => Promise<boolean>,
): Promise<RunningPeer> {
  const { readFileSync } = await import("node:fs");
  writeFileSync(
    join(setup.dir, "haproxy.pem"),
    readFileSync(setup.certificatePath, "utf8") + readFileSync(setup.keyPath, "utf8"),
  );
  const { config, hostsMap } = haproxyConfig(setup);
  writeFileSync(join(setup.dir, "hosts.map"), `${hostsMap}\n`);
  writeFileSync(join(setup.dir, "haproxy.cfg"), config);
  const child = await startProcess(
    "haproxy",
    "/usr/sbin/haproxy",
    ["-db", "-f", join(setup.dir, "haproxy.cfg")],
    { stdoutFile: join(setup.dir, "haproxy-access.log") },
    ready,
  );
  return {
    name: "HAProxy",
    configExcerpt: `${excerpt(config, /^backend /, 2)}\n\n# hosts.map\n${hostsMap.split("\n").slice(0, 2).join("\n")}\n# …`,
    pids: () => [child.pid as number],
    stop: () => stopProcess(child),
  };
}

export async function startCaddy(
  setup: PeerSetup,
  ready: () => Promise<boolean>,
): Promise<RunningPeer> {
  const text = caddyfile(setup);
  const file = join(setup.dir, "Caddyfile");
  writeFileSync(file, text);
  const child = await startProcess(
    "caddy",
    "/usr/bin/caddy",
    ["run", "--config", file, "--adapter", "caddyfile"],
    {
      // Caddy keeps its state under these; never the user's home.
      env: { HOME: setup.dir, XDG_DATA_HOME: setup.dir, XDG_CONFIG_HOME: setup.dir },
      stdoutFile: join(setup.dir, "caddy.log"),
    },
    ready,
  );
  return {
    name: "Caddy",
    configExcerpt: excerpt(text, /^\t@/, 2),
    pids: () => [child.pid as number],
    stop: () => stopProcess(child),
  };
}
