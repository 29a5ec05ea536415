/** The nginx.conf renderer: what it writes, and the input it refuses (and how it says so). */
import { describe, expect, it } from "vitest";
import {
  EDGE_BODIES,
  type NginxConfigInput,
  NginxConfigError,
  renderNginxConfig,
  renderNginxRoutes,
  tenantKeepalive,
  tenantUpstreamName,
  UPSTREAM_NAME_LENGTHS,
} from "../../components/edge/nginx-config";
import { AUTH_BODIES } from "../../components/edge/nginx/auth";
import { DEFAULT_EDGE_LIMITS, LIMIT_BODIES } from "../../components/edge/nginx/limits";
import { BODY_SIZE_ALLOWED } from "../../model/body-size";

const base: NginxConfigInput = {
  environment: "dev",
  apiKeyPrefix: "ac_dev_",
  routes: [
    {
      tenantId: "acme",
      hosts: ["acme.dev.example.com", "agents.acme.com"],
      upstreamHost: "sp-acme.dev-tenant-acme.svc.cluster.local",
      upstreamPort: 8080,
    },
    {
      tenantId: "globex",
      hosts: ["globex.dev.example.com"],
      upstreamHost: "sp-globex.dev-tenant-globex.svc.cluster.local",
      upstreamPort: 80,
    },
  ],
  listen: { http: 8080, https: 8443, health: 8081 },
  tls: { certificate: "/etc/agent-cloud/tls/tls.crt", key: "/etc/agent-cloud/tls/tls.key" },
  maxBodySize: "10m",
  timeouts: { connectSeconds: 5, readSeconds: 3600, sendSeconds: 120 },
  paths: {
    pidFile: "/tmp/nginx/nginx.pid",
    tempDir: "/tmp/nginx",
    interimGuardScript: "/etc/agent-cloud/nginx/interim-guard.js",
  },
  auth: { keyTablePath: "/etc/agent-cloud/api-keys/api-keys.map", tenants: [] },
};

/** The upstream names of the two tenants of `base` (0–63 dashes picked by a hash of the id). */
const ACME_UPSTREAM = `acme.tenant${"-".repeat(47)}`;
const GLOBEX_UPSTREAM = `globex.tenant${"-".repeat(14)}`;

/** The lines of the block that starts with `header {`, without the braces. */
function block(config: string, header: string): string[] {
  const lines = config.split("\n");
  const start = lines.findIndex((l) => l.trim() === `${header} {`);
  if (start < 0) throw new Error(`no block "${header}" in:\n${config}`);
  const end = lines.findIndex((l, i) => i > start && l.trim() === "}");
  return lines.slice(start + 1, end).map((l) => l.trim());
}

/**
 * The lines of the block that starts with `header {` (its first occurrence), nested blocks and
 * all, indented relative to the header.
 */
function nested(config: string, header: string): string[] {
  const lines = config.split("\n");
  const start = lines.findIndex((l) => l.trim() === `${header} {`);
  if (start < 0) throw new Error(`no block "${header}" in:\n${config}`);
  const indent = (lines[start] as string).length - (lines[start] as string).trimStart().length;
  const end = lines.findIndex((l, i) => i > start && l === `${" ".repeat(indent)}}`);
  return lines.slice(start + 1, end).map((l) => l.slice(indent));
}

/** Server blocks, each as its trimmed lines, keyed by the port it listens on. */
function servers(config: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const part of config.split(/\n  server \{\n/).slice(1)) {
    const listen = /listen (\S+)/.exec(part)?.[1] ?? "";
    found.set(listen.replace(/^.*:/, ""), part.split(/\n  \}\n/)[0] as string);
  }
  return found;
}

describe("renderNginxConfig", () => {
  const config = renderNginxConfig(base);

  it("maps each exact host to its tenant and each tenant to its own pooled upstream, nothing else", () => {
    expect(block(config, "map $host $tenant_id")).toEqual([
      'default "";',
      '"acme.dev.example.com" "acme";',
      '"agents.acme.com" "acme";',
      '"globex.dev.example.com" "globex";',
    ]);
    expect(block(config, "map $tenant_id $tenant_upstream")).toEqual([
      'default "";',
      `"acme" "${ACME_UPSTREAM}";`,
      `"globex" "${GLOBEX_UPSTREAM}";`,
    ]);
    expect(block(config, `upstream ${ACME_UPSTREAM}`)).toEqual([
      "server sp-acme.dev-tenant-acme.svc.cluster.local:8080;",
      "keepalive 16;",
      "keepalive_timeout 4s;",
      "keepalive_requests 1000;",
    ]);
    expect(block(config, `upstream ${GLOBEX_UPSTREAM}`)).toEqual([
      "server sp-globex.dev-tenant-globex.svc.cluster.local:80;",
      "keepalive 16;",
      "keepalive_timeout 4s;",
      "keepalive_requests 1000;",
    ]);
    expect(config.match(/^ *upstream /gm)).toHaveLength(2);
    // No wildcard or regex host matching anywhere, and no name resolved per request.
    expect(config).not.toMatch(/hostnames|server_name (?!_;)|resolver/);
    expect(config.match(/proxy_pass .*/g)).toEqual(["proxy_pass http://$tenant_upstream;"]);
  });

  it("keeps the route table out of the main file when it is included", () => {
    const input = { ...base, paths: { ...base.paths, routesFile: "/etc/routes/routes.conf" } };
    const main = renderNginxConfig(input);
    const routes = renderNginxRoutes(input);
    expect(main).toContain("\n  include /etc/routes/routes.conf;\n");
    expect(main).not.toMatch(/acme|globex|upstream |map \$host \$tenant_id|map_hash/);
    // The include comes before every map, so its hash sizes apply to them all.
    expect(main.indexOf("include /etc/routes")).toBeLessThan(main.indexOf("map "));
    // The same main file whatever the tenants are.
    expect(renderNginxConfig({ ...input, routes: [] })).toBe(main);
    expect(routes).toMatch(/^# Route table of environment "dev": 2 tenants, 3 hosts\.\n/);
    expect(block(routes, "map $host $tenant_id")).toEqual(block(config, "map $host $tenant_id"));
    expect(block(routes, "map $tenant_id $tenant_upstream")).toEqual(
      block(config, "map $tenant_id $tenant_upstream"),
    );
    expect(block(routes, `upstream ${ACME_UPSTREAM}`)).toEqual(
      block(config, `upstream ${ACME_UPSTREAM}`),
    );
    expect(routes).not.toMatch(/server \{|listen|ssl_|log_format|daemon/);
    // With no tenants the map stays (the main file's proxy_pass names its variable), empty.
    const empty = renderNginxRoutes({ ...input, routes: [] });
    expect(empty).not.toMatch(/^upstream /m);
    expect(block(empty, "map $tenant_id $tenant_upstream")).toEqual(['default "";']);
  });

  /** `base` routing `count` tenants `t0` … (one host each), with `extra` merged in. */
  const withTenants = (count: number, extra: Partial<NginxConfigInput> = {}): NginxConfigInput => ({
    ...base,
    routes: Array.from({ length: count }, (_, i) => ({
      tenantId: `t${i}`,
      hosts: [`t${i}.dev.example.com`],
      upstreamHost: `sp-t${i}.dev-tenant-t${i}.svc.cluster.local`,
      upstreamPort: 80,
    })),
    ...extra,
  });

  it.each([
    // [tenants, worker_connections, keepalive cap, idle connections each tenant keeps per worker]
    [2, undefined, undefined, 16],
    [768, undefined, undefined, 16],
    [769, undefined, undefined, 15],
    [1000, undefined, undefined, 12],
    [10_000, undefined, undefined, 1],
    [12_288, undefined, undefined, 1],
    [100, undefined, 4, 4],
    [100, 192, undefined, 1],
    [3, 192, undefined, 16],
    [3, 192, 64, 48],
  ])(
    "%i tenants, worker_connections %s, keepalive at most %s: each keeps %i idle per worker",
    (count, connections, most, expected) => {
      const input = withTenants(count, {
        workers: connections === undefined ? undefined : { connections },
        upstream: most === undefined ? undefined : { keepaliveConnections: most },
      });
      expect(tenantKeepalive(input)).toBe(expected);
      // Every tenant's pool together stays within three quarters of a worker's connections.
      expect(count * expected).toBeLessThanOrEqual(0.75 * (connections ?? 16_384));
      const routes = renderNginxRoutes(input);
      expect(routes.match(/^ {2}keepalive \d+;$/gm)).toHaveLength(count);
      expect(new Set(routes.match(/^ {2}keepalive \d+;$/gm))).toEqual(
        new Set([`  keepalive ${expected};`]),
      );
    },
  );

  it("refuses more tenants than a worker can keep one idle connection each for", () => {
    expect(() => renderNginxRoutes(withTenants(12_289))).toThrow(
      'routes "12289 tenants": an edge routes at most 12288, one idle connection each in 75% of workers.connections (16384); split the tenants over more environments or raise workers.connections to at least 16386',
    );
    expect(() => renderNginxConfig(withTenants(145, { workers: { connections: 192 } }))).toThrow(
      'routes "145 tenants": an edge routes at most 144, one idle connection each in 75% of workers.connections (192); split the tenants over more environments or raise workers.connections to at least 194',
    );
    // A bad workers.connections is one problem, not two.
    expect(() => renderNginxRoutes(withTenants(3, { workers: { connections: 0 } }))).toThrow(
      new NginxConfigError(["workers.connections 0: must be a whole number from 1 to 1000000"]),
    );
    expect(renderNginxConfig(withTenants(144, { workers: { connections: 192 } }))).toContain(
      "worker_connections 192;",
    );
  });

  it("takes the pooled connections' size and idle timeout from its input", () => {
    const routes = renderNginxRoutes({
      ...base,
      upstream: { keepaliveConnections: 64, keepaliveTimeoutSeconds: 2, keepaliveRequests: 50 },
    });
    expect(block(routes, `upstream ${ACME_UPSTREAM}`).slice(1)).toEqual([
      "keepalive 64;",
      "keepalive_timeout 2s;",
      "keepalive_requests 50;",
    ]);
  });

  it("writes the access log buffered, as one JSON object per line with the agreed fields", () => {
    const format = /log_format edge escape=json ((?:'[^']*'\s*)+);/.exec(config)?.[1] ?? "";
    const json = format.replace(/'\s*'?/g, "");
    const sample = json.replace(/"\$[a-z_0-9]+"/g, '"x"').replace(/\$[a-z_]+/g, "1");
    expect(Object.keys(JSON.parse(sample) as object)).toEqual([
      "time",
      "tenant",
      "host",
      "method",
      "path",
      "status",
      "request_time",
      "upstream_response_time",
      "upstream_status",
      "upstream_addr",
      "bytes_sent",
      "request_length",
      "request_id",
      "client",
    ]);
    expect(json).toContain('"client":"$remote_addr"');
    expect(json).toContain('"host":"$edge_log_host"');
    expect(json).toContain('"path":"$edge_log_path"');
    expect(config).toContain("access_log /dev/stdout edge buffer=64k flush=1s;");
  });

  it("logs the path and host with any environment's API key, raw or percent-encoded, redacted", () => {
    // An API key of any environment, each character raw or %XX, the prefix in any case
    // (apiKeyPattern, auth.ts).
    const key =
      "(?:a|A|%61|%41)(?:c|C|%63|%43)(?:_|%5[Ff])(?:[A-Za-z0-9-]|%[0-9A-Fa-f]{2}){1,63}(?:_|%5[Ff])(?:[A-Za-z0-9]|%[0-9A-Fa-f]{2}){40}";
    expect(block(config, "map $uri $edge_log_path")).toEqual([
      "default $uri;",
      `"~(?s)^(?<edge_log_path_kept>.*?)${key}" "$edge_log_path_kept[redacted]";`,
    ]);
    // A routed host is a DNS name and cannot hold a key: only an unknown host is searched.
    expect(block(config, "map $tenant_id $edge_log_host")).toEqual([
      "default $host;",
      '"" $edge_log_unknown_host;',
    ]);
    expect(block(config, "map $host $edge_log_unknown_host")).toEqual([
      "default $host;",
      `"~(?s)^(?<edge_log_host_kept>.*?)${key}" "$edge_log_host_kept[redacted]";`,
    ]);
    // The same key pattern the edge refuses another environment's key with, there without dev's.
    const elsewhere = /\$edge_foreign_elsewhere \{\n\s*default 0;\n\s*"~(.*)" 1;/.exec(config)?.[1];
    const notDev = "(?!(?:d|D|%64|%44)(?:e|E|%65|%45)(?:v|V|%76|%56)(?:_|%5[Ff]))";
    expect(elsewhere).toBe(
      key.replace("(?:_|%5[Ff])(?:[A-Za-z0-9-]", `(?:_|%5[Ff])${notDev}(?:[A-Za-z0-9-]`),
    );
    // The maps come before the log format, which names only their variables.
    expect(config.indexOf("map $uri $edge_log_path {")).toBeLessThan(
      config.indexOf("log_format edge"),
    );
    expect(
      renderNginxConfig({ ...base, environment: "production", apiKeyPrefix: "ac_production_" }),
    ).toContain(`    "~(?s)^(?<edge_log_path_kept>.*?)${key}" "$edge_log_path_kept[redacted]";\n`);
  });

  it.each([
    ["listen", "listen 8443 ssl http2 default_server reuseport;", false],
    ["directive", "listen 8443 ssl default_server reuseport;", true],
    ["off", "listen 8443 ssl default_server reuseport;", false],
  ] as const)("switches HTTP/2 on as %s", (http2, listen, directive) => {
    const text = renderNginxConfig({ ...base, http2 });
    expect(text).toContain(`    ${listen}\n`);
    expect(text.includes("http2 on;")).toBe(directive);
  });

  it("resumes TLS sessions from a shared cache, without tickets", () => {
    for (const line of [
      "ssl_session_cache shared:edge_tls:10m;",
      "ssl_session_timeout 1d;",
      "ssl_session_tickets off;",
    ])
      expect(config).toContain(`\n  ${line}\n`);
  });

  it("is a complete nginx.conf that runs non-root on a read-only filesystem", () => {
    const top = config.split("\nevents {")[0] as string;
    expect(top).toContain("\ndaemon off;\n");
    expect(top).toContain("\npid /tmp/nginx/nginx.pid;\n");
    expect(top).toContain("\nworker_shutdown_timeout 60s;\n");
    expect(top).not.toMatch(/^user /m);
    for (const kind of ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"])
      expect(config).toContain(`  ${kind}_temp_path /tmp/nginx/${kind};\n`);
    expect(block(config, "events")).toEqual(["worker_connections 16384;"]);
    expect(config.endsWith("}\n")).toBe(true);
  });

  it("names a resolver only when given one", () => {
    const text = renderNginxConfig({ ...base, resolver: "10.96.0.10" });
    expect(text).toContain("\n  resolver 10.96.0.10 valid=10s ipv6=off;\n");
    expect(
      renderNginxConfig({ ...base, resolver: "10.96.0.10", resolverValidSeconds: 2 }),
    ).toContain("valid=2s");
  });

  it("takes body size and timeouts from its input", () => {
    expect(config).toContain("client_max_body_size 10m;");
    // Clients keep their connections (and skip a TLS handshake) for 10,000 requests.
    expect(config).toContain("\n  keepalive_requests 10000;\n");
    expect(config).toContain("proxy_connect_timeout 5s;");
    expect(config).toContain("proxy_read_timeout 3600s;");
    expect(config).toContain("proxy_send_timeout 120s;");
  });

  it("has three servers: probes, an HTTP redirect and the HTTPS proxy", () => {
    const byPort = servers(config);
    expect([...byPort.keys()]).toEqual(["8081", "8080", "8443"]);
    const health = byPort.get("8081") as string;
    expect(health).toContain(`location = /healthz {`);
    expect(health).toContain(`return 200 '${EDGE_BODIES.healthy}';`);
    expect(health).not.toContain("proxy_pass");

    const http = byPort.get("8080") as string;
    expect(http).toContain("return 301 https://$host$request_uri;");
    expect(http).toContain(`return 404 '${EDGE_BODIES.unknownHost}';`);
    expect(http).toContain("location = /healthz {");
    expect(http).not.toContain("proxy_pass");

    const tls = byPort.get("8443") as string;
    expect(tls).toContain("listen 8443 ssl http2 default_server reuseport;");
    expect(tls).toContain("ssl_certificate /etc/agent-cloud/tls/tls.crt;");
    expect(tls).toContain("ssl_certificate_key /etc/agent-cloud/tls/tls.key;");
    expect(tls).toContain('add_header Strict-Transport-Security "max-age=31536000" always;');
    expect(tls).toContain("error_page 502 503 504 @tenant_unavailable;");
    expect(tls).toContain('"tenant":"$tenant_id"');
    expect(tls).toContain("proxy_pass http://$tenant_upstream;");
  });

  it("forwards the headers tenants rely on, streams unbuffered and upgrades WebSockets", () => {
    for (const line of [
      "proxy_http_version 1.1;",
      "proxy_set_header Host $host;",
      "proxy_set_header Upgrade $edge_upgrade;",
      "proxy_set_header Connection $connection_upgrade;",
      "proxy_set_header X-Forwarded-For $remote_addr;",
      "proxy_set_header X-Real-IP $remote_addr;",
      "proxy_set_header X-Forwarded-Proto $scheme;",
      "proxy_set_header X-Forwarded-Host $host;",
      "proxy_set_header X-Request-Id $edge_request_id;",
      "proxy_buffering off;",
    ])
      expect(config).toContain(`    ${line}\n`);
    expect(block(config, "map $edge_upgrade $connection_upgrade")).toEqual([
      "default upgrade;",
      // Not "close": that would end every pooled connection to the tenant after one request.
      '"" "";',
    ]);
    // Only a WebSocket upgrade is passed on (any other is refused, below); the client's own
    // forwarding chain never is. No header is an exact lookup, no regular expression.
    expect(block(config, "map $http_upgrade $edge_upgrade")).toEqual([
      "default refuse;",
      '"" "";',
      '"~*^websocket$" websocket;',
    ]);
    expect(config).not.toContain("$proxy_add_x_forwarded_for");
    expect(config).not.toContain("$http_upgrade;");
  });

  it("answers every refusal on the refusal path, after the client's rate is counted", () => {
    const hsts = 'add_header Strict-Transport-Security "max-age=31536000" always;';
    const tls = servers(config).get("8443") as string;
    expect(tls.match(/^ *error_page .*$/gm)).toEqual([
      "    error_page 502 503 504 @tenant_unavailable;",
      "    error_page 429 @edge_limited;",
      // nginx's own 413 (a Content-Length over the limit) too: it comes before any limit.
      "    error_page 401 404 413 @edge_refused;",
      "        error_page 400 @edge_refused;",
      "        error_page 503 @edge_refused;",
      "      error_page 429 @edge_limited;",
    ]);
    expect(config).not.toContain("@too_large");
    // Unknown host, then the key, then an upgrade to anything but WebSocket (nginx would make
    // a tunnel of the tenant's 101), then what only a caller with a key may learn.
    const location = nested(tls, "location /");
    expect(location.slice(0, 21)).toEqual([
      '  if ($tenant_id = "") {',
      "    return 404;",
      "  }",
      '  if ($edge_refusal != "") {',
      "    return 401;",
      "  }",
      "  proxy_set_header Proxy-Authorization $http_proxy_authorization;",
      "  proxy_set_header X-Api-Key $http_x_api_key;",
      "  proxy_set_header Api-Key $http_api_key;",
      "  proxy_set_header X-Auth-Token $http_x_auth_token;",
      "  proxy_set_header X-Access-Token $http_x_access_token;",
      "  proxy_set_header X-Agent-Cloud-Key $http_x_agent_cloud_key;",
      "  if ($edge_upgrade = refuse) {",
      "    error_page 400 @edge_refused;",
      "    return 400;",
      "  }",
      "  if ($tenant_suspended) {",
      "    error_page 503 @edge_refused;",
      "    return 503;",
      "  }",
      "  proxy_pass http://$tenant_upstream;",
    ]);
    expect(nested(tls, "location @edge_limited")).toEqual([
      "  keepalive_timeout 0;",
      `  ${hsts}`,
      "  add_header Retry-After 1 always;",
      "  if ($limit_conn_status = REJECTED) {",
      `    ${hsts}`,
      "    add_header Retry-After 1 always;",
      `    return 429 '${LIMIT_BODIES.tooManyConnections}';`,
      "  }",
      `  return 429 '${LIMIT_BODIES.rateLimited}';`,
    ]);
    expect(nested(tls, "location @edge_refused")).toEqual([
      "  limit_req zone=edge_client_req burst=200 nodelay;",
      "  error_page 429 @edge_limited;",
      "  try_files /.edge-refused @edge_refusal_answer;",
    ]);
    expect(nested(tls, "location @edge_refusal_answer")).toEqual([
      // A refused client pays a new connection for its next request.
      "  keepalive_timeout 0;",
      `  ${hsts}`,
      `  add_header WWW-Authenticate 'Bearer realm="agent-cloud"' always;`,
      "  if ($status = 404) {",
      `    ${hsts}`,
      `    return 404 '${EDGE_BODIES.unknownHost}';`,
      "  }",
      "  if ($status = 413) {",
      `    ${hsts}`,
      `    return 413 '${EDGE_BODIES.tooLarge}';`,
      "  }",
      "  if ($status = 400) {",
      `    ${hsts}`,
      `    return 400 '${EDGE_BODIES.upgradeRefused}';`,
      "  }",
      "  if ($status = 503) {",
      `    ${hsts}`,
      `    return 503 '{"error":"tenant_suspended","tenant":"$tenant_id","message":"this agent is suspended"}';`,
      "  }",
      "  if ($edge_refusal = foreign) {",
      `    ${hsts}`,
      `    add_header WWW-Authenticate 'Bearer realm="agent-cloud"' always;`,
      `    return 401 '${EDGE_BODIES.wrongEnvironment}';`,
      "  }",
      "  if ($edge_refusal = other_tenant) {",
      `    ${hsts}`,
      `    add_header WWW-Authenticate 'Bearer realm="agent-cloud"' always;`,
      `    return 401 '${AUTH_BODIES.wrongTenant}';`,
      "  }",
      "  if ($edge_refusal = several_keys) {",
      `    ${hsts}`,
      `    add_header WWW-Authenticate 'Bearer realm="agent-cloud"' always;`,
      `    return 401 '${AUTH_BODIES.severalKeys}';`,
      "  }",
      `  return 401 '${EDGE_BODIES.unauthorized}';`,
    ]);
  });

  it("counts plain HTTP's redirects and 404s against the client's rate, without HSTS", () => {
    const http = servers(config).get("8080") as string;
    expect(nested(http, "location /")).toEqual([
      "  limit_req zone=edge_client_req burst=200 nodelay;",
      "  error_page 429 @edge_limited;",
      "  try_files /.edge-refused @edge_plain_answer;",
    ]);
    expect(nested(http, "location @edge_plain_answer")).toEqual([
      "  keepalive_timeout 0;",
      '  if ($tenant_id = "") {',
      `    return 404 '${EDGE_BODIES.unknownHost}';`,
      "  }",
      "  return 301 https://$host$request_uri;",
    ]);
    expect(nested(http, "location @edge_limited")).toEqual([
      "  keepalive_timeout 0;",
      "  add_header Retry-After 1 always;",
      "  if ($limit_conn_status = REJECTED) {",
      "    add_header Retry-After 1 always;",
      `    return 429 '${LIMIT_BODIES.tooManyConnections}';`,
      "  }",
      `  return 429 '${LIMIT_BODIES.rateLimited}';`,
    ]);
    // The probe's own location is not counted.
    expect(nested(http, "location = /healthz")).toEqual([
      "  access_log off;",
      `  return 200 '${EDGE_BODIES.healthy}';`,
    ]);
    expect(http).not.toContain("Strict-Transport-Security");
  });

  it("keeps a caller's request id only when it is a plain token that holds no API key", () => {
    // An API key of any environment, each character raw or %XX, the prefix in any case
    // (apiKeyPattern, auth.ts).
    const key =
      "(?:a|A|%61|%41)(?:c|C|%63|%43)(?:_|%5[Ff])(?:[A-Za-z0-9-]|%[0-9A-Fa-f]{2}){1,63}(?:_|%5[Ff])(?:[A-Za-z0-9]|%[0-9A-Fa-f]{2}){40}";
    expect(block(config, "map $http_x_request_id $edge_request_id")).toEqual([
      "default $request_id;",
      '"" $request_id;',
      `"~${key}" $request_id;`,
      '"~^[A-Za-z0-9._:-]{1,128}$" $http_x_request_id;',
    ]);
  });

  it("drops the response headers by which a tenant would set the edge's or other tenants' state", () => {
    expect(config.match(/^ *proxy_hide_header .*$/gm)).toEqual([
      "      proxy_hide_header Strict-Transport-Security;",
      "      proxy_hide_header Clear-Site-Data;",
    ]);
  });

  it("never lets a tenant turn buffering on, and never spools an answer or a request body to disk", () => {
    expect(
      config.match(
        /^ *proxy_(ignore_headers|buffering|max_temp_file_size|request_buffering) .*$/gm,
      ),
    ).toEqual([
      "      proxy_ignore_headers X-Accel-Redirect X-Accel-Limit-Rate X-Accel-Expires X-Accel-Charset X-Accel-Buffering;",
      "      proxy_buffering off;",
      "      proxy_max_temp_file_size 0;",
      "      proxy_request_buffering off;",
    ]);
  });

  it("drops every identity, forwarding and URL header a client sends, and sets its own", () => {
    const tls = servers(config).get("8443") as string;
    const location = tls.slice(tls.indexOf("location / {"));
    expect(location.match(/proxy_set_header \S+ "";/g)).toEqual(
      [
        "Forwarded",
        "Forwarded-For",
        "X-Forwarded",
        "X-Forwarded-Port",
        "X-Forwarded-Server",
        "X-Forwarded-Prefix",
        "X-Forwarded-Path",
        "X-Forwarded-Uri",
        "X-Forwarded-Scheme",
        "X-Forwarded-Protocol",
        "X-Forwarded-Ssl",
        "X-Forwarded-Client-Cert",
        // RFC 9440's and the common proxies' client-certificate headers.
        "X-Forwarded-Tls-Client-Cert",
        "Client-Cert",
        "Client-Cert-Chain",
        "X-SSL-Client-Cert",
        "X-Client-Cert",
        "Ssl-Client-Cert",
        // Whether the certificate was verified, and its subject.
        "X-SSL-Client-Verify",
        "X-SSL-Client-DN",
        "X-SSL-Client-S-DN",
        "X-Client-Verify",
        "X-Client-DN",
        // The user an authenticating proxy vouches for (oauth2-proxy's, Apache's).
        "X-Forwarded-User",
        "X-Forwarded-Email",
        "X-Forwarded-Preferred-Username",
        "X-Forwarded-Groups",
        "X-Forwarded-Access-Token",
        "X-Auth-Request-User",
        "X-Auth-Request-Email",
        "X-Auth-Request-Groups",
        "X-Remote-User",
        "Remote-User",
        "X-Original-Forwarded-For",
        "X-Client-IP",
        "X-Cluster-Client-IP",
        "Client-IP",
        "True-Client-IP",
        "X-ProxyUser-Ip",
        "X-Envoy-External-Address",
        "CF-Connecting-IP",
        "CF-Connecting-IPv6",
        "CF-Pseudo-IPv4",
        "Fastly-Client-IP",
        "Front-End-Https",
        "X-Url-Scheme",
        "X-Scheme",
        "X-Host",
        "X-Original-Host",
        "X-Original-URI",
        "X-Original-URL",
        "X-Rewrite-URL",
        "X-Envoy-Original-Path",
        "Via",
        // httpoxy: CGI turns it into HTTP_PROXY.
        "Proxy",
      ].map((h) => `proxy_set_header ${h} "";`),
    );
  });

  it("refuses API keys of any environment but its own", () => {
    expect(block(config, "map $http_authorization $edge_foreign_authorization")).toEqual([
      "default 0;",
      '"~*^bearer[ \\t]+ac_(?!dev_)[a-z0-9-]+_" 1;',
    ]);
    const prod = renderNginxConfig({
      ...base,
      environment: "production",
      apiKeyPrefix: "ac_eu-prod_",
    });
    expect(block(prod, "map $http_authorization $edge_foreign_authorization")).toContain(
      '"~*^bearer[ \\t]+ac_(?!eu-prod_)[a-z0-9-]+_" 1;',
    );
    // The 404 for an unknown host comes first, so a bad key never reveals that a host exists.
    expect(config.indexOf("return 404")).toBeLessThan(config.indexOf("return 401"));
  });

  it("looks up a key of this environment in each place it reads one, for another tenant's", () => {
    const key = "(?i:ac(?:_|%5[Ff])dev(?:_|%5[Ff]))";
    const random = "[A-Za-z0-9]{40}";
    const places = [
      ["line", "$request_uri"],
      ["cookie", "$http_cookie"],
      [
        "headers",
        "$http_authorization $http_proxy_authorization $http_x_api_key $http_api_key $http_x_auth_token $http_x_access_token $http_x_agent_cloud_key",
      ],
    ];
    for (const [place, variables] of places) {
      expect(block(config, `map "${variables}" $edge_key_in_${place}`), place).toEqual([
        'default "";',
        // Two different keys in one place: the first, then any later one unlike it.
        `"~^(?>.*?${key}(${random})).*?${key}(?!\\1)${random}" several;`,
        `"~${key}(?<edge_key_${place}>${random})" "ac_dev_$edge_key_${place}";`,
      ]);
      expect(block(config, `map $edge_key_in_${place} $edge_key_owner_${place}`), place).toEqual([
        'default "";',
        "several *;",
        "include /etc/agent-cloud/api-keys/api-keys.map;",
      ]);
    }
    expect(
      block(
        config,
        'map "$tenant_id|$edge_key_owner_line|$edge_key_owner_cookie|$edge_key_owner_headers" $edge_tenant_keys',
      ),
    ).toEqual([
      'default "";',
      '"~^([a-z0-9-]+)\\|(?:[^|]*\\|)*?(?!\\1:)[a-z0-9-]+:" other;',
      '"~\\|\\*(?:\\||$)" several;',
    ]);
    expect(
      block(
        config,
        'map "$edge_foreign_authorization$edge_foreign_elsewhere:$edge_tenant_keys:$edge_auth_facts" $edge_refusal',
      ),
    ).toEqual([
      "default key;",
      '"~^(1.|.1):" foreign;',
      '"~^00:other:" other_tenant;',
      '"~^00:several:" several_keys;',
      '"~^00::app$" "";',
      '"~^00::edge:[01]:1:" "";',
      // A public path opens to anything but a WebSocket without the key.
      '"~^00::edge:1:0:(?!websocket$)" "";',
    ]);
    expect(block(config, "map $edge_auth_mode $edge_auth_facts")).toEqual([
      "app app;",
      'default "edge:$edge_public:$edge_key_ok:$edge_upgrade";',
    ]);
  });

  it("spends a plan on an edge-mode tenant's requests only when their key was accepted", () => {
    const planned = renderNginxConfig({
      ...base,
      limits: {
        limits: DEFAULT_EDGE_LIMITS,
        plans: [{ plan: "pro", requestsPerSecond: 20, requestBurst: 40, tenantIds: ["acme"] }],
      },
    });
    expect(block(planned, "map $edge_plan $edge_plan_pro")).toEqual([
      'default "";',
      '"pro" $edge_plan_tenant;',
    ]);
    // App mode: every request (the edge knows no key there); edge mode:
    // "edge:<public>:<key ok>:<upgrade>".
    expect(block(planned, "map $edge_auth_facts $edge_plan_tenant")).toEqual([
      'default "";',
      "app $tenant_id;",
      '"~^edge:[01]:1:" $tenant_id;',
    ]);
  });

  it("never writes what nginx must not log or what names internals in a body", () => {
    expect(config).not.toMatch(/log_format[^;]*\$http_authorization/);
    expect(config).not.toMatch(/log_format[^;]*\$request_uri/);
    expect(config).not.toMatch(/log_format[^;]*\$(request|args|query_string|http_referer)\b/);
    expect(config).not.toMatch(/log_format[^;]*\$(arg|cookie|http)_/);
    // The path and host only through the maps that redact an API key.
    expect(config).not.toMatch(/log_format[^;]*\$(uri|host|document_uri)\b/);
    for (const body of Object.values(EDGE_BODIES)) expect(body).not.toMatch(/svc|cluster|nginx/);
  });

  it("keeps requests out of the error log: it logs at crit, the limits' refusals at info", () => {
    // nginx writes a request's line, upstream URL and Referer with every message about it; those
    // messages (upstream errors, limits) sit below the error log's level.
    expect(config.match(/^ *(error_log|limit_\w+_log_level) .*$/gm)).toEqual([
      "error_log /dev/stderr crit;",
      "  limit_conn_log_level info;",
      "  limit_req_log_level info;",
    ]);
    expect(
      renderNginxConfig({ ...base, paths: { ...base.paths, errorLog: "/var/log/e.log" } }),
    ).toContain("\nerror_log /var/log/e.log crit;\n");
  });

  it("is deterministic: the same input renders the same text", () => {
    expect(renderNginxConfig(structuredClone(base))).toBe(config);
  });

  it.each([
    [
      "workers",
      { workers: { processes: 4, connections: 1024, shutdownTimeoutSeconds: 30 } },
      [
        "worker_processes 4;",
        "worker_connections 1024;",
        "worker_rlimit_nofile 3072;",
        "worker_shutdown_timeout 30s;",
      ],
    ],
    [
      "default workers",
      {},
      ["worker_processes auto;", "worker_connections 16384;", "worker_rlimit_nofile 33792;"],
    ],
    [
      "listen address",
      { listen: { http: 1, https: 2, health: 3, address: "127.0.0.1" } },
      [
        "listen 127.0.0.1:1 default_server;",
        "listen 127.0.0.1:2 ssl http2 default_server reuseport;",
        "listen 127.0.0.1:3 default_server;",
      ],
    ],
    ["access log off", { paths: { ...base.paths, accessLog: "off" } }, ["access_log off;"]],
    [
      "access log file",
      { paths: { ...base.paths, accessLog: "/var/log/a.log" } },
      ["access_log /var/log/a.log edge buffer=64k flush=1s;"],
    ],
    [
      "default logs",
      {},
      ["access_log /dev/stdout edge buffer=64k flush=1s;", "error_log /dev/stderr crit;"],
    ],
    ["hsts", { hstsMaxAgeSeconds: 600 }, ['"max-age=600" always;']],
    ["resolver with port", { resolver: "127.0.0.1:5353" }, ["resolver 127.0.0.1:5353 valid"]],
    [
      "resolver by name",
      { resolver: "kube-dns.kube-system.svc.cluster.local" },
      ["resolver kube-dns.kube-system.svc.cluster.local valid"],
    ],
    ["no tenants", { routes: [] }, ['map $host $tenant_id {\n    default "";\n  }']],
  ] as const)("renders %s", (_, change, expected) => {
    const text = renderNginxConfig({ ...base, ...change });
    for (const e of expected) expect(text).toContain(e);
  });

  it.each([
    ["short hosts", 20, 2, 256, 4096],
    ["the longest DNS names", 253, 2, 1024, 4096],
    ["1,000 tenants", 40, 1000, 256, 8192],
    ["5,000 hosts", 60, 5000, 256, 65536],
  ])("sizes the map hash for %s", (_, length, count, bucket, max) => {
    const routes = Array.from({ length: count }, (_, i) => {
      // `length` characters in labels of at most 60.
      const raw = `${"h".repeat(length)}${i}`.slice(-(length - 4 - Math.floor((length - 5) / 61)));
      const host = `${(raw.match(/.{1,60}/g) as string[]).join(".")}.com`;
      expect(host).toHaveLength(length);
      return {
        tenantId: `t${i}`,
        hosts: [host],
        upstreamHost: `sp-t${i}.dev-tenant-t${i}.svc.cluster.local`,
        upstreamPort: 8080,
      };
    });
    const text = renderNginxConfig({ ...base, routes });
    expect(text).toContain(`map_hash_bucket_size ${bucket};`);
    expect(text).toContain(`map_hash_max_size ${max};`);
  });
});

type Change = (input: NginxConfigInput) => NginxConfigInput;
const route0 =
  (change: Partial<NginxConfigInput["routes"][number]>): Change =>
  (i) => ({
    ...i,
    routes: [
      { ...(i.routes[0] as NginxConfigInput["routes"][number]), ...change },
      ...i.routes.slice(1),
    ],
  });
const host0 = (host: string) => route0({ hosts: [host] });

describe("the interim-answer guard in the rendered config", () => {
  const config = renderNginxConfig(base);
  const lines = config.split("\n").map((line) => line.trim());

  it("loads njs first, before anything else in the main context", () => {
    expect(lines.filter((line) => line !== "" && !line.startsWith("#"))[0]).toBe(
      "load_module /usr/lib/nginx/modules/ngx_http_js_module.so;",
    );
  });

  it("runs the script only for a 1xx but a 101 to a WebSocket upgrade: an exact map, no regular expression", () => {
    const start = lines.indexOf('map "$upstream_status:$edge_upgrade" $edge_interim_refused {');
    const end = lines.indexOf("}", start);
    const entries = lines.slice(start + 1, end);
    expect(lines.slice(start - 2, start)).toEqual([
      "js_import edge_interim from /etc/agent-cloud/nginx/interim-guard.js;",
      "js_set $edge_interim_refusal edge_interim.refuse;",
    ]);
    expect(entries[0]).toBe('default "";');
    const keys = entries
      .slice(1)
      .map((entry) => /^"(\d+:\w*)" \$edge_interim_refusal;$/.exec(entry)?.[1]);
    expect(keys).toHaveLength(199);
    expect(keys.slice(0, 5)).toEqual(["100:", "100:websocket", "101:", "102:", "102:websocket"]);
    expect(keys.at(-1)).toBe("199:websocket");
    for (let status = 100; status < 200; status++) expect(keys).toContain(`${status}:`);
    expect(keys).not.toContain("101:websocket");
    expect(new Set(keys).size).toBe(199);
  });

  it("adds its header beside HSTS in the HTTPS server, which the proxied location inherits", () => {
    const hsts = lines.indexOf('add_header Strict-Transport-Security "max-age=31536000" always;');
    expect(lines[hsts + 1]).toBe("add_header X-Edge-Error $edge_interim_refused always;");
    expect(config.match(/add_header X-Edge-Error/g)).toHaveLength(1);
    // The HTTPS server's proxied location (the health server has a `location /` too).
    const location = nested(servers(config).get("8443") as string, "location /");
    expect(location).toContain("  proxy_pass http://$tenant_upstream;");
    expect(location.join("\n")).not.toContain("add_header");
  });
});

describe("tenantUpstreamName", () => {
  it.each([
    ["acme", ACME_UPSTREAM],
    ["globex", GLOBEX_UPSTREAM],
    ["t0001", "t0001.tenant"],
    ["t0002", `t0002.tenant${"-".repeat(57)}`],
    ["a", `a.tenant${"-".repeat(44)}`],
  ])("names %s's upstream %s", (id, name) => {
    expect(tenantUpstreamName(id)).toBe(name);
  });

  it("keeps a tenant's upstream name whatever else is routed", () => {
    const alone = renderNginxRoutes({ ...base, routes: base.routes.slice(0, 1) });
    const reversed = renderNginxRoutes({ ...base, routes: [...base.routes].reverse() });
    for (const routes of [alone, reversed])
      expect(block(routes, "map $tenant_id $tenant_upstream")).toContain(
        `"acme" "${ACME_UPSTREAM}";`,
      );
  });

  it("spreads 1,000 ids of one length over every one of the 64 name lengths", () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `t${String(i + 1).padStart(4, "0")}`);
    const perLength = new Map<number, number>();
    for (const id of ids) {
      const length = tenantUpstreamName(id).length;
      perLength.set(length, (perLength.get(length) ?? 0) + 1);
    }
    expect([...perLength.keys()].sort((a, b) => a - b)).toEqual(
      Array.from({ length: UPSTREAM_NAME_LENGTHS }, (_, i) => "t0001.tenant".length + i),
    );
    // nginx compares the text of the names as long as the one it looks for: at most 19 of
    // 1,000 here, against all 1,000 if the names were `<id>.tenant`.
    expect(Math.max(...perLength.values())).toBe(19);
    expect(new Set(ids.map(tenantUpstreamName)).size).toBe(1000);
  });
});

describe("renderNginxConfig refuses bad input with a clear error", () => {
  it.each<[string, Change, string]>([
    [
      "an environment that is not a label",
      (i) => ({ ...i, environment: "Dev" }),
      'environment "Dev": must be a DNS label',
    ],
    [
      "a key prefix of another shape",
      (i) => ({ ...i, apiKeyPrefix: "dev_" }),
      'apiKeyPrefix "dev_": must look like ac_<environment>_',
    ],
    [
      "a tenant id with '_'",
      route0({ tenantId: "Acme_1" }),
      'routes[0].tenantId "Acme_1": must be a DNS label',
    ],
    [
      "a tenant listed twice",
      route0({ tenantId: "globex" }),
      'routes[1].tenantId "globex": is already routes[0]',
    ],
    [
      "a tenant without hosts",
      route0({ hosts: [] }),
      "routes[0].hosts: must list at least one host",
    ],
    [
      "an uppercase host",
      host0("Acme.dev.example.com"),
      'routes[0].hosts[0] "Acme.dev.example.com": must be a lowercase DNS name',
    ],
    ["a host with a port", host0("acme.dev.example.com:443"), "must be a lowercase DNS name"],
    ["a host with a trailing dot", host0("acme.dev.example.com."), "must be a lowercase DNS name"],
    ["a wildcard host", host0("*.dev.example.com"), "no wildcard"],
    ["an IP literal", host0("127.0.0.1"), 'hosts[0] "127.0.0.1": must be a lowercase DNS name'],
    ["a single label", host0("localhost"), "must be a lowercase DNS name"],
    [
      "a host that injects a directive",
      host0("a.com; include /etc/passwd"),
      'hosts[0] "a.com; include /etc/passwd"',
    ],
    ["a host with a quote", host0('a".example.com'), "must be a lowercase DNS name"],
    ["a host with a newline", host0("a.example.com\n}"), "must be a lowercase DNS name"],
    ["a unicode host", host0("acmé.example.com"), "must be a lowercase DNS name"],
    [
      "a host longer than 253",
      host0(`${"a".repeat(60)}.`.repeat(5) + "com"),
      "must be a lowercase DNS name",
    ],
    ["a label longer than 63", host0(`${"a".repeat(64)}.com`), "must be a lowercase DNS name"],
    [
      "a host of another tenant",
      route0({ hosts: ["globex.dev.example.com"] }),
      'routes[1].hosts[0] "globex.dev.example.com": is already routed to tenant "acme"; a host belongs to one tenant',
    ],
    [
      "a host listed twice",
      route0({ hosts: ["a.example.com", "a.example.com"] }),
      'routes[0].hosts[1] "a.example.com": is listed twice for this tenant',
    ],
    [
      "a bad upstream",
      route0({ upstreamHost: "sp-acme:8080" }),
      'routes[0].upstreamHost "sp-acme:8080": must be a fully qualified Service DNS name',
    ],
    ["an upstream IP out of range", route0({ upstreamHost: "10.0.0.256" }), "10.0.0.256"],
    [
      "an empty keep-alive pool",
      (i) => ({ ...i, upstream: { keepaliveConnections: 0 } }),
      "upstream.keepaliveConnections 0: must be a whole number from 1 to 1024",
    ],
    [
      "a fractional keep-alive timeout",
      (i) => ({ ...i, upstream: { keepaliveTimeoutSeconds: 4.5 } }),
      "upstream.keepaliveTimeoutSeconds 4.5",
    ],
    [
      "an unknown HTTP/2 style",
      (i) => ({ ...i, http2: "yes" as "off" }),
      'http2 "yes": must be "listen", "directive" or "off"',
    ],
    [
      "a relative routes file",
      (i) => ({ ...i, paths: { ...i.paths, routesFile: "routes.conf" } }),
      'paths.routesFile "routes.conf": must be an absolute path',
    ],
    [
      "upstream port 0",
      route0({ upstreamPort: 0 }),
      "routes[0].upstreamPort 0: must be a port number",
    ],
    ["upstream port 70000", route0({ upstreamPort: 70000 }), "routes[0].upstreamPort 70000"],
    ["a fractional port", route0({ upstreamPort: 80.5 }), "routes[0].upstreamPort 80.5"],
    [
      "a resolver that injects",
      (i) => ({ ...i, resolver: "10.0.0.1; include x" }),
      'resolver "10.0.0.1; include x": must be one DNS server address',
    ],
    [
      "two resolvers",
      (i) => ({ ...i, resolver: "10.0.0.1 10.0.0.2" }),
      "must be one DNS server address",
    ],
    ["a resolver cache of 0", (i) => ({ ...i, resolverValidSeconds: 0 }), "resolverValidSeconds 0"],
    [
      "listen port 0",
      (i) => ({ ...i, listen: { ...i.listen, https: 0 } }),
      "listen.https 0: must be a port number",
    ],
    [
      "listen port 65536",
      (i) => ({ ...i, listen: { ...i.listen, http: 65536 } }),
      "listen.http 65536",
    ],
    [
      "two servers on one port",
      (i) => ({ ...i, listen: { http: 80, https: 443, health: 80 } }),
      "http, https and health need three different ports",
    ],
    [
      "a listen address by name",
      (i) => ({ ...i, listen: { ...i.listen, address: "localhost" } }),
      'listen.address "localhost": must be an IPv4 address',
    ],
    [
      "a relative certificate path",
      (i) => ({ ...i, tls: { ...i.tls, certificate: "tls.crt" } }),
      'tls.certificate "tls.crt": must be an absolute path',
    ],
    [
      "a key path with a space",
      (i) => ({ ...i, tls: { ...i.tls, key: "/a b/tls.key" } }),
      'tls.key "/a b/tls.key"',
    ],
    [
      "a body size in MB",
      (i) => ({ ...i, maxBodySize: "10MB" }),
      'maxBodySize "10MB": must be an nginx size',
    ],
    // The platform's cap (model/body-size.ts), so the component refuses what the schema does.
    [
      "a body larger than the platform's cap",
      (i) => ({ ...i, maxBodySize: "2g" }),
      `maxBodySize "2g": ${BODY_SIZE_ALLOWED}`,
    ],
    [
      "a connect timeout of 0",
      (i) => ({ ...i, timeouts: { ...i.timeouts, connectSeconds: 0 } }),
      "timeouts.connectSeconds 0: must be a whole number from 1 to 75",
    ],
    [
      "a connect timeout over 75",
      (i) => ({ ...i, timeouts: { ...i.timeouts, connectSeconds: 90 } }),
      "timeouts.connectSeconds 90",
    ],
    [
      "a fractional read timeout",
      (i) => ({ ...i, timeouts: { ...i.timeouts, readSeconds: 1.5 } }),
      "timeouts.readSeconds 1.5",
    ],
    [
      "a relative pid file",
      (i) => ({ ...i, paths: { ...i.paths, pidFile: "nginx.pid" } }),
      'paths.pidFile "nginx.pid"',
    ],
    [
      "a temp dir with a semicolon",
      (i) => ({ ...i, paths: { ...i.paths, tempDir: "/tmp;x" } }),
      'paths.tempDir "/tmp;x"',
    ],
    ["zero workers", (i) => ({ ...i, workers: { processes: 0 } }), "workers.processes 0"],
    ["a negative HSTS age", (i) => ({ ...i, hstsMaxAgeSeconds: -1 }), "hstsMaxAgeSeconds -1"],
  ])("refuses %s", (_, change, message) => {
    const attempt = () => renderNginxConfig(change(base));
    expect(attempt).toThrow(NginxConfigError);
    expect(attempt).toThrow(message);
  });

  const KEYWORD = (field: string, key: string) =>
    `${field} "${key}": nginx reads default, include as parameters of a map, not keys, so it cannot be a tenant id or plan name at the edge`;
  const limits = DEFAULT_EDGE_LIMITS;
  const plan = { plan: "pro", requestsPerSecond: 200, requestBurst: 400, tenantIds: ["acme"] };

  it.each(["default", "include"])(
    "refuses %s as a key of any map: a tenant id routed, in app mode or on a plan, and a plan name",
    (word) => {
      const named = (i: NginxConfigInput): NginxConfigInput =>
        route0({ tenantId: word, hosts: [`${word}.dev.example.com`] })(i);
      for (const render of [renderNginxConfig, renderNginxRoutes]) {
        // An edge-mode tenant's id is a key of the route table's maps only.
        expect(() =>
          render(
            named({
              ...base,
              auth: { ...base.auth, tenants: [{ tenantId: word, mode: "edge", publicPaths: [] }] },
            }),
          ),
        ).toThrow(new NginxConfigError([KEYWORD("routes[0].tenantId", word)]));
        expect(() =>
          render(
            named({
              ...base,
              auth: { ...base.auth, tenants: [{ tenantId: word, mode: "app", publicPaths: [] }] },
              limits: {
                limits,
                plans: [
                  { ...plan, tenantIds: ["globex", word] },
                  { ...plan, plan: word, tenantIds: [] },
                ],
              },
            }),
          ),
        ).toThrow(
          new NginxConfigError([
            KEYWORD("routes[0].tenantId", word),
            KEYWORD("auth.tenants[0].tenantId", word),
            KEYWORD("plans[0].tenantIds[1]", word),
            KEYWORD("plans[1].plan", word),
          ]),
        );
      }
    },
  );

  it("takes a word that merely contains a keyword as a key", () => {
    const text = renderNginxRoutes({
      ...route0({ tenantId: "defaults", hosts: ["defaults.dev.example.com"] })(base),
      limits: { limits, plans: [{ ...plan, plan: "include-plus", tenantIds: ["defaults"] }] },
    });
    expect(block(text, "map $tenant_id $edge_plan")).toEqual([
      'default "";',
      '"defaults" "include-plus";',
    ]);
  });

  // nginx reads hostnames and volatile as map parameters only alone on a line.
  it.each(["hostnames", "volatile"])(
    "takes %s, a parameter only alone on a line, as a key",
    (id) => {
      const text = renderNginxRoutes({
        ...route0({ tenantId: id, hosts: [`${id}.dev.example.com`] })(base),
        limits: { limits, plans: [{ ...plan, plan: id, tenantIds: [id] }] },
      });
      expect(block(text, "map $tenant_id $edge_plan")).toEqual(['default "";', `"${id}" "${id}";`]);
    },
  );

  it("refuses a burst below one, which nginx would refuse, naming the field", () => {
    const input: NginxConfigInput = {
      ...base,
      limits: {
        limits: { ...limits, requestBurstPerClient: 0 },
        plans: [plan, { ...plan, plan: "free", requestBurst: 0, tenantIds: [] }],
      },
    };
    const problems = [
      "limits.requestBurstPerClient 0: must be a whole number from 1 to 100000",
      "plans[1].requestBurst 0: must be a whole number from 1 to 100000",
    ];
    expect(() => renderNginxConfig(input)).toThrow(new NginxConfigError(problems));
    expect(() => renderNginxRoutes(input)).toThrow(new NginxConfigError(problems));
    // One request of burst is the least nginx takes.
    const one = renderNginxConfig({
      ...input,
      limits: {
        limits: { ...limits, requestBurstPerClient: 1 },
        plans: [{ ...plan, requestBurst: 1 }],
      },
    });
    // Plain HTTP's location, the TLS server (client, plan), its refusal path.
    expect(one.match(/limit_req zone=\S+ burst=\d+ nodelay;/g)).toEqual([
      "limit_req zone=edge_client_req burst=1 nodelay;",
      "limit_req zone=edge_client_req burst=1 nodelay;",
      "limit_req zone=edge_plan_pro burst=1 nodelay;",
      "limit_req zone=edge_client_req burst=1 nodelay;",
    ]);
  });

  it("lists every problem at once", () => {
    try {
      renderNginxConfig({
        ...base,
        environment: "",
        maxBodySize: "huge",
        routes: [{ tenantId: "a", hosts: ["A"], upstreamHost: "x", upstreamPort: -1 }],
      });
      expect.fail("should have thrown");
    } catch (error) {
      expect(error).toBeInstanceOf(NginxConfigError);
      const e = error as NginxConfigError;
      expect(e.problems).toHaveLength(5);
      expect(e.message).toMatch(
        /^nginx config input is invalid \(5 problems\):\n {2}- environment ""/,
      );
    }
  });
});
