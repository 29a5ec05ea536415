/**
 * The edge renderer exactly as shipped before issue 12 (git d031d79, components/edge/nginx-config.ts),
 * kept only so `npm run bench` can measure the old config side by side with the new one: every
 * tenant reached through `proxy_pass http://$tenant_upstream` behind a `resolver`, which opens a
 * new TCP connection (and, every `valid` seconds, a DNS lookup) per request. Not used by the
 * program.
 */
/**
 * Renders the edge proxy's complete nginx.conf from the tenant route table. Pure and
 * deterministic (no clock, no environment), so the same input always gives the same text and the
 * same checksum, and tests can run exactly what the cluster runs.
 *
 * Routing is an exact lookup of `$host` in a `map`: nginx has already lowercased it and stripped
 * a trailing dot and any `:port`, and a map without `hostnames` never does wildcard or regex
 * matching, so only a host listed here reaches a tenant, and only the tenant it is listed for.
 * Upstreams are `proxy_pass http://$variable` behind a `resolver`, never a fixed name: `nginx -t`
 * works without cluster DNS, and a tenant Service created after the proxy started is found.
 */
import { DNS_LABEL, isDnsName } from "../../model/names";

/** One tenant's entry in the route table. */
export interface NginxRoute {
  /** Tenant id (a DNS label); named in the 502 body when the tenant is unavailable. */
  readonly tenantId: string;
  /** Lowercase hosts served by this tenant, e.g. `acme.dev.example.com` and custom domains. */
  readonly hosts: readonly string[];
  /** Fully qualified Service name, e.g. `sp-acme.dev-tenant-acme.svc.cluster.local`. */
  readonly upstreamHost: string;
  readonly upstreamPort: number;
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
  /** This environment's API-key prefix, `ac_{environment}_`; keys of any other `ac_*_` prefix get 401. */
  readonly apiKeyPrefix: string;
  readonly routes: readonly NginxRoute[];
  /** DNS server for tenant Services: an IP or name, optionally with `:port`. */
  readonly resolver: string;
  /**
   * How long a resolved tenant address is cached; also how soon a new tenant becomes reachable.
   * @default 10
   */
  readonly resolverValidSeconds?: number;
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
  };
  readonly workers?: {
    /** @default "auto" */
    readonly processes?: number | "auto";
    /** @default 4096 */
    readonly connections?: number;
    /**
     * How long a graceful shutdown or reload waits for in-flight requests and streams.
     * @default 60
     */
    readonly shutdownTimeoutSeconds?: number;
  };
  /** @default 31536000 (one year) */
  readonly hstsMaxAgeSeconds?: number;
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
const SIZE = /^[0-9]+[kmgKMG]?$/;

/** JSON bodies the proxy answers with itself; they name no Service, namespace or version. */
export const EDGE_BODIES = {
  unknownHost: '{"error":"unknown_host","message":"no agent is served at this host"}',
  wrongEnvironment:
    '{"error":"wrong_environment","message":"this API key belongs to another environment"}',
  tooLarge: '{"error":"request_too_large","message":"the request body is too large"}',
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
  const positive = (path: string, value: number | undefined, max = 86400) => {
    if (value !== undefined && (!Number.isInteger(value) || value < 1 || value > max))
      bad(path, value, `must be a whole number from 1 to ${max}`);
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
    if (!isDnsName(route.upstreamHost))
      bad(`${at}.upstreamHost`, route.upstreamHost, "must be a fully qualified Service DNS name");
    port(`${at}.upstreamPort`, route.upstreamPort);
  });

  if (!RESOLVER.test(input.resolver))
    bad("resolver", input.resolver, "must be one DNS server address, e.g. 10.96.0.10 or host:53");
  positive("resolverValidSeconds", input.resolverValidSeconds, 3600);
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
  if (!SIZE.test(input.maxBodySize))
    bad("maxBodySize", input.maxBodySize, "must be an nginx size like 10m, 512k or 1g");
  positive("timeouts.connectSeconds", input.timeouts.connectSeconds, 75);
  positive("timeouts.readSeconds", input.timeouts.readSeconds);
  positive("timeouts.sendSeconds", input.timeouts.sendSeconds);
  path("paths.pidFile", input.paths.pidFile);
  path("paths.tempDir", input.paths.tempDir);
  path("paths.errorLog", input.paths.errorLog);
  if (input.paths.accessLog !== "off") path("paths.accessLog", input.paths.accessLog);
  const w = input.workers ?? {};
  if (w.processes !== "auto") positive("workers.processes", w.processes, 256);
  positive("workers.connections", w.connections, 1_000_000);
  positive("workers.shutdownTimeoutSeconds", w.shutdownTimeoutSeconds);
  positive("hstsMaxAgeSeconds", input.hstsMaxAgeSeconds, 63_072_000);
  return problems;
}

const nextPow2 = (n: number) => 2 ** Math.ceil(Math.log2(Math.max(n, 1)));

/**
 * nginx builds each map as a hash of fixed-size buckets and warns (then builds a slower table)
 * when keys that collide do not fit one bucket, so both sizes follow the route table: a bucket
 * holds three of the longest keys, and the table may grow to eight slots per key.
 */
function mapHashSizes(hosts: readonly string[]): { bucket: number; max: number } {
  // One hash element is a pointer plus the key (+2, pointer-aligned); a bucket ends in a pointer.
  // Hosts are the longest keys and the biggest map (tenant ids are DNS labels).
  const longest = Math.max(63, ...hosts.map((k) => k.length));
  const element = 8 + Math.ceil((longest + 2) / 8) * 8;
  return {
    bucket: Math.max(128, nextPow2(3 * element + 8)),
    max: Math.max(4096, nextPow2(hosts.length * 8)),
  };
}

const indent = (lines: readonly string[], by = "  ") => lines.map((l) => (l ? by + l : l));

/** Renders the complete nginx.conf. Throws {@link NginxConfigError} listing every input problem. */
export function renderNginxConfig(input: NginxConfigInput): string {
  const problems = validate(input);
  if (problems.length > 0) throw new NginxConfigError(problems);

  const ownEnvironment = (API_KEY_PREFIX.exec(input.apiKeyPrefix) as RegExpExecArray)[1] as string;
  const w = input.workers ?? {};
  const connections = w.connections ?? 4096;
  const hosts = input.routes.flatMap((r) => r.hosts.map((h) => [h, r.tenantId] as const));
  const hash = mapHashSizes(hosts.map(([h]) => h));
  const on = (port: number) =>
    input.listen.address === undefined ? `${port}` : `${input.listen.address}:${port}`;
  const t = input.timeouts;
  const hsts = `add_header Strict-Transport-Security "max-age=${input.hstsMaxAgeSeconds ?? 31_536_000}" always;`;
  const health = [
    "location = /healthz {",
    "  access_log off;",
    `  return 200 '${EDGE_BODIES.healthy}';`,
    "}",
  ];

  const lines = [
    `# Generated by agent-cloud for environment "${input.environment}": ${input.routes.length} tenants, ${hosts.length} hosts.`,
    "# Do not edit: it is rendered from the stack config (components/edge/nginx-config.ts).",
    "",
    // The container's main process; Kubernetes, not nginx, keeps it running.
    "daemon off;",
    `worker_processes ${w.processes ?? "auto"};`,
    // Each proxied request holds two descriptors (client and tenant).
    `worker_rlimit_nofile ${connections * 2 + 1024};`,
    // Graceful quit and reload wait this long for in-flight requests and open streams.
    `worker_shutdown_timeout ${w.shutdownTimeoutSeconds ?? 60}s;`,
    `pid ${input.paths.pidFile};`,
    `error_log ${input.paths.errorLog ?? "/dev/stderr"} warn;`,
    "pcre_jit on;",
    "",
    "events {",
    `  worker_connections ${connections};`,
    "}",
    "",
    "http {",
    ...indent([
      "server_tokens off;",
      "default_type application/json;",
      // nginx creates its temp folders at start; the compiled-in ones are on the read-only root.
      `client_body_temp_path ${input.paths.tempDir}/client_body;`,
      `proxy_temp_path ${input.paths.tempDir}/proxy;`,
      `fastcgi_temp_path ${input.paths.tempDir}/fastcgi;`,
      `uwsgi_temp_path ${input.paths.tempDir}/uwsgi;`,
      `scgi_temp_path ${input.paths.tempDir}/scgi;`,
      "",
      // Never log Authorization or query strings: they can carry API keys.
      'log_format edge escape=json \'{"time":"$time_iso8601","request_id":"$edge_request_id",\'',
      '  \'"remote":"$remote_addr","host":"$host","tenant":"$tenant_id","method":"$request_method",\'',
      '  \'"path":"$uri","status":$status,"bytes":$body_bytes_sent,"duration":$request_time,\'',
      '  \'"upstream":"$upstream_addr","upstream_status":"$upstream_status","upstream_duration":"$upstream_response_time"}\';',
      input.paths.accessLog === "off"
        ? "access_log off;"
        : `access_log ${input.paths.accessLog ?? "/dev/stdout"} edge;`,
      "",
      "keepalive_timeout 65s;",
      "keepalive_requests 1000;",
      `client_max_body_size ${input.maxBodySize};`,
      // Long bearer tokens and cookies exceed the 8k default.
      "large_client_header_buffers 4 16k;",
      "",
      `resolver ${input.resolver} valid=${input.resolverValidSeconds ?? 10}s ipv6=off;`,
      "resolver_timeout 5s;",
      "",
      `map_hash_bucket_size ${hash.bucket};`,
      `map_hash_max_size ${hash.max};`,
      "",
      // Exact, case-insensitive lookup of the normalised host; anything else is unknown ("").
      "map $host $tenant_id {",
      '  default "";',
      ...hosts.map(([host, id]) => `  "${host}" "${id}";`),
      "}",
      "",
      "map $tenant_id $tenant_upstream {",
      '  default "";',
      ...input.routes.map((r) => `  "${r.tenantId}" "${r.upstreamHost}:${r.upstreamPort}";`),
      "}",
      "",
      // A key of another environment (`ac_<other>_…`) is refused here, before any tenant sees it.
      "map $http_authorization $api_key_environment {",
      '  default "";',
      '  "~*^bearer[ \\t]+ac_(?<key_environment>[a-z0-9-]+)_" "$key_environment";',
      "}",
      "",
      "map $api_key_environment $foreign_api_key {",
      "  default 1;",
      '  "" 0;',
      `  "${ownEnvironment}" 0;`,
      "}",
      "",
      "map $http_upgrade $connection_upgrade {",
      "  default upgrade;",
      '  "" close;',
      "}",
      "",
      // Keep a caller's request id when it is a plain token, so traces join up; else make one.
      "map $http_x_request_id $edge_request_id {",
      "  default $request_id;",
      '  "~^[A-Za-z0-9._:-]{1,128}$" $http_x_request_id;',
      "}",
      "",
      "ssl_protocols TLSv1.2 TLSv1.3;",
      "ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;",
      "ssl_prefer_server_ciphers off;",
      "ssl_session_cache shared:edge_tls:10m;",
      "ssl_session_timeout 1d;",
      "ssl_session_tickets off;",
      "",
      "# Probes only.",
      "server {",
      `  listen ${on(input.listen.health)} default_server;`,
      "  server_name _;",
      "  access_log off;",
      ...indent(health),
      "  location / {",
      `    return 404 '${EDGE_BODIES.notFound}';`,
      "  }",
      "}",
      "",
      "# Plain HTTP: known hosts are sent to HTTPS, nothing is proxied.",
      "server {",
      `  listen ${on(input.listen.http)} default_server;`,
      "  server_name _;",
      ...indent(health),
      "  location / {",
      '    if ($tenant_id = "") {',
      `      return 404 '${EDGE_BODIES.unknownHost}';`,
      "    }",
      "    return 301 https://$host$request_uri;",
      "  }",
      "}",
      "",
      "server {",
      `  listen ${on(input.listen.https)} ssl default_server;`,
      "  server_name _;",
      `  ssl_certificate ${input.tls.certificate};`,
      `  ssl_certificate_key ${input.tls.key};`,
      `  ${hsts}`,
      "",
      "  error_page 413 @too_large;",
      "  error_page 502 503 504 @tenant_unavailable;",
      "",
      "  location / {",
      '    if ($tenant_id = "") {',
      `      return 404 '${EDGE_BODIES.unknownHost}';`,
      "    }",
      "    if ($foreign_api_key) {",
      `      ${hsts}`,
      `      add_header WWW-Authenticate 'Bearer error="invalid_token"' always;`,
      `      return 401 '${EDGE_BODIES.wrongEnvironment}';`,
      "    }",
      "    proxy_pass http://$tenant_upstream;",
      "    proxy_http_version 1.1;",
      "    proxy_set_header Host $host;",
      "    proxy_set_header Upgrade $http_upgrade;",
      "    proxy_set_header Connection $connection_upgrade;",
      "    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
      "    proxy_set_header X-Forwarded-Proto $scheme;",
      "    proxy_set_header X-Forwarded-Host $host;",
      "    proxy_set_header X-Real-IP $remote_addr;",
      "    proxy_set_header X-Request-Id $edge_request_id;",
      "    proxy_redirect off;",
      // The edge owns TLS, so it alone decides HSTS.
      "    proxy_hide_header Strict-Transport-Security;",
      // Agents stream (SSE): pass every chunk on as it arrives.
      "    proxy_buffering off;",
      `    proxy_connect_timeout ${t.connectSeconds}s;`,
      `    proxy_read_timeout ${t.readSeconds}s;`,
      `    proxy_send_timeout ${t.sendSeconds}s;`,
      "  }",
      "",
      "  location @tenant_unavailable {",
      `    return 502 '${tenantUnavailableBody("$tenant_id")}';`,
      "  }",
      "",
      "  location @too_large {",
      `    return 413 '${EDGE_BODIES.tooLarge}';`,
      "  }",
      "}",
    ]),
    "}",
    "",
  ];
  return lines.join("\n");
}
