/**
 * Renders the edge proxy's nginx configuration in two files: the main `nginx.conf` (settings,
 * servers, logging; the same whatever the tenants are) and the route table `routes.conf` (which
 * host is which tenant, and one `upstream` per tenant), which the main file `include`s. The proxy
 * ships them in two ConfigMaps so a tenant change only rewrites the route table and nginx takes it
 * with a graceful reload (see `route-reloader.ts`). Pure and deterministic (no clock, no
 * environment), so the same input always gives the same text and the same checksum, and tests run
 * exactly what the cluster runs.
 *
 * Routing is an exact lookup of `$host` in a `map`: nginx has already lowercased it and stripped
 * a trailing dot and any `:port`, and a map without `hostnames` never does wildcard or regex
 * matching, so only a host listed here reaches a tenant, and only the tenant it is listed for.
 * Each tenant is an `upstream` block with a pool of keep-alive connections, so a request never
 * waits for a TCP handshake or a DNS lookup; nginx resolves the Service's cluster name when it
 * loads the route table (a ClusterIP stays the same for the Service's life, and every route
 * change reloads, which resolves again).
 *
 * Sections are small functions, one concern each ({@link routeSections}, {@link httpSections},
 * {@link tenantLocation}): add a concern as a new section rather than growing one.
 */
import { bodySizeReason } from "../../model/body-size";
import { DNS_LABEL, isDnsName } from "../../model/names";
import { SUSPENDED_ANSWER, suspendedGuard, suspendedMapSection } from "./suspended";
import { DRAINING_WORKERS_LINE, MOST_DRAINING_WORKERS } from "./route-reloader";
import {
  apiKeyPattern,
  AUTH_BODIES,
  edgeAuthHttpLines,
  edgeAuthLocationLines,
  edgeAuthProblems,
  edgeAuthRouteLines,
  longestAuthMapKey,
  type TenantAuth,
} from "./nginx/auth";
import {
  type ClientIdentityInput,
  clientIdentityHttpLines,
  clientIdentityLocationLines,
  clientIdentityProblems,
  clientIdentityServerLines,
  originOnlyLocation,
  UPGRADE_REFUSED_ANSWER,
  UPGRADE_REFUSED_BODY,
  upgradeGuard,
} from "./nginx/client-identity";
import {
  CLOSE_AFTER_REFUSAL,
  DEFAULT_EDGE_LIMITS,
  edgeClientRateLines,
  type EdgeLimitsInput,
  edgeLimitedLocation,
  edgeLimitsHttpLines,
  edgeLimitsProblems,
  edgeLimitsRouteLines,
  edgeLimitsServerLines,
} from "./nginx/limits";
import { tenantCookieLocationLines, tenantCookieProblems } from "./nginx/cookies";
import {
  INTERIM_GUARD_MAIN_LINES,
  INTERIM_GUARD_SERVER_LINE,
  interimGuardHttpLines,
} from "./nginx/interim-answers";
import { mapKeyProblems } from "./nginx/map-keys";
import { refusalLocations, refusalServerLines } from "./nginx/refusals";

/** One tenant's entry in the route table. */
export interface NginxRoute {
  /** Tenant id (a DNS label); named in the 502 body when the tenant is unavailable. */
  readonly tenantId: string;
  /** Lowercase hosts served by this tenant, e.g. `acme.dev.example.com` and custom domains. */
  readonly hosts: readonly string[];
  /**
   * Fully qualified Service name, e.g. `sp-acme.dev-tenant-acme.svc.cluster.local` (tests on
   * loopback put an IPv4 address here).
   */
  readonly upstreamHost: string;
  readonly upstreamPort: number;
  /** Answer 503 (suspended, with a JSON body) instead of proxying. @default false */
  readonly suspended?: boolean;
}

export interface NginxListen {
  /** Plain HTTP: redirects to HTTPS, except `/healthz`. */
  readonly http: number;
  readonly https: number;
  /** Probe-only port: `/healthz`, nothing else. */
  readonly health: number;
  /**
   * IPv4 address to bind.
   * @default every interface
   */
  readonly address?: string;
}

export interface NginxConfigInput {
  /** Environment name, e.g. `dev`. */
  readonly environment: string;
  /**
   * The domain tenants are served under (`{id}.{domain}`): a tenant's cookie for it, a parent or
   * a host under it is rewritten to the request's own host (components/edge/nginx/cookies.ts).
   * @default no rewrite (only for an edge whose tenants share no domain)
   */
  readonly domain?: string;
  /** This environment's API-key prefix, `ac_{environment}_`; keys of any other `ac_*_` prefix get 401. */
  readonly apiKeyPrefix: string;
  readonly routes: readonly NginxRoute[];
  /**
   * DNS server for names nginx resolves at request time: an IP or name, optionally with `:port`.
   * Tenant upstreams are resolved when the route table loads, so the edge needs none.
   * @default no `resolver` directive
   */
  readonly resolver?: string;
  /** @default 10 (only with `resolver`) */
  readonly resolverValidSeconds?: number;
  /** Keep-alive connections from nginx to each tenant. */
  readonly upstream?: {
    /**
     * Most idle connections each worker keeps per tenant; fewer when the tenants are many
     * (see {@link tenantKeepalive}).
     * @default 16
     */
    readonly keepaliveConnections?: number;
    /**
     * How long an idle pooled connection is kept. Must stay below the tenant app's own idle
     * timeout (Node's default `keepAliveTimeout` is 5 s): nginx never retries a POST on a
     * connection the app has just closed, so the app closing first turns into a 502.
     * @default 4
     */
    readonly keepaliveTimeoutSeconds?: number;
    /** @default 1000 */
    readonly keepaliveRequests?: number;
  };
  /**
   * How to switch on HTTP/2 to clients: `listen` (the `http2` listen parameter, every nginx from
   * 1.9.5, deprecated with a warning from 1.25.1), `directive` (`http2 on;`, nginx >= 1.25.1) or
   * `off`. Both spellings do the same.
   * @default "listen"
   */
  readonly http2?: "listen" | "directive" | "off";
  readonly listen: NginxListen;
  /** Absolute paths of the PEM certificate chain and key (relative ones resolve against the conf folder). */
  readonly tls: { readonly certificate: string; readonly key: string };
  /** `client_max_body_size`, e.g. `10m`. */
  readonly maxBodySize: string;
  readonly timeouts: {
    readonly connectSeconds: number;
    /** Also the longest silence an SSE or WebSocket stream may have. */
    readonly readSeconds: number;
    readonly sendSeconds: number;
  };
  /** Everything nginx writes; with a read-only root filesystem these live in an emptyDir. */
  readonly paths: {
    readonly pidFile: string;
    /** Parent of the client-body and proxy temp folders. */
    readonly tempDir: string;
    /** @default "/dev/stderr" */
    readonly errorLog?: string;
    /** A path, or `off`. @default "/dev/stdout" */
    readonly accessLog?: string;
    /**
     * Absolute path of the njs script that refuses a tenant's interim answer
     * (INTERIM_GUARD_SCRIPT, nginx/interim-answers.ts), written beside nginx.conf.
     */
    readonly interimGuardScript: string;
    /**
     * Absolute path of the route table ({@link renderNginxRoutes}) the main file includes.
     * @default the routes are written into nginx.conf itself
     */
    readonly routesFile?: string;
  };
  readonly workers?: {
    /** @default "auto" */
    readonly processes?: number | "auto";
    /**
     * `worker_connections`: what one worker holds at once, clients, the tenant connections of
     * requests in flight and every tenant's idle pool. The pools share at most
     * {@link POOL_SHARE} of it, so it caps the tenants one edge can route.
     * @default DEFAULT_WORKER_CONNECTIONS: 16384 (idle pools for up to 12,288 tenants)
     */
    readonly connections?: number;
    /**
     * How long the workers of a previous generation may finish in-flight requests and open
     * streams after a reload or a graceful quit (`worker_shutdown_timeout`). Route changes reload
     * nginx, so this is how long an SSE or WebSocket stream survives a tenant being added; the
     * pod's own stop is bounded separately, by its termination grace period.
     * @default 60
     */
    readonly shutdownTimeoutSeconds?: number;
  };
  /**
   * How many old workers the edge's entry script lets drain at once (route-reloader.ts), written
   * into the route table with it. @default no line: the script stops no draining worker
   */
  readonly drainingWorkersKept?: number;
  /** @default 31536000 (one year) */
  readonly hstsMaxAgeSeconds?: number;
  /** API-key checks (components/edge/nginx/auth.ts): where the key table is, each tenant's mode. */
  readonly auth: {
    /** Absolute path of the key table file, mounted from a Secret. */
    readonly keyTablePath: string;
    /** One entry per routed tenant; a tenant without one is in `edge` mode with no public path. */
    readonly tenants: readonly TenantAuth[];
  };
  /** Abuse limits (components/edge/nginx/limits.ts). @default DEFAULT_EDGE_LIMITS, no plan limits */
  readonly limits?: EdgeLimitsInput;
  /** Real client address and origin pulls (components/edge/nginx/client-identity.ts). @default trust no header */
  readonly clientIdentity?: ClientIdentityInput;
}

/** Thrown by {@link renderNginxConfig} with every problem in its input. */
export class NginxConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `nginx config input is invalid (${problems.length} ${problems.length === 1 ? "problem" : "problems"}):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "NginxConfigError";
  }
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const RESOLVER = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)(:\d{1,5})?$/;
/** Absolute path without characters nginx would need quoting for. */
const SAFE_PATH = /^\/[A-Za-z0-9._\-/]*$/;
const API_KEY_PREFIX = /^ac_([a-z0-9][a-z0-9-]*)_$/;

/** JSON bodies the proxy answers with itself; they name no Service, namespace or version. */
export const EDGE_BODIES = {
  unknownHost: '{"error":"unknown_host","message":"no agent is served at this host"}',
  wrongEnvironment: AUTH_BODIES.wrongEnvironment,
  unauthorized: AUTH_BODIES.unauthorized,
  tooLarge: '{"error":"request_too_large","message":"the request body is too large"}',
  upgradeRefused: UPGRADE_REFUSED_BODY,
  healthy: '{"status":"ok"}',
  notFound: '{"error":"not_found"}',
} as const;

/** Body of the 502 for an unavailable tenant (`$tenant_id` is filled in by nginx). */
export function tenantUnavailableBody(tenantId: string): string {
  return `{"error":"tenant_unavailable","tenant":"${tenantId}","message":"the agent is not reachable right now"}`;
}

function validate(input: NginxConfigInput): string[] {
  const problems: string[] = [];
  const bad = (path: string, value: unknown, rule: string) =>
    problems.push(`${path} ${JSON.stringify(value)}: ${rule}`);
  const port = (path: string, value: number) => {
    if (!Number.isInteger(value) || value < 1 || value > 65535)
      bad(path, value, "must be a port number, an integer from 1 to 65535");
  };
  /** Whether `value` is unset or a whole number from 1 to `max`; a problem otherwise. */
  const positive = (path: string, value: number | undefined, max = 86400): boolean => {
    if (value === undefined || (Number.isInteger(value) && value >= 1 && value <= max)) return true;
    bad(path, value, `must be a whole number from 1 to ${max}`);
    return false;
  };
  const path = (name: string, value: string | undefined) => {
    if (value !== undefined && !SAFE_PATH.test(value))
      bad(name, value, "must be an absolute path of letters, digits, '.', '_', '-' and '/'");
  };

  if (!DNS_LABEL.test(input.environment) || input.environment.length > 63)
    bad("environment", input.environment, "must be a DNS label (a-z, 0-9, '-')");
  if (!API_KEY_PREFIX.test(input.apiKeyPrefix))
    bad("apiKeyPrefix", input.apiKeyPrefix, "must look like ac_<environment>_, e.g. ac_dev_");

  const ids = new Map<string, number>();
  const hostOwner = new Map<string, string>();
  input.routes.forEach((route, i) => {
    const at = `routes[${i}]`;
    if (!DNS_LABEL.test(route.tenantId) || route.tenantId.length > 63) {
      bad(`${at}.tenantId`, route.tenantId, "must be a DNS label (a-z, 0-9, '-')");
    } else if (ids.has(route.tenantId)) {
      bad(`${at}.tenantId`, route.tenantId, `is already routes[${ids.get(route.tenantId)}]`);
    } else {
      ids.set(route.tenantId, i);
      // The key of the route table's tenant maps (upstream, suspended).
      problems.push(...mapKeyProblems(`${at}.tenantId`, route.tenantId));
    }
    if (route.hosts.length === 0) problems.push(`${at}.hosts: must list at least one host`);
    route.hosts.forEach((host, j) => {
      if (!isDnsName(host)) {
        bad(
          `${at}.hosts[${j}]`,
          host,
          "must be a lowercase DNS name such as acme.agents.example.com (no wildcard, port, IP or trailing dot)",
        );
        return;
      }
      const owner = hostOwner.get(host);
      if (owner !== undefined) {
        bad(
          `${at}.hosts[${j}]`,
          host,
          owner === route.tenantId
            ? "is listed twice for this tenant"
            : `is already routed to tenant "${owner}"; a host belongs to one tenant`,
        );
      } else {
        hostOwner.set(host, route.tenantId);
      }
    });
    if (!isDnsName(route.upstreamHost) && !IPV4.test(route.upstreamHost))
      bad(
        `${at}.upstreamHost`,
        route.upstreamHost,
        "must be a fully qualified Service DNS name (or an IPv4 address)",
      );
    port(`${at}.upstreamPort`, route.upstreamPort);
  });

  if (input.resolver !== undefined && !RESOLVER.test(input.resolver))
    bad("resolver", input.resolver, "must be one DNS server address, e.g. 10.96.0.10 or host:53");
  positive("resolverValidSeconds", input.resolverValidSeconds, 3600);
  const up = input.upstream ?? {};
  positive("upstream.keepaliveConnections", up.keepaliveConnections, 1024);
  positive("upstream.keepaliveTimeoutSeconds", up.keepaliveTimeoutSeconds, 3600);
  positive("upstream.keepaliveRequests", up.keepaliveRequests, 1_000_000);
  if (input.http2 !== undefined && !["listen", "directive", "off"].includes(input.http2))
    bad("http2", input.http2, 'must be "listen", "directive" or "off"');
  port("listen.http", input.listen.http);
  port("listen.https", input.listen.https);
  port("listen.health", input.listen.health);
  const ports = [input.listen.http, input.listen.https, input.listen.health];
  if (new Set(ports).size !== ports.length)
    bad("listen", input.listen, "http, https and health need three different ports");
  if (input.listen.address !== undefined && !IPV4.test(input.listen.address))
    bad("listen.address", input.listen.address, "must be an IPv4 address");
  path("tls.certificate", input.tls.certificate);
  path("tls.key", input.tls.key);
  const bodySize = bodySizeReason(input.maxBodySize);
  if (bodySize !== undefined) bad("maxBodySize", input.maxBodySize, bodySize);
  positive("timeouts.connectSeconds", input.timeouts.connectSeconds, 75);
  positive("timeouts.readSeconds", input.timeouts.readSeconds);
  positive("timeouts.sendSeconds", input.timeouts.sendSeconds);
  path("paths.pidFile", input.paths.pidFile);
  path("paths.tempDir", input.paths.tempDir);
  path("paths.errorLog", input.paths.errorLog);
  if (input.paths.accessLog !== "off") path("paths.accessLog", input.paths.accessLog);
  path("paths.routesFile", input.paths.routesFile);
  path("paths.interimGuardScript", input.paths.interimGuardScript);
  const w = input.workers ?? {};
  if (w.processes !== "auto") positive("workers.processes", w.processes, MOST_WORKER_PROCESSES);
  const connectionsOk = positive("workers.connections", w.connections, 1_000_000);
  const poolLimit = pooledConnectionsPerWorker(w.connections);
  if (connectionsOk && input.routes.length > poolLimit)
    bad(
      "routes",
      `${input.routes.length} tenants`,
      `an edge routes at most ${poolLimit}, one idle connection each in ${POOL_SHARE * 100}% of workers.connections (${w.connections ?? DEFAULT_WORKER_CONNECTIONS}); split the tenants over more environments or raise workers.connections to at least ${Math.ceil(input.routes.length / POOL_SHARE)}`,
    );
  positive("workers.shutdownTimeoutSeconds", w.shutdownTimeoutSeconds);
  positive("hstsMaxAgeSeconds", input.hstsMaxAgeSeconds, 63_072_000);
  positive("drainingWorkersKept", input.drainingWorkersKept, MOST_DRAINING_WORKERS);
  path("auth.keyTablePath", input.auth.keyTablePath);
  input.auth.tenants.forEach((t, i) => {
    if (!ids.has(t.tenantId))
      bad(`auth.tenants[${i}].tenantId`, t.tenantId, "must be the id of a routed tenant");
  });
  problems.push(
    ...edgeAuthProblems({ environment: input.environment, ...input.auth }),
    ...edgeLimitsProblems(limitsOf(input)),
    ...clientIdentityProblems(identityOf(input)),
    ...tenantCookieProblems(input.domain),
  );
  return problems;
}

const limitsOf = (input: NginxConfigInput): EdgeLimitsInput =>
  input.limits ?? { limits: DEFAULT_EDGE_LIMITS, plans: [] };
const identityOf = (input: NginxConfigInput): ClientIdentityInput =>
  input.clientIdentity ?? { realIpFrom: [] };
const ownEnvironmentOf = (input: NginxConfigInput): string =>
  (API_KEY_PREFIX.exec(input.apiKeyPrefix) as RegExpExecArray)[1] as string;
const authOf = (input: NginxConfigInput) => ({
  environment: ownEnvironmentOf(input),
  ...input.auth,
});

const nextPow2 = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(n, 1)));

/**
 * nginx builds each map as a hash of fixed-size buckets and warns (then builds a slower table)
 * when keys that collide do not fit one bucket, so both sizes follow the route table: a bucket
 * holds three of the longest keys, and the table may grow to eight slots per key.
 */
function mapHashSizes(
  hosts: readonly string[],
  longestOtherKey = 0,
): { bucket: number; max: number } {
  // One hash element is a pointer plus the key (+2, pointer-aligned); a bucket ends in a pointer.
  // Hosts are the biggest map; API keys and public paths (auth maps) can be longer than a host.
  const longest = Math.max(63, longestOtherKey, ...hosts.map((k) => k.length));
  const element = 8 + Math.ceil((longest + 2) / 8) * 8;
  return {
    bucket: Math.max(128, nextPow2(3 * element + 8)),
    max: Math.max(4096, nextPow2(hosts.length * 8)),
  };
}

const indent = (lines: readonly string[], by = "  ") => lines.map((l) => (l ? by + l : l));

/** How many lengths tenant upstream names are spread over ({@link tenantUpstreamName}). */
export const UPSTREAM_NAME_LENGTHS = 64;

/** FNV-1a (32 bits) of a tenant id: a stable, well-spread pick that needs no table. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/**
 * Name of a tenant's `upstream` block: `<id>.tenant` and 0 to 63 dashes, picked by a hash of
 * the id (`acme.tenant----`). nginx finds the upstream of a `proxy_pass` with variables by
 * walking every `upstream` block in order, comparing each name's length and only on equal
 * lengths the text (ngx_http_upstream_init_request): spread over 64 lengths, a request compares
 * the text of about one name in 64 instead of every name as long as its own (1,000 ids such as
 * `t0001` … `t1000` are all one length). The same id always gets the same name, whatever else
 * is in the route table.
 */
export function tenantUpstreamName(tenantId: string): string {
  return `${tenantId}.tenant${"-".repeat(fnv1a(tenantId) % UPSTREAM_NAME_LENGTHS)}`;
}

/**
 * The access log, one JSON object per line. Its fields are a contract: `ops logs --proxy` and
 * `ops usage` parse them (`time`, `tenant`, `host`, `method`, `path`, `status`, `request_time`,
 * `upstream_response_time`, `upstream_status`, `upstream_addr`, `bytes_sent`, `request_length`,
 * `request_id`, `client`); add fields, never rename one. Authorization, query strings and
 * Referer are never logged: they can carry API keys and tokens. `path` and `host` are `$uri` and
 * `$host` with any API key in them redacted ({@link accessLogRedactionLines}). This is where a
 * tenant that is down (502, `upstream_status` 502 and the address tried) or a refusal (429, no
 * upstream) shows, since the error log never carries a request ({@link ERROR_LOG_LEVEL}).
 */
export const ACCESS_LOG_FIELDS = [
  ["time", '"$time_iso8601"'],
  ["tenant", '"$tenant_id"'],
  ["host", '"$edge_log_host"'],
  ["method", '"$request_method"'],
  ["path", '"$edge_log_path"'],
  ["status", "$status"],
  ["request_time", "$request_time"],
  // A string: empty when no tenant answered (escape=json writes nothing for an unset value), and
  // one value per attempt otherwise.
  ["upstream_response_time", '"$upstream_response_time"'],
  ["upstream_status", '"$upstream_status"'],
  ["upstream_addr", '"$upstream_addr"'],
  ["bytes_sent", "$bytes_sent"],
  ["request_length", "$request_length"],
  ["request_id", '"$edge_request_id"'],
  ["client", '"$remote_addr"'],
] as const;

/** What a redacted API key is logged as. */
export const REDACTED_KEY = "[redacted]";

/**
 * A map from `source` to `variable`: the source unchanged, or, when it holds an API key of any
 * environment (raw or percent-encoded, {@link apiKeyPattern}), the text before the key and
 * {@link REDACTED_KEY}. Nothing after the key is kept: it may hold a second key. `(?s)`: a
 * decoded `%0A` before the key does not hide it.
 */
function redactionMap(source: string, variable: string, kept: string): string[] {
  return [
    `map ${source} ${variable} {`,
    `  default ${source};`,
    `  "~(?s)^(?<${kept}>.*?)${apiKeyPattern()}" "$${kept}${REDACTED_KEY}";`,
    "}",
  ];
}

/**
 * The access log's `path` and `host`: a key sent in the path (`$uri` is percent-decoded, so an
 * encoded key too) or as the host never reaches the log in clear, whichever environment it is
 * of. nginx evaluates these maps only when it writes the log line, never on the proxied path.
 * A routed host is a DNS name (no `_`), so only an unknown host (`$tenant_id` "") can hold a key:
 * a routed request's host costs one lookup, not a regular expression.
 */
export function accessLogRedactionLines(): string[] {
  return [
    ...redactionMap("$uri", "$edge_log_path", "edge_log_path_kept"),
    "",
    "map $tenant_id $edge_log_host {",
    "  default $host;",
    '  "" $edge_log_unknown_host;',
    "}",
    "",
    ...redactionMap("$host", "$edge_log_unknown_host", "edge_log_host_kept"),
  ];
}

function accessLogSection(input: NginxConfigInput): string[] {
  const fields = ACCESS_LOG_FIELDS.map(([k, v]) => `"${k}":${v}`);
  const chunks = [];
  for (let i = 0; i < fields.length; i += 4) chunks.push(fields.slice(i, i + 4).join(","));
  const body = chunks.map((c, i) => (i < chunks.length - 1 ? `${c},` : c));
  const target = input.paths.accessLog ?? "/dev/stdout";
  return [
    ...accessLogRedactionLines(),
    "",
    `log_format edge escape=json '{${body[0]}'`,
    ...body.slice(1, -1).map((c) => `  '${c}'`),
    `  '${body.at(-1)}}';`,
    // Buffered: one write per 64k or per second instead of one per request.
    input.paths.accessLog === "off"
      ? "access_log off;"
      : `access_log ${target} edge buffer=64k flush=1s;`,
  ];
}

/** Which host is which tenant: an exact lookup, sized to the table. */
function hostMapSection(input: NginxConfigInput): string[] {
  const hosts = input.routes.flatMap((r) => r.hosts.map((h) => [h, r.tenantId] as const));
  const hash = mapHashSizes(
    hosts.map(([h]) => h),
    longestAuthMapKey(authOf(input)),
  );
  return [
    `map_hash_bucket_size ${hash.bucket};`,
    `map_hash_max_size ${hash.max};`,
    "",
    // Exact, case-insensitive lookup of the normalised host; anything else is unknown ("").
    "map $host $tenant_id {",
    '  default "";',
    ...hosts.map(([host, id]) => `  "${host}" "${id}";`),
    "}",
  ];
}

/**
 * The error log's level. nginx writes every message it logs while handling a request with that
 * request's line (query string included), its upstream URL and its Referer, and cannot be told
 * not to: so the messages a request routinely causes stay below this level. A tenant that is
 * down or slow (`connect() failed`, `upstream timed out`) is `error`; the limits log at `info`
 * (limits.ts); a client closing or breaking its connection is `info` (a few unusual TLS errors
 * are `crit`, with that client's own request). What remains is the edge itself failing (`crit`: a
 * file it cannot write; `alert`, `emerg`: out of connections, files or memory), which an operator
 * must see, rarely, with the request it happened to. The access log records each request's
 * outcome ({@link ACCESS_LOG_FIELDS}).
 */
const ERROR_LOG_LEVEL = "crit";

/** The most `worker_processes` a rendered config may ask for. */
export const MOST_WORKER_PROCESSES = 256;

/** `worker_connections` unless the input sets it. */
const DEFAULT_WORKER_CONNECTIONS = 16_384;

/**
 * Share of a worker's connections the tenants' idle pools hold together at most; the rest is
 * for clients and the tenant connections of their requests in flight (two per proxied request).
 */
const POOL_SHARE = 0.75;

function pooledConnectionsPerWorker(workerConnections: number | undefined): number {
  return Math.floor((workerConnections ?? DEFAULT_WORKER_CONNECTIONS) * POOL_SHARE);
}

/**
 * Idle connections each worker keeps per tenant (`keepalive`): `upstream.keepaliveConnections`
 * (16 by default), fewer when the tenants are many, so that all their pools together fit in
 * {@link POOL_SHARE} of `worker_connections`. A worker's pool for a tenant grows to that
 * tenant's busiest moment on it (up to `keepalive`) and stays for `keepalive_timeout`: a trickle
 * keeps one, a burst of concurrent requests keeps as many. Past `worker_connections` a worker
 * opens no new connection ("worker_connections are not enough") and requests fail. 1,000
 * tenants keep 12 each by default, 10,000 keep one.
 */
export function tenantKeepalive(input: NginxConfigInput): number {
  const most = input.upstream?.keepaliveConnections ?? 16;
  const share = Math.floor(
    pooledConnectionsPerWorker(input.workers?.connections) / Math.max(1, input.routes.length),
  );
  return Math.max(1, Math.min(most, share));
}

/**
 * One upstream per tenant with a pool of idle keep-alive connections, and which upstream is
 * which tenant's. A single server is never marked down (nginx ignores `max_fails` for it), so a
 * tenant that restarts is retried at once.
 */
function upstreamSection(input: NginxConfigInput): string[] {
  const up = input.upstream ?? {};
  const keepalive = tenantKeepalive(input);
  const upstreamMap = [
    "map $tenant_id $tenant_upstream {",
    '  default "";',
    ...input.routes.map((r) => `  "${r.tenantId}" "${tenantUpstreamName(r.tenantId)}";`),
    "}",
  ];
  return [
    ...upstreamMap,
    "",
    ...input.routes.flatMap((r) => [
      `upstream ${tenantUpstreamName(r.tenantId)} {`,
      `  server ${r.upstreamHost}:${r.upstreamPort};`,
      `  keepalive ${keepalive};`,
      `  keepalive_timeout ${up.keepaliveTimeoutSeconds ?? 4}s;`,
      `  keepalive_requests ${up.keepaliveRequests ?? 1000};`,
      "}",
    ]),
  ];
}

/**
 * The parts of the route table, in order. Anything that changes with the tenant list belongs
 * here (and so in `routes.conf`), never in the main file, so a tenant change is a reload and not
 * a pod restart. Add a per-tenant concern as one more section.
 */
export function routeSections(input: NginxConfigInput): string[][] {
  return [
    hostMapSection(input),
    suspendedMapSection(input.routes),
    upstreamSection(input),
    edgeAuthRouteLines(authOf(input)),
    edgeLimitsRouteLines(limitsOf(input)),
  ];
}

function routeLines(input: NginxConfigInput): string[] {
  return routeSections(input).flatMap((section) => [...section, ""]);
}

/**
 * Renders the route table (`routes.conf`): http-level directives for the main file to include.
 * Throws {@link NginxConfigError} listing every input problem.
 */
export function renderNginxRoutes(input: NginxConfigInput): string {
  const problems = validate(input);
  if (problems.length > 0) throw new NginxConfigError(problems);
  const hosts = input.routes.reduce((n, r) => n + r.hosts.length, 0);
  return [
    `# Route table of environment "${input.environment}": ${input.routes.length} tenants, ${hosts} hosts.`,
    "# Rendered by agent-cloud (components/edge/nginx-config.ts); included by nginx.conf.",
    ...(input.drainingWorkersKept === undefined
      ? []
      : [`${DRAINING_WORKERS_LINE}${input.drainingWorkersKept}`]),
    "",
    ...routeLines(input),
  ].join("\n");
}

/** TLS to clients: modern protocols, and sessions resumed from a cache shared by the workers. */
function tlsSection(): string[] {
  return [
    "ssl_protocols TLSv1.2 TLSv1.3;",
    "ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;",
    "ssl_prefer_server_ciphers off;",
    // A shared zone outlives reloads, so a route change does not cost clients a full handshake.
    "ssl_session_cache shared:edge_tls:10m;",
    "ssl_session_timeout 1d;",
    // Tickets stay off: each reload would make a new ticket key (resumption lost on every route
    // change), replicas would each have their own, and a long-lived key weakens forward secrecy.
    // TLS 1.2 session ids and TLS 1.3 stateful tickets resume from the cache above instead.
    "ssl_session_tickets off;",
  ];
}

/** Maps that do not depend on the tenant list. */
function requestMapsSection(): string[] {
  return [
    // An empty Connection header keeps the pooled connection to the tenant open; a WebSocket
    // upgrade ($edge_upgrade: WebSocket only, see client-identity.ts) passes through (any other
    // upgrade is refused before the proxy).
    "map $edge_upgrade $connection_upgrade {",
    "  default upgrade;",
    '  "" "";',
    "}",
    "",
    // Keep a caller's request id when it is a plain token, so traces join up; else make one.
    "map $http_x_request_id $edge_request_id {",
    "  default $request_id;",
    // No header (most requests): one exact lookup, no regular expression.
    '  "" $request_id;',
    // Never an API key of any environment, anywhere in the id: the id is written to the access
    // log in clear and sent on to the tenant. Regexes are tried in order, so this one first.
    `  "~${apiKeyPattern()}" $request_id;`,
    '  "~^[A-Za-z0-9._:-]{1,128}$" $http_x_request_id;',
    "}",
  ];
}

/** The directives that proxy a routed request to its tenant's upstream. */
function proxyToTenant(input: NginxConfigInput): string[] {
  const t = input.timeouts;
  return [
    // $tenant_upstream: the route table's map from tenant to upstream name (upstreamSection).
    "proxy_pass http://$tenant_upstream;",
    "proxy_http_version 1.1;",
    "proxy_set_header Host $host;",
    "proxy_set_header Upgrade $edge_upgrade;",
    "proxy_set_header Connection $connection_upgrade;",
    ...clientIdentityLocationLines(),
    "proxy_set_header X-Forwarded-Proto $scheme;",
    "proxy_set_header X-Forwarded-Host $host;",
    "proxy_set_header X-Request-Id $edge_request_id;",
    "proxy_redirect off;",
    // The edge owns TLS, so it alone decides HSTS.
    "proxy_hide_header Strict-Transport-Security;",
    // Browsers apply Clear-Site-Data's "cookies" (and "*") to the whole registrable domain, not
    // the tenant's host: one tenant's answer would sign users out of every tenant. The header
    // goes whole (its "cache" and "storage" too); a tenant signs its own users out by expiring
    // its own cookies with Set-Cookie.
    "proxy_hide_header Clear-Site-Data;",
    // A tenant's response may not steer the edge: no internal redirect to the edge's own
    // locations (X-Accel-Redirect), no rate or expiry of its choosing, and no buffering:
    // `X-Accel-Buffering: yes` would turn it back on, and nginx would spool the tenant's answer
    // to a client that reads slowly (or not at all) into proxy_temp_path, up to 1 GiB a request,
    // on the pod's temp volume that every tenant's traffic shares.
    "proxy_ignore_headers X-Accel-Redirect X-Accel-Limit-Rate X-Accel-Expires X-Accel-Charset X-Accel-Buffering;",
    // Nor set a cookie for every other tenant (cookies.ts).
    ...tenantCookieLocationLines(input.domain),
    // Agents stream (SSE): pass every chunk on as it arrives.
    "proxy_buffering off;",
    // Should buffering ever be on, it stays in memory (proxy_buffers): nothing goes to disk.
    "proxy_max_temp_file_size 0;",
    // Request bodies stream to the tenant as they arrive (over the HTTP/1.1 set above, so a
    // chunked body passes too), held only in client_body_buffer_size of memory. Buffered (nginx's
    // default), a body was read whole before the tenant was asked, its bytes past that buffer
    // written to an unlinked temp file in client_body_temp_path: a client without a key (a public
    // path, an `app`-mode tenant) held its open-request limit × maxBodySize of disk per address,
    // which the emptyDir's sizeLimit (measured with du) never saw, so the node's disk filled.
    // Nothing is written to disk for a request body now; a slow body reaches the tenant as slowly
    // as it is sent, and the edge's client_body_timeout still ends one that stalls.
    "proxy_request_buffering off;",
    `proxy_connect_timeout ${t.connectSeconds}s;`,
    `proxy_read_timeout ${t.readSeconds}s;`,
    `proxy_send_timeout ${t.sendSeconds}s;`,
  ];
}

/**
 * The HTTPS server's `location /`: refusals first (each an `if` that returns), then the proxy.
 * Add an edge check (a refusal, a limit) as one more guard here. The key check comes before
 * any refusal that says something about the tenant (suspended), so a caller without a valid key
 * learns nothing more than a 401. (`_hsts` is no longer needed here: the refusal path adds it;
 * kept so callers need not change.)
 */
export function tenantLocation(input: NginxConfigInput, _hsts?: string): string[] {
  return [
    "location / {",
    // Bare statuses: the refusal path (nginx/refusals.ts) counts the client's limits, then answers.
    '  if ($tenant_id = "") {',
    "    return 404;",
    "  }",
    ...indent(edgeAuthLocationLines()),
    ...indent(upgradeGuard()),
    ...indent(suspendedGuard()),
    ...indent(proxyToTenant(input)),
    "}",
  ];
}

/** What the refusal path answers for each bare status but 401 (nginx/refusals.ts). */
const REFUSAL_ANSWERS = [
  { status: 404, body: EDGE_BODIES.unknownHost },
  { status: 413, body: EDGE_BODIES.tooLarge },
  UPGRADE_REFUSED_ANSWER,
  SUSPENDED_ANSWER,
];

/** `listen` address of one of the edge's ports. */
const listenOn = (input: NginxConfigInput, port: number) =>
  input.listen.address === undefined ? `${port}` : `${input.listen.address}:${port}`;

const hstsLine = (input: NginxConfigInput) =>
  `add_header Strict-Transport-Security "max-age=${input.hstsMaxAgeSeconds ?? 31_536_000}" always;`;

const healthLocation = [
  "location = /healthz {",
  "  access_log off;",
  `  return 200 '${EDGE_BODIES.healthy}';`,
  "}",
];

/** The probes' own port: `/healthz`, nothing else. */
function healthServer(input: NginxConfigInput): string[] {
  return [
    "# Probes only.",
    "server {",
    `  listen ${listenOn(input, input.listen.health)} default_server;`,
    "  server_name _;",
    "  access_log off;",
    ...indent(healthLocation),
    "  location / {",
    `    return 404 '${EDGE_BODIES.notFound}';`,
    "  }",
    "}",
  ];
}

/**
 * Plain HTTP: tenant hosts are redirected to HTTPS; nothing is proxied. Every answer but the
 * probe's counts against the client's request rate first, in the TLS server's zone: a `return`
 * runs before `limit_req`, so `location /` only counts and its `try_files` (after the limits)
 * goes on to the answer, as the TLS server's refusal path does (nginx/refusals.ts).
 */
function plainHttpServer(input: NginxConfigInput): string[] {
  return [
    "# Plain HTTP: known hosts are sent to HTTPS, nothing is proxied.",
    "server {",
    `  listen ${listenOn(input, input.listen.http)} default_server;`,
    "  server_name _;",
    ...indent(healthLocation),
    "  location / {",
    ...indent(edgeClientRateLines(limitsOf(input)), "    "),
    "    error_page 429 @edge_limited;",
    // No such file: try_files (after preaccess) goes on to the answer.
    "    try_files /.edge-refused @edge_plain_answer;",
    "  }",
    "",
    "  location @edge_plain_answer {",
    // Nothing more is served here: a redirected client goes on over HTTPS, a refused one pays
    // a new connection (limits.ts).
    ...indent(CLOSE_AFTER_REFUSAL, "    "),
    '    if ($tenant_id = "") {',
    `      return 404 '${EDGE_BODIES.unknownHost}';`,
    "    }",
    "    return 301 https://$host$request_uri;",
    "  }",
    "",
    // No HSTS on plain HTTP (RFC 6797 8.1: a browser ignores it there).
    ...indent(edgeLimitedLocation()),
    "}",
  ];
}

/** The HTTPS server: TLS, limits, the tenant location and the edge's own answers. */
function tlsServer(input: NginxConfigInput): string[] {
  const hsts = hstsLine(input);
  const http2 = input.http2 ?? "listen";
  return [
    "server {",
    // `reuseport`: one listening socket per worker, so the kernel spreads client connections
    // evenly over the workers. With one shared socket, whichever worker wakes first takes the
    // next connection: 32 keep-alive clients split 9/23 between two workers here, leaving one
    // worker saturated while the other idled (README, Benchmarks).
    `  listen ${listenOn(input, input.listen.https)} ssl${http2 === "listen" ? " http2" : ""} default_server reuseport;`,
    ...(http2 === "directive" ? ["  http2 on;"] : []),
    "  server_name _;",
    `  ssl_certificate ${input.tls.certificate};`,
    `  ssl_certificate_key ${input.tls.key};`,
    `  ${hsts}`,
    `  ${INTERIM_GUARD_SERVER_LINE}`,
    "",
    "  error_page 502 503 504 @tenant_unavailable;",
    ...indent(edgeLimitsServerLines(limitsOf(input))),
    ...indent(refusalServerLines()),
    ...indent(clientIdentityServerLines(identityOf(input))),
    "",
    ...indent(tenantLocation(input)),
    "",
    "  location @tenant_unavailable {",
    `    return 502 '${tenantUnavailableBody("$tenant_id")}';`,
    "  }",
    "",
    ...indent(edgeLimitedLocation(hsts)),
    "",
    ...indent(
      refusalLocations(
        hsts,
        edgeClientRateLines(limitsOf(input)),
        REFUSAL_ANSWERS,
        "@edge_limited",
      ),
    ),
    ...(identityOf(input).originPullCaPath !== undefined
      ? ["", ...indent(originOnlyLocation(hsts))]
      : []),
    "}",
  ];
}

function serversSection(input: NginxConfigInput): string[] {
  return [...healthServer(input), "", ...plainHttpServer(input), "", ...tlsServer(input)];
}

/**
 * The parts of the `http` block, in order. The route table comes first (its map hash sizes
 * must precede every map) and is an `include` when `paths.routesFile` is set.
 */
export function httpSections(input: NginxConfigInput): string[][] {
  const routesFile = input.paths.routesFile;
  return [
    [
      "server_tokens off;",
      "default_type application/json;",
      // nginx creates its temp folders at start; the compiled-in ones are on the read-only root.
      `client_body_temp_path ${input.paths.tempDir}/client_body;`,
      `proxy_temp_path ${input.paths.tempDir}/proxy;`,
      `fastcgi_temp_path ${input.paths.tempDir}/fastcgi;`,
      `uwsgi_temp_path ${input.paths.tempDir}/uwsgi;`,
      `scgi_temp_path ${input.paths.tempDir}/scgi;`,
    ],
    routesFile === undefined
      ? ["# Route table.", ...routeLines(input).slice(0, -1)]
      : [
          "# Route table: the tenant maps and upstreams, swapped in place and taken by a reload.",
          `include ${routesFile};`,
        ],
    accessLogSection(input),
    [
      // A busy client (an SDK streaming many calls) keeps its connection: each new one costs a
      // TLS handshake. nginx's default of 1,000 closes it every thousand requests.
      "keepalive_requests 10000;",
      `client_max_body_size ${input.maxBodySize};`,
      // Long bearer tokens and cookies exceed the 8k default.
      "large_client_header_buffers 4 16k;",
    ],
    input.resolver === undefined
      ? []
      : [
          `resolver ${input.resolver} valid=${input.resolverValidSeconds ?? 10}s ipv6=off;`,
          "resolver_timeout 5s;",
        ],
    // Keys are checked before any tenant sees the request (auth.ts); who the client is
    // (client-identity.ts); abuse limits and client timeouts (limits.ts).
    edgeAuthHttpLines(authOf(input)),
    clientIdentityHttpLines(identityOf(input)),
    edgeLimitsHttpLines(limitsOf(input)),
    requestMapsSection(),
    // A tenant's 1xx never becomes the edge's answer (nginx/interim-answers.ts).
    interimGuardHttpLines(input.paths.interimGuardScript),
    tlsSection(),
    serversSection(input),
  ];
}

/**
 * Renders the main nginx.conf. With `paths.routesFile` it holds nothing that depends on the
 * tenant list, so it stays the same when tenants change. Throws {@link NginxConfigError}
 * listing every input problem.
 */
export function renderNginxConfig(input: NginxConfigInput): string {
  const problems = validate(input);
  if (problems.length > 0) throw new NginxConfigError(problems);

  const w = input.workers ?? {};
  const connections = w.connections ?? DEFAULT_WORKER_CONNECTIONS;
  const sections = httpSections(input).filter((s) => s.length > 0);
  const header =
    input.paths.routesFile === undefined
      ? `# Generated by agent-cloud for environment "${input.environment}": ${input.routes.length} tenants, ${input.routes.reduce((n, r) => n + r.hosts.length, 0)} hosts.`
      : `# Generated by agent-cloud for environment "${input.environment}"; routes in ${input.paths.routesFile}.`;
  const lines = [
    header,
    "# Do not edit: it is rendered from the stack config (components/edge/nginx-config.ts).",
    "",
    ...INTERIM_GUARD_MAIN_LINES,
    // The container's main process; Kubernetes, not nginx, keeps it running.
    "daemon off;",
    `worker_processes ${w.processes ?? "auto"};`,
    // Each proxied request holds two descriptors (client and tenant), plus idle pooled ones.
    `worker_rlimit_nofile ${connections * 2 + 1024};`,
    // Graceful quit and reload wait this long for in-flight requests and open streams.
    `worker_shutdown_timeout ${w.shutdownTimeoutSeconds ?? 60}s;`,
    `pid ${input.paths.pidFile};`,
    `error_log ${input.paths.errorLog ?? "/dev/stderr"} ${ERROR_LOG_LEVEL};`,
    "pcre_jit on;",
    "",
    "events {",
    `  worker_connections ${connections};`,
    "}",
    "",
    "http {",
    ...indent(sections.flatMap((s, i) => (i === 0 ? s : ["", ...s]))),
    "}",
    "",
  ];
  return lines.join("\n");
}
