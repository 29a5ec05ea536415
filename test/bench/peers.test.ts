/**
 * The edge bench's HAProxy peer: its config routing only and doing the nginx edge's whole job
 * (exact lines), the dropped headers read from a rendered nginx.conf, HAProxy's own check of the
 * config, and the edge's job done by a real HAProxy in front of two tenant servers.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  edgeDroppedHeaders,
  haproxyConfig,
  type PeerSetup,
  type RunningPeer,
  startHaproxy,
} from "../../bench/peers";
import { proxyNginxConfigInput } from "../../components/edge/management-proxy";
import { renderNginxConfig } from "../../components/edge/nginx-config";
import { DROPPED_IDENTITY_HEADERS } from "../../components/edge/nginx/client-identity";
import { makeWildcardCertificate, type TestCertificate } from "../../testkit/edge/certs";
import { edgeHttps, type EdgeResponse } from "../../testkit/edge/client";
import { freePort } from "../../testkit/edge/ports";
import { startTenants, type TenantEcho, type TenantFleet } from "../../testkit/edge/tenants";

const HAPROXY = "/usr/sbin/haproxy";
const haproxyMissing = !existsSync(HAPROXY);
if (haproxyMissing)
  console.warn(
    `${HAPROXY} is missing: the HAProxy check and live tests are skipped (CI installs it)`,
  );

const SETUP: PeerSetup = {
  dir: "/tmp/peer",
  port: 8443,
  tenantPort: 8080,
  tenants: [
    { id: "acme", hosts: ["acme.dev.example.com", "agents.acme.com"], address: "127.0.1.1" },
    { id: "globex", hosts: ["globex.dev.example.com"], address: "127.0.1.2" },
  ],
  certificatePath: "/tmp/peer/tls.crt",
  keyPath: "/tmp/peer/tls.key",
  upstreamKeepaliveSeconds: 4,
  hsts: "max-age=31536000",
};

const EDGE_JOB = {
  environment: "dev",
  limits: { connectionsPerClient: 100, requestsPerSecondPerClient: 50, requestBurstPerClient: 200 },
  droppedHeaders: ["X-Forwarded-Uri", "True-Client-IP"],
};

const GLOBAL_AND_DEFAULTS = [
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
  "  bind 127.0.0.1:8443 ssl crt /tmp/peer/haproxy.pem alpn h2,http/1.1",
  "  unique-id-format %[uuid()]",
  "  unique-id-header X-Request-Id",
];
const ROUTE = [
  "  http-request set-var(txn.backend) req.hdr(host),field(1,:),lower,map(/tmp/peer/hosts.map)",
  `  http-request return status 404 content-type application/json string '{"error":"unknown_host","message":"no agent is served at this host"}' unless { var(txn.backend) -m found }`,
];
const FORWARDED = [
  "  http-request set-header X-Forwarded-Proto https",
  "  http-request set-header X-Forwarded-Host %[req.hdr(host)]",
  "  http-request set-header X-Real-IP %[src]",
];
const BACKENDS = [
  "  use_backend %[var(txn.backend)]",
  "",
  "backend t_acme",
  "  server app 127.0.1.1:8080 pool-purge-delay 4s",
  "",
  "backend t_globex",
  "  server app 127.0.1.2:8080 pool-purge-delay 4s",
  "",
];
const HOSTS_MAP =
  "acme.dev.example.com t_acme\nagents.acme.com t_acme\nglobex.dev.example.com t_globex";

/** nginx's `$edge_foreign_elsewhere` pattern for `dev` (auth.ts), as HAProxy gets it. */
const ELSEWHERE =
  "'(?:a|A|%61|%41)(?:c|C|%63|%43)(?:_|%5[Ff])(?!(?:d|D|%64|%44)(?:e|E|%65|%45)(?:v|V|%76|%56)(?:_|%5[Ff]))(?:[A-Za-z0-9-]|%[0-9A-Fa-f]{2}){1,63}(?:_|%5[Ff])(?:[A-Za-z0-9]|%[0-9A-Fa-f]{2}){40}'";

const RATE_LIMITED = '{"error":"rate_limited","message":"too many requests; retry shortly"}';
const TOO_MANY_CONNECTIONS =
  '{"error":"too_many_connections","message":"too many requests in progress from this client; retry shortly"}';
const WRONG_ENVIRONMENT =
  '{"error":"wrong_environment","message":"this API key belongs to another environment"}';

/** The nginx.conf the edge renders for `environment`, as ManagementProxy would. */
function renderedNginx(environment: string): string {
  return renderNginxConfig(
    proxyNginxConfigInput({
      environment,
      domain: `${environment}.example.com`,
      routes: [],
      tenantAuth: [],
    }),
  );
}

describe("haproxyConfig", () => {
  it("routing only: exactly the lines it always had", () => {
    expect(haproxyConfig(SETUP)).toEqual({
      config: [
        ...GLOBAL_AND_DEFAULTS,
        ...ROUTE,
        ...FORWARDED,
        '  http-response set-header Strict-Transport-Security "max-age=31536000"',
        ...BACKENDS,
      ].join("\n"),
      hostsMap: HOSTS_MAP,
    });
  });

  it("the edge's whole job: limits first, then routing, the foreign-key 401, the dropped headers, HSTS on every answer", () => {
    expect(haproxyConfig({ ...SETUP, edgeJob: EDGE_JOB })).toEqual({
      config: [
        ...GLOBAL_AND_DEFAULTS,
        "  stick-table type ipv6 size 1m expire 10s store conn_cur,http_req_rate(1s)",
        "  http-request track-sc0 src",
        `  http-request return status 429 content-type application/json string '${RATE_LIMITED}' hdr Retry-After 1 if { sc0_http_req_rate gt 250 }`,
        `  http-request return status 429 content-type application/json string '${TOO_MANY_CONNECTIONS}' hdr Retry-After 1 if { sc0_conn_cur gt 100 }`,
        ...ROUTE,
        "  acl edge_foreign_key req.fhdr(authorization) -i -m reg '^bearer[ \\t]+ac_(?!dev_)[a-z0-9-]+_'",
        `  acl edge_foreign_key pathq -m reg ${ELSEWHERE}`,
        `  acl edge_foreign_key req.fhdr(authorization) -m reg ${ELSEWHERE}`,
        `  acl edge_foreign_key req.fhdr(cookie) -m reg ${ELSEWHERE}`,
        `  acl edge_foreign_key req.fhdr(proxy-authorization) -m reg ${ELSEWHERE}`,
        `  acl edge_foreign_key req.fhdr(x-api-key) -m reg ${ELSEWHERE}`,
        `  acl edge_foreign_key req.fhdr(api-key) -m reg ${ELSEWHERE}`,
        `  acl edge_foreign_key req.fhdr(x-auth-token) -m reg ${ELSEWHERE}`,
        `  acl edge_foreign_key req.fhdr(x-access-token) -m reg ${ELSEWHERE}`,
        `  acl edge_foreign_key req.fhdr(x-agent-cloud-key) -m reg ${ELSEWHERE}`,
        `  http-request return status 401 content-type application/json string '${WRONG_ENVIRONMENT}' hdr WWW-Authenticate 'Bearer realm="agent-cloud"' if edge_foreign_key`,
        "  http-request del-header X-Forwarded-For",
        "  http-request del-header X-Forwarded-Uri",
        "  http-request del-header True-Client-IP",
        ...FORWARDED,
        '  http-after-response set-header Strict-Transport-Security "max-age=31536000"',
        ...BACKENDS,
      ].join("\n"),
      hostsMap: HOSTS_MAP,
    });
  });

  it("takes the key patterns from the nginx edge's own maps, for any environment", () => {
    const config = haproxyConfig({
      ...SETUP,
      edgeJob: { ...EDGE_JOB, environment: "prodeu" },
    }).config;
    const nginx = renderedNginx("prodeu");
    const bearer = /"~\*(\^bearer.*)" 1;/.exec(nginx)?.[1] as string;
    const elsewhere = /\$edge_foreign_elsewhere \{\n\s*default 0;\n\s*"~(.*)" 1;/.exec(nginx)?.[1];
    expect(bearer).toBe("^bearer[ \\t]+ac_(?!prodeu_)[a-z0-9-]+_");
    expect(config).toContain(`req.fhdr(authorization) -i -m reg '${bearer}'\n`);
    expect(config).toContain(`pathq -m reg '${elsewhere}'\n`);
  });

  it("refuses limits that are not whole numbers from 1, an environment that is not an environment name, and header names it cannot write", () => {
    const withJob = (edgeJob: PeerSetup["edgeJob"]) => () => haproxyConfig({ ...SETUP, edgeJob });
    expect(
      withJob({ ...EDGE_JOB, limits: { ...EDGE_JOB.limits, requestBurstPerClient: 0 } }),
    ).toThrow("edgeJob.limits.requestBurstPerClient 0: must be a whole number from 1");
    expect(
      withJob({ ...EDGE_JOB, limits: { ...EDGE_JOB.limits, connectionsPerClient: 1.5 } }),
    ).toThrow("edgeJob.limits.connectionsPerClient 1.5: must be a whole number from 1");
    expect(withJob({ ...EDGE_JOB, environment: "Dev'" })).toThrow(
      `edgeJob.environment "Dev'": must be an environment name (model/names.ts)`,
    );
    expect(withJob({ ...EDGE_JOB, droppedHeaders: ["X-A if TRUE"] })).toThrow(
      'edgeJob.droppedHeaders: "X-A if TRUE" is not a header name',
    );
  });
});

describe("edgeDroppedHeaders", () => {
  it("reads exactly the headers a rendered nginx.conf drops", () => {
    const nginx = renderedNginx("dev");
    const dropped = edgeDroppedHeaders(nginx);
    expect(dropped).toEqual([...DROPPED_IDENTITY_HEADERS]);
    // Every `proxy_set_header … "";` line of the config, and no other header.
    expect(nginx.match(/proxy_set_header \S+ "";/g)).toEqual(
      dropped.map((h) => `proxy_set_header ${h} "";`),
    );
  });

  it("names each header once, whatever the location, and never one that is set to a value", () => {
    const config = [
      "location / {",
      '  proxy_set_header X-Host "";',
      "  proxy_set_header X-Real-IP $remote_addr;",
      '  proxy_set_header Upgrade "$edge_upgrade";',
      "}",
      "location /b {",
      '    proxy_set_header   X-Host   "";',
      '    proxy_set_header Via "";',
      "}",
    ].join("\n");
    expect(edgeDroppedHeaders(config)).toEqual(["X-Host", "Via"]);
  });
});

describe.skipIf(haproxyMissing)("HAProxy's own check", () => {
  it("accepts the config in both modes (haproxy -c)", () => {
    const dir = mkdtempSync(join(tmpdir(), "peers-check-"));
    try {
      const certificate = makeWildcardCertificate(dir, "dev.example.com");
      writeFileSync(
        join(dir, "haproxy.pem"),
        readFileSync(certificate.certificatePath, "utf8") +
          readFileSync(certificate.keyPath, "utf8"),
      );
      const droppedHeaders = edgeDroppedHeaders(renderedNginx("dev"));
      for (const edgeJob of [undefined, { ...EDGE_JOB, droppedHeaders }]) {
        const { config, hostsMap } = haproxyConfig({ ...SETUP, dir, edgeJob });
        writeFileSync(join(dir, "hosts.map"), `${hostsMap}\n`);
        writeFileSync(join(dir, "haproxy.cfg"), config);
        const out = execFileSync(HAPROXY, ["-c", "-f", join(dir, "haproxy.cfg")], {
          encoding: "utf8",
          stdio: ["ignore", "pipe", "pipe"],
        });
        expect(out).toContain("Configuration file is valid");
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(haproxyMissing)("HAProxy doing the edge's whole job, live", () => {
  const DOMAIN = "dev.example.com";
  /** Each case comes from its own loopback address: the limits are per client address. */
  const CLIENT = {
    ready: "127.0.3.1",
    spoofer: "127.0.3.2",
    foreign: "127.0.3.3",
    own: "127.0.3.4",
    burst: "127.0.3.5",
    streams: "127.0.3.6",
  };
  const KEY_TAIL = "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0";
  let dir: string;
  let certificate: TestCertificate;
  let fleet: TenantFleet;
  let peer: RunningPeer | undefined;
  let port: number;

  const get = (
    from: string,
    host: string,
    options: { path?: string; headers?: Record<string, string> } = {},
  ): Promise<EdgeResponse> =>
    edgeHttps({ port, host, ca: certificate.pem, localAddress: from, ...options });
  const echo = (res: EdgeResponse) => JSON.parse(res.body) as TenantEcho;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "peers-live-"));
    certificate = makeWildcardCertificate(dir, DOMAIN);
    fleet = await startTenants(["acme", "globex"]);
    port = await freePort();
    const setup: PeerSetup = {
      dir,
      port,
      tenantPort: fleet.port,
      tenants: ["acme", "globex"].map((id) => ({
        id,
        hosts: [`${id}.${DOMAIN}`],
        address: fleet.get(id).ip,
      })),
      certificatePath: certificate.certificatePath,
      keyPath: certificate.keyPath,
      upstreamKeepaliveSeconds: 4,
      hsts: "max-age=31536000",
      edgeJob: {
        environment: "dev",
        // Tiny: three requests at once (nginx: burst 2 + 1), one in progress at a time.
        limits: {
          connectionsPerClient: 1,
          requestsPerSecondPerClient: 1,
          requestBurstPerClient: 2,
        },
        droppedHeaders: edgeDroppedHeaders(renderedNginx("dev")),
      },
    };
    peer = await startHaproxy(setup, () =>
      get(CLIENT.ready, `acme.${DOMAIN}`).then(
        () => true,
        () => false,
      ),
    );
  });

  afterAll(async () => {
    await peer?.stop();
    await fleet?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("passes a request on to its own tenant without the client's identity headers", async () => {
    const before = fleet.get("globex").hits;
    const res = await get(CLIENT.spoofer, `globex.${DOMAIN}`, {
      path: "/hello",
      headers: {
        "X-Forwarded-Uri": "/admin",
        "True-Client-IP": "203.0.113.7",
        "X-Forwarded-For": "203.0.113.7",
        Forwarded: "for=203.0.113.7",
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers["strict-transport-security"]).toBe("max-age=31536000");
    const seen = echo(res);
    expect(seen.tenant).toBe("globex");
    expect(seen.url).toBe("/hello");
    expect(fleet.get("globex").hits).toBe(before + 1);
    expect(seen.headers["x-forwarded-uri"]).toBeUndefined();
    expect(seen.headers["true-client-ip"]).toBeUndefined();
    expect(seen.headers["forwarded"]).toBeUndefined();
    // The one address HAProxy saw, as nginx rebuilds it.
    expect(seen.headers["x-forwarded-for"]).toBe(CLIENT.spoofer);
    expect(seen.headers["x-real-ip"]).toBe(CLIENT.spoofer);
  });

  it("refuses another environment's key with the edge's 401, and passes its own", async () => {
    const before = fleet.get("acme").hits;
    const foreign = await get(CLIENT.foreign, `acme.${DOMAIN}`, {
      headers: { Authorization: `Bearer ac_prod_${KEY_TAIL}` },
    });
    expect(foreign.status).toBe(401);
    expect(foreign.body).toBe(WRONG_ENVIRONMENT);
    expect(foreign.headers["content-type"]).toBe("application/json");
    expect(foreign.headers["www-authenticate"]).toBe('Bearer realm="agent-cloud"');
    expect(foreign.headers["strict-transport-security"]).toBe("max-age=31536000");
    // In the query, percent-encoded.
    const inQuery = await get(CLIENT.foreign, `acme.${DOMAIN}`, {
      path: `/?key=ac%5Fstaging_${KEY_TAIL}`,
    });
    expect([inQuery.status, inQuery.body]).toEqual([401, WRONG_ENVIRONMENT]);
    expect(fleet.get("acme").hits).toBe(before);
    const own = await get(CLIENT.own, `acme.${DOMAIN}`, {
      headers: { Authorization: `Bearer ac_dev_${KEY_TAIL}`, "X-Api-Key": `ac_dev_${KEY_TAIL}` },
    });
    expect([own.status, echo(own).tenant]).toEqual([200, "acme"]);
  });

  it("answers a burst over the rate and burst with the edge's 429", async () => {
    const statuses: number[] = [];
    let refused: EdgeResponse | undefined;
    for (let i = 0; i < 5; i++) {
      const res = await get(CLIENT.burst, `acme.${DOMAIN}`);
      statuses.push(res.status);
      if (res.status === 429) refused = res;
    }
    // rate 1 + burst 2: three pass, as nginx's burst 2 + 1 would.
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(refused?.body).toBe(RATE_LIMITED);
    expect(refused?.headers["retry-after"]).toBe("1");
    expect(refused?.headers["strict-transport-security"]).toBe("max-age=31536000");
  });

  it("answers a second request in progress from one client with the edge's other 429", async () => {
    const sse = fleet.get("globex").nextSse();
    const open = httpsRequest({
      host: "127.0.0.1",
      port,
      path: "/sse",
      headers: { host: `globex.${DOMAIN}` },
      servername: `globex.${DOMAIN}`,
      ca: certificate.pem,
      localAddress: CLIENT.streams,
      agent: false,
    });
    const streaming = new Promise<number>((resolve, reject) => {
      open.on("response", (res) => resolve(res.statusCode ?? 0));
      open.on("error", reject);
    });
    open.end();
    try {
      expect(await streaming).toBe(200);
      const second = await get(CLIENT.streams, `globex.${DOMAIN}`);
      expect([second.status, second.body]).toEqual([429, TOO_MANY_CONNECTIONS]);
      expect(second.headers["retry-after"]).toBe("1");
    } finally {
      (await sse).end();
      open.destroy();
    }
  });
});
