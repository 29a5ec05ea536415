/**
 * The edge's key check and client identity on the real nginx, with the config the proxy ships:
 * each tenant's own key in `Authorization: Bearer` and nowhere else, public paths that cannot be
 * faked, rotation overlaps, another environment's key and another tenant's refused wherever they
 * are sent (so no tenant receives another's key), forged
 * identity headers never reaching a tenant, CF-Connecting-IP believed only from a trusted peer,
 * and no upgrade but WebSocket, so no tunnel past the key check.
 */
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { AUTH_BODIES } from "../../components/edge/nginx/auth";
import { tenantSuspendedBody } from "../../components/edge/suspended";
import {
  DROPPED_IDENTITY_HEADERS,
  UPGRADE_REFUSED_BODY,
} from "../../components/edge/nginx/client-identity";
import { deriveApiKey } from "../../components/tenant/api-key";
import { edgeHttps, rawStatus, steadyStream } from "../../testkit/edge/client";
import { type Edge, startEdge } from "../../testkit/edge/edge-fixture";
import { freePort, sleep, waitFor } from "../../testkit/edge/ports";
import type { TenantEcho } from "../../testkit/edge/tenants";

const DOMAIN = "dev.example.test";
const SEED = "a-test-seed-that-is-long-enough-for-hmac-derivation-0123456789";
/** Real keys, made the way the platform makes generation-1 and later keys. */
const key = (tenant: string, generation = 1, environment = "dev") =>
  deriveApiKey(SEED, environment, tenant, generation);
const ACME = key("acme");
const ACME_NEXT = key("acme", 2);
const GLOBEX = key("globex");
const GATEWAY = key("gateway");
const TUNNEL = key("tunnel");
const PAUSED = key("paused");
const PRODUCTION_ACME = key("acme", 1, "production");
/** A key with its `ac_<env>_` prefix upper-cased, or in mixed case. */
const shouted = (k: string) => k.replace(/^[^_]+_[^_]+_/, (prefix) => prefix.toUpperCase());
const mixed = (k: string) =>
  k.replace(/^ac_([^_]+)_/, (_, env: string) => `Ac_${env.toUpperCase()}_`);
/** A key of the right shape nobody was given. */
const GUESSED = `ac_dev_${"Zz9".repeat(13)}Q`;

const KEYS = [
  { tenantId: "acme", keys: [ACME] },
  { tenantId: "globex", keys: [GLOBEX] },
  { tenantId: "gateway", keys: [GATEWAY] },
  { tenantId: "tunnel", keys: [TUNNEL] },
  { tenantId: "paused", keys: [PAUSED] },
];

let edge: Edge;
/** Request heads the tunnel tenant received, raw, in order. */
const tunnelHeads: string[] = [];
let tunnel: Server;
const tunnelSockets = new Set<Socket>();

/**
 * A tenant that answers 101 to `/pub/switch` whatever it was asked, then goes on reading HTTP
 * requests on that connection (an app serving h2c, or one tunnelling on purpose), and 200 to
 * any other request.
 */
async function startTunnelTenant(): Promise<number> {
  tunnel = createServer((socket) => {
    tunnelSockets.add(socket);
    socket.on("close", () => tunnelSockets.delete(socket));
    socket.on("error", () => undefined);
    let buffer = "";
    socket.on("data", (d: Buffer) => {
      buffer += d.toString("latin1");
      for (let end = buffer.indexOf("\r\n\r\n"); end >= 0; end = buffer.indexOf("\r\n\r\n")) {
        const head = buffer.slice(0, end);
        buffer = buffer.slice(end + 4);
        tunnelHeads.push(head);
        const path = head.split(" ")[1] ?? "/";
        if (path === "/pub/switch") {
          socket.write(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n",
          );
          continue;
        }
        const body = JSON.stringify({ tenant: "tunnel", path });
        socket.write(
          `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
        );
      }
    });
  });
  const port = await freePort();
  tunnel.listen(port, "127.0.0.1");
  await once(tunnel, "listening");
  return port;
}

beforeAll(async () => {
  const tunnelPort = await startTunnelTenant();
  edge = await startEdge({
    environment: "dev",
    domain: DOMAIN,
    tenants: [
      {
        id: "acme",
        customDomains: ["agents.acme-corp.test"],
        auth: "edge",
        publicPaths: ["/api/v1/health", "/oauth/*"],
      },
      { id: "globex", auth: "edge" },
      { id: "gateway", auth: "app" },
      {
        id: "tunnel",
        auth: "edge",
        publicPaths: ["/pub/*"],
        missing: true,
        address: "127.0.0.1",
        port: tunnelPort,
      },
      { id: "paused", auth: "edge", publicPaths: ["/api/v1/health"] },
    ],
    apiKeys: KEYS,
    settings: { realIpFrom: ["127.0.0.9/32"] },
    tweak: (input) => ({
      ...input,
      routes: input.routes.map((r) => (r.tenantId === "paused" ? { ...r, suspended: true } : r)),
    }),
  });
}, 30_000);

afterAll(async () => {
  await edge?.close();
  for (const socket of tunnelSockets) socket.destroy();
  tunnel?.close();
});

const https = (host: string, extra: Partial<Parameters<typeof edgeHttps>[0]> = {}) =>
  edgeHttps({
    port: edge.ports.https,
    host,
    ca: edge.certificate.pem,
    checkName: host.endsWith(`.${DOMAIN}`),
    ...extra,
  });
const bearer = (k: string) => ({ authorization: `Bearer ${k}` });
/** Every character as %XX (upper- and lower-case hex alternating), as a careful client might. */
const percentEncoded = (s: string) =>
  [...s]
    .map((c, i) => {
      const hex = c.charCodeAt(0).toString(16);
      return `%${i % 2 === 0 ? hex.toUpperCase() : hex}`;
    })
    .join("");
const echo = (body: string) => JSON.parse(body) as TenantEcho;
const hits = (id: string) => edge.fleet.get(id).hits;
const ACME_HOST = `acme.${DOMAIN}`;

describe("each tenant's own key, in Authorization: Bearer only", () => {
  it("lets a tenant's key through to that tenant, on every host it serves", async () => {
    for (const host of [ACME_HOST, "agents.acme-corp.test"]) {
      for (const authorization of [`Bearer ${ACME}`, `bearer ${ACME}`, `BEARER  ${ACME}`]) {
        const res = await https(host, { headers: { authorization } });
        expect(res.status, `${host} ${authorization.slice(0, 8)}`).toBe(200);
        expect(echo(res.body).tenant).toBe("acme");
        // The app gets the key too, and may check it again (the sample agent does).
        expect(echo(res.body).headers.authorization).toBe(authorization);
      }
    }
    const globex = await https(`globex.${DOMAIN}`, { headers: bearer(GLOBEX) });
    expect([globex.status, echo(globex.body).tenant]).toEqual([200, "globex"]);
  });

  // Every way a key can be wrong, misplaced or borrowed: one 401, one body, no tenant hit.
  const basic = (s: string) => `Basic ${Buffer.from(s).toString("base64")}`;
  const refusals: [string, { path?: string; headers?: Record<string, string> }][] = [
    ["no credential at all", {}],
    ["a guessed key of the right shape", { headers: bearer(GUESSED) }],
    ["the key cut short by one character", { headers: bearer(ACME.slice(0, -1)) }],
    ["the key with one character more", { headers: bearer(`${ACME}x`) }],
    ["the key in upper case", { headers: bearer(ACME.toUpperCase()) }],
    ["the key in lower case", { headers: bearer(ACME.toLowerCase()) }],
    ["the key without a scheme", { headers: { authorization: ACME } }],
    ["the key under another scheme", { headers: { authorization: `Token ${ACME}` } }],
    ["the key and trailing text", { headers: { authorization: `Bearer ${ACME} x` } }],
    ["the key as basic-auth password", { headers: { authorization: basic(`acme:${ACME}`) } }],
    ["the key as basic-auth user", { headers: { authorization: basic(`${ACME}:`) } }],
    ["the key in X-Api-Key", { headers: { "x-api-key": ACME } }],
    ["the key in Api-Key", { headers: { "api-key": ACME } }],
    ["the key in X-Auth-Token", { headers: { "x-auth-token": ACME } }],
    ["the key in X-Access-Token", { headers: { "x-access-token": ACME } }],
    ["the key in Proxy-Authorization", { headers: { "proxy-authorization": `Bearer ${ACME}` } }],
    [
      "the key in X-Forwarded-Authorization",
      { headers: { "x-forwarded-authorization": `Bearer ${ACME}` } },
    ],
    ["the key in a cookie", { headers: { cookie: `api_key=${ACME}; session=${ACME}` } }],
    ["the key in the query", { path: `/v1/agents?api_key=${ACME}` }],
    ["the key as access_token", { path: `/v1/agents?access_token=${ACME}` }],
    ["the key in the path", { path: `/${ACME}/v1/agents` }],
    [
      "the key in every other place at once",
      {
        path: `/v1?key=${ACME}`,
        headers: { "x-api-key": ACME, cookie: `k=${ACME}`, authorization: basic(`acme:${ACME}`) },
      },
    ],
  ];

  it.each(refusals)("refuses %s with 401 before the tenant sees it", async (_name, req) => {
    const before = hits("acme");
    const res = await https(ACME_HOST, req);
    expect(res.status).toBe(401);
    expect(res.body).toBe(AUTH_BODIES.unauthorized);
    expect(res.headers["content-type"]).toBe("application/json");
    expect(res.headers["www-authenticate"]).toBe('Bearer realm="agent-cloud"');
    expect(res.headers["strict-transport-security"]).toBe("max-age=31536000");
    expect(res.body).not.toContain("ac_");
    expect(hits("acme")).toBe(before);
  });

  it("refuses a tenant's key on another tenant's hosts, and a second Authorization header", async () => {
    const before = hits("acme") + hits("globex");
    expect((await https(`globex.${DOMAIN}`, { headers: bearer(ACME) })).status).toBe(401);
    expect((await https("agents.acme-corp.test", { headers: bearer(GLOBEX) })).status).toBe(401);
    const twice = Buffer.from(
      `GET / HTTP/1.1\r\nHost: ${ACME_HOST}\r\nAuthorization: Bearer ${GUESSED}\r\n` +
        `Authorization: Bearer ${ACME}\r\nConnection: close\r\n\r\n`,
    );
    expect(await rawStatus(edge.ports.https, twice, { tls: true, servername: ACME_HOST })).toBe(
      400,
    );
    expect(hits("acme") + hits("globex")).toBe(before);
  });
});

describe("public paths", () => {
  it("opens exactly the tenant's public paths without a key", async () => {
    for (const path of [
      "/api/v1/health",
      "/api/v1/health?probe=1",
      "/oauth/authorize",
      "/oauth/cb/x.y",
    ]) {
      const res = await https(ACME_HOST, { path });
      expect(res.status, path).toBe(200);
      expect(echo(res.body).url).toBe(path);
    }
  });

  it("keeps everything else closed, however the path is spelled", async () => {
    const before = hits("acme") + hits("globex");
    const closed = [
      "/api/v1/health/",
      "/api/v1/healthz",
      "/API/V1/HEALTH",
      "/Api/v1/health",
      "/OAUTH/authorize",
      "/api/v1/health/../../admin",
      "/api/v1/health/%2e%2e/%2e%2e/admin",
      "/api/v1/%68ealth",
      "/api/v1/health;x=1",
      "//api/v1/health",
      "/./api/v1/health",
      "/oauth",
      "/oauth/../admin",
      "/oauth/..%2fadmin",
      "/oauth/%2e%2e/admin",
      "/oauth/..;/admin",
      "/oauth/.hidden",
      "/admin?x=/api/v1/health",
    ];
    for (const path of closed) {
      const status = await rawStatus(
        edge.ports.https,
        Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${ACME_HOST}\r\nConnection: close\r\n\r\n`),
        { tls: true, servername: ACME_HOST },
      );
      // 400 where nginx itself rejects the path (it climbs above the root); 401 otherwise.
      expect([400, 401], path).toContain(status);
    }
    // acme's public paths are acme's alone.
    expect((await https(`globex.${DOMAIN}`, { path: "/api/v1/health" })).status).toBe(401);
    expect(hits("acme") + hits("globex")).toBe(before);
  });

  it("drops path-override headers, so a public path cannot carry a private one", async () => {
    const res = await https(ACME_HOST, {
      path: "/api/v1/health",
      headers: { "x-original-url": "/admin", "x-rewrite-url": "/admin" },
    });
    expect(res.status).toBe(200);
    const seen = echo(res.body).headers;
    expect(seen["x-original-url"]).toBeUndefined();
    expect(seen["x-rewrite-url"]).toBeUndefined();
  });
});

describe("another environment's key", () => {
  it("is refused wherever it is sent, for edge and app tenants alike", async () => {
    const places: [string, { path?: string; headers?: Record<string, string> }][] = [
      ["Authorization", { headers: bearer(PRODUCTION_ACME) }],
      ["a prefix only, in Authorization", { headers: bearer("ac_production_x") }],
      ["the query", { path: `/v1?key=${PRODUCTION_ACME}` }],
      [
        "the query, '_' percent-encoded",
        { path: `/v1?key=${PRODUCTION_ACME.replace(/_/g, "%5F")}` },
      ],
      [
        "the query, every character percent-encoded",
        { path: `/v1?key=${percentEncoded(PRODUCTION_ACME)}` },
      ],
      [
        "the query, one character of the random part percent-encoded",
        {
          path: `/v1?key=${PRODUCTION_ACME.slice(0, 20)}${percentEncoded(PRODUCTION_ACME[20] as string)}${PRODUCTION_ACME.slice(21)}`,
        },
      ],
      ["the path, 'a' percent-encoded", { path: `/keys/%61${PRODUCTION_ACME.slice(1)}` }],
      // An app that takes `AC_PRODUCTION_` for the prefix gets the key: any letter case.
      ["the query, the prefix upper-cased", { path: `/v1?key=${shouted(PRODUCTION_ACME)}` }],
      ["X-Api-Key, the prefix in mixed case", { headers: { "x-api-key": mixed(PRODUCTION_ACME) } }],
      ["the path, 'A' percent-encoded", { path: `/keys/%41${shouted(PRODUCTION_ACME).slice(1)}` }],
      ["the path", { path: `/keys/${PRODUCTION_ACME}` }],
      ["a cookie", { headers: { cookie: `a=1; key=${PRODUCTION_ACME}` } }],
      ["X-Api-Key", { headers: { "x-api-key": PRODUCTION_ACME } }],
      ["X-Auth-Token", { headers: { "x-auth-token": PRODUCTION_ACME } }],
      ["Proxy-Authorization", { headers: { "proxy-authorization": `Bearer ${PRODUCTION_ACME}` } }],
      ["beside a valid key", { path: `/v1?k=${PRODUCTION_ACME}`, headers: bearer(ACME) }],
    ];
    const before = hits("acme") + hits("gateway");
    for (const [where, req] of places) {
      for (const host of [ACME_HOST, `gateway.${DOMAIN}`]) {
        const headers = host === ACME_HOST ? req.headers : { ...req.headers };
        const res = await https(host, { ...req, headers });
        expect(res.status, `${where} on ${host}`).toBe(401);
        expect(res.body, `${where} on ${host}`).toBe(AUTH_BODIES.wrongEnvironment);
      }
    }
    expect(hits("acme") + hits("gateway")).toBe(before);
  });

  it("is refused in Authorization under any scheme, and in a repeated credential header", async () => {
    const gateway = `gateway.${DOMAIN}`;
    const before = hits("gateway");
    for (const authorization of [
      `Token ${PRODUCTION_ACME}`,
      PRODUCTION_ACME,
      `ApiKey ${PRODUCTION_ACME}`,
    ]) {
      const res = await https(gateway, { headers: { authorization } });
      expect(res.status, authorization.slice(0, 8)).toBe(401);
      expect(res.body).toBe(AUTH_BODIES.wrongEnvironment);
    }
    expect(hits("gateway")).toBe(before);
    // nginx 1.22 reads only the first of a repeated header; the tenant must never get the second.
    for (const header of ["X-Api-Key", "X-Auth-Token", "Proxy-Authorization", "X-Access-Token"]) {
      const raw = await rawResponse(
        `GET / HTTP/1.1\r\nHost: ${gateway}\r\n${header}: harmless\r\n` +
          `${header}: ${PRODUCTION_ACME}\r\nConnection: close\r\n\r\n`,
        gateway,
      );
      expect(raw, header).not.toContain(PRODUCTION_ACME);
      expect(raw.startsWith("HTTP/1.1 200") || raw.startsWith("HTTP/1.1 401"), header).toBe(true);
    }
  });

  it("lets an app-auth tenant's own callers through with whatever credentials its app uses", async () => {
    for (const headers of [
      {} as Record<string, string>,
      { authorization: "Bearer an-oauth-token-the-app-issued" },
      bearer(GATEWAY),
      { "x-api-key": GATEWAY, cookie: `session=${GUESSED}` },
    ]) {
      const res = await https(`gateway.${DOMAIN}`, { headers });
      expect(res.status, JSON.stringify(headers)).toBe(200);
      expect(echo(res.body).tenant).toBe("gateway");
    }
    // This environment's own key, percent-encoded, is not taken for another environment's.
    const encoded = await https(`gateway.${DOMAIN}`, {
      path: `/v1?key=${percentEncoded(GATEWAY)}`,
    });
    expect(encoded.status).toBe(200);
  });
});

describe("another tenant's key of this environment", () => {
  const GATEWAY_HOST = `gateway.${DOMAIN}`;
  type Request = { path: string; headers?: Record<string, string> };
  /** Every place the edge reads a key, holding `k`, on a request for `base`. */
  const placements: [string, (base: string, k: string) => Request][] = [
    ["Authorization: Bearer", (base, k) => ({ path: base, headers: bearer(k) })],
    [
      "Authorization without a scheme",
      (base, k) => ({ path: base, headers: { authorization: k } }),
    ],
    [
      "Authorization under another scheme",
      (base, k) => ({ path: base, headers: { authorization: `Token ${k}` } }),
    ],
    ["the query", (base, k) => ({ path: `${base}?api_key=${k}` })],
    ["the query, '_' as %5F", (base, k) => ({ path: `${base}?k=${k.replace(/_/g, "%5F")}` })],
    ["the path", (base, k) => ({ path: `${base}/${k}` })],
    ["a cookie", (base, k) => ({ path: base, headers: { cookie: `theme=dark; api_key=${k}` } })],
    ...(
      [
        "proxy-authorization",
        "x-api-key",
        "api-key",
        "x-auth-token",
        "x-access-token",
        "x-agent-cloud-key",
      ] as const
    ).map((h): [string, (base: string, k: string) => Request] => [
      h,
      (base, k) => ({ path: base, headers: { [h]: k } }),
    ]),
  ];
  /** Edge and app mode, private and public path (app mode has none: the edge passes both). */
  const targets: [string, string, string, string][] = [
    ["edge mode, private path", ACME_HOST, "/v1/agents", GLOBEX],
    ["edge mode, public path", ACME_HOST, "/oauth/cb", GLOBEX],
    ["app mode", GATEWAY_HOST, "/v1/agents", ACME],
    ["app mode, another path", GATEWAY_HOST, "/oauth/cb", GLOBEX],
  ];

  it.each(targets)(
    "is refused with 401 wrong_tenant in every place the edge reads, %s",
    async (_, host, base, other) => {
      const before = hits("acme") + hits("gateway") + hits("globex");
      for (const [where, place] of placements) {
        const res = await https(host, place(base, other));
        expect([res.status, res.body], where).toEqual([401, AUTH_BODIES.wrongTenant]);
        expect(res.headers["www-authenticate"], where).toBe('Bearer realm="agent-cloud"');
        expect(res.headers["strict-transport-security"], where).toBe("max-age=31536000");
      }
      // In another letter case too: the table's owner is taken whatever the case, and the
      // prefix is found in any case (a tenant could lower-case `AC_DEV_` again).
      for (const recased of [other.toLowerCase(), shouted(other), mixed(other)]) {
        for (const [where, place] of placements) {
          const res = await https(host, place(base, recased));
          expect([res.status, res.body], `${where}, ${recased.slice(0, 8)}`).toEqual([
            401,
            AUTH_BODIES.wrongTenant,
          ]);
        }
      }
      expect(hits("acme") + hits("gateway") + hits("globex")).toBe(before);
    },
  );

  it("lets a tenant's own key through in every place its mode and path allow", async () => {
    for (const [where, place] of placements) {
      // An app-mode tenant, and an edge-mode tenant's public path: any place.
      for (const [host, base, own, tenant] of [
        [GATEWAY_HOST, "/v1/agents", GATEWAY, "gateway"],
        [ACME_HOST, "/oauth/cb", ACME, "acme"],
      ] as const) {
        const req = place(base, own);
        const res = await https(host, req);
        expect([res.status, echo(res.body).tenant], `${where} on ${host}`).toEqual([200, tenant]);
        expect(echo(res.body).url, `${where} on ${host}`).toBe(req.path);
      }
    }
    // An edge-mode tenant's private path: Authorization: Bearer only, as before.
    const res = await https(ACME_HOST, { path: "/v1/agents", headers: bearer(ACME) });
    expect([res.status, echo(res.body).tenant]).toEqual([200, "acme"]);
    // The same key twice in one place is one key.
    const twice = await https(GATEWAY_HOST, { path: `/v1?a=${GATEWAY}&b=${GATEWAY}` });
    expect(twice.status).toBe(200);
  });

  it("refuses two different keys in one place, so a decoy cannot hide another tenant's", async () => {
    const before = hits("acme") + hits("gateway");
    const cases: [string, string, Request][] = [
      // A link to an app-mode tenant with its own key first in the query.
      [GATEWAY_HOST, "the query", { path: `/v1?decoy=${GATEWAY}&api_key=${ACME}` }],
      [GATEWAY_HOST, "the query, a key nobody has first", { path: `/v1?a=${GUESSED}&b=${ACME}` }],
      // A page's own cookie before another tenant's.
      [GATEWAY_HOST, "a cookie", { path: "/v1", headers: { cookie: `a=${GATEWAY}; b=${ACME}` } }],
      [
        GATEWAY_HOST,
        "the credential headers",
        { path: "/v1", headers: { ...bearer(GATEWAY), "x-api-key": ACME } },
      ],
      [
        ACME_HOST,
        "a cookie, on a public path",
        { path: "/oauth/cb", headers: { cookie: `a=${GUESSED}; b=${GLOBEX}` } },
      ],
      [
        ACME_HOST,
        "the credential headers, beside the right bearer key",
        { path: "/v1", headers: { ...bearer(ACME), "x-auth-token": GUESSED } },
      ],
    ];
    for (const [host, where, req] of cases) {
      const res = await https(host, req);
      expect([res.status, res.body], `${where} on ${host}`).toEqual([401, AUTH_BODIES.severalKeys]);
    }
    expect(hits("acme") + hits("gateway")).toBe(before);
  });
});

describe("key rotation", () => {
  it("accepts old and new key during the overlap and drops no request on the way", async () => {
    const host = `acme.${DOMAIN}`;
    const ca = edge.certificate.pem;
    const port = edge.ports.https;
    // Clients on the old key keep going while the table gains the new one.
    const old = steadyStream({
      port,
      host,
      ca,
      tenantId: "acme",
      concurrency: 2,
      headers: bearer(ACME),
    });
    await waitFor("requests flowing", () => old.result.ok >= 10, 15_000, 100);
    await edge.setApiKeys([
      { tenantId: "acme", keys: [ACME_NEXT, ACME] },
      { tenantId: "globex", keys: [GLOBEX] },
      { tenantId: "gateway", keys: [GATEWAY] },
    ]);
    for (const k of [ACME, ACME_NEXT])
      expect((await https(host, { headers: bearer(k) })).status).toBe(200);
    // Clients switch to the new key; then the old one is retired.
    const next = steadyStream({
      port,
      host,
      ca,
      tenantId: "acme",
      concurrency: 2,
      headers: bearer(ACME_NEXT),
    });
    await waitFor("new-key requests flowing", () => next.result.ok >= 10, 15_000, 100);
    const oldResult = await old.stop();
    await edge.setApiKeys([
      { tenantId: "acme", keys: [ACME_NEXT] },
      { tenantId: "globex", keys: [GLOBEX] },
      { tenantId: "gateway", keys: [GATEWAY] },
    ]);
    await sleep(200);
    const nextResult = await next.stop();
    expect([oldResult.failed, oldResult.errors.slice(0, 3)]).toEqual([0, []]);
    expect([nextResult.failed, nextResult.errors.slice(0, 3)]).toEqual([0, []]);
    expect((await https(host, { headers: bearer(ACME) })).status).toBe(401);
    expect((await https(host, { headers: bearer(ACME_NEXT) })).status).toBe(200);
    await edge.setApiKeys(KEYS);
  }, 30_000);
});

describe("client identity", () => {
  it("never lets forged identity, forwarding or override headers reach the tenant", async () => {
    const forged: Record<string, string> = {
      "x-forwarded-for": "10.0.0.1, 192.0.2.1",
      "x-real-ip": "10.0.0.2",
      "x-forwarded-host": "evil.example",
      "x-forwarded-proto": "http",
      forwarded: "for=10.0.0.3;host=evil.example;proto=http",
      "cf-connecting-ip": "10.0.0.4",
      "true-client-ip": "10.0.0.5",
      "x-client-ip": "10.0.0.6",
      "x-cluster-client-ip": "10.0.0.7",
      "client-ip": "10.0.0.8",
      "fastly-client-ip": "10.0.0.9",
      "x-forwarded-port": "80",
      "x-forwarded-server": "evil",
      "x-host": "evil.example",
      "x-original-host": "evil.example",
      "x-forwarded-uri": "/evil/admin",
      "x-forwarded-path": "/evil/admin",
      "x-forwarded-protocol": "http-evil",
      "x-forwarded-client-cert": 'Hash=evil;Subject="CN=evil"',
      "x-forwarded-tls-client-cert": "evil-cert",
      "client-cert": ":ZXZpbA==:",
      "client-cert-chain": ":ZXZpbA==:",
      "x-ssl-client-cert": "evil-cert",
      "x-client-cert": "evil-cert",
      "ssl-client-cert": "evil-cert",
      "x-forwarded": "for=10.0.0.10",
      "forwarded-for": "10.0.0.11",
      "x-original-uri": "/evil/admin",
      "front-end-https": "evil-off",
      "x-url-scheme": "http-evil",
      "x-proxyuser-ip": "10.0.0.12",
      "x-envoy-external-address": "10.0.0.13",
      via: "1.1 evil-proxy",
    };
    const res = await https(ACME_HOST, { headers: { ...forged, ...bearer(ACME) } });
    expect(res.status).toBe(200);
    const seen = echo(res.body).headers;
    expect(seen["x-forwarded-for"]).toBe("127.0.0.1");
    expect(seen["x-real-ip"]).toBe("127.0.0.1");
    expect(seen["x-forwarded-host"]).toBe(ACME_HOST);
    expect(seen["x-forwarded-proto"]).toBe("https");
    for (const h of DROPPED_IDENTITY_HEADERS) expect(seen[h.toLowerCase()], h).toBeUndefined();
    expect(JSON.stringify(seen)).not.toMatch(/10\.0\.0\.|evil/);

    // Underscored spellings are dropped by nginx itself.
    const raw = await rawResponse(
      `GET / HTTP/1.1\r\nHost: ${ACME_HOST}\r\nAuthorization: Bearer ${ACME}\r\n` +
        `X_Forwarded_For: 10.9.9.9\r\nX_Real_IP: 10.9.9.9\r\nConnection: close\r\n\r\n`,
    );
    expect(raw).toContain('"x-forwarded-for":"127.0.0.1"');
    expect(raw).not.toContain("10.9.9.9");
  });

  it("takes the client address from CF-Connecting-IP only when a trusted peer sends it", async () => {
    const viaCdn = await https(ACME_HOST, {
      localAddress: "127.0.0.9",
      headers: {
        ...bearer(ACME),
        "cf-connecting-ip": "198.51.100.7",
        "x-forwarded-for": "10.0.0.1",
      },
    });
    expect(echo(viaCdn.body).headers).toMatchObject({
      "x-forwarded-for": "198.51.100.7",
      "x-real-ip": "198.51.100.7",
    });
    expect(echo(viaCdn.body).headers["cf-connecting-ip"]).toBeUndefined();

    const direct = await https(ACME_HOST, {
      localAddress: "127.0.0.2",
      headers: { ...bearer(ACME), "cf-connecting-ip": "198.51.100.8" },
    });
    expect(echo(direct.body).headers).toMatchObject({
      "x-forwarded-for": "127.0.0.2",
      "x-real-ip": "127.0.0.2",
    });
    // The access log names the same client the tenant heard about (once a worker's one-second
    // flush timer writes it: later on a busy machine).
    await waitFor("access log", () => readAccessLog().includes("198.51.100.7"), 15_000, 100);
    expect(readAccessLog()).not.toContain("198.51.100.8");
  });
});

function readAccessLog(): string {
  return readFileSync(join(edge.dir, "access.log"), "utf8");
}

describe("upgrades", () => {
  const TUNNEL_HOST = `tunnel.${DOMAIN}`;
  const upgrade = (value: string, path = "/pub/switch") =>
    `GET ${path} HTTP/1.1\r\nHost: ${TUNNEL_HOST}\r\nUpgrade: ${value}\r\nConnection: Upgrade\r\n\r\n` +
    // Sent at once on the same connection: through a tunnel it would reach the tenant unchecked.
    `GET /private/admin HTTP/1.1\r\nHost: ${TUNNEL_HOST}\r\nConnection: close\r\n\r\n`;

  it.each(["h2c", "H2C", "foo", "websocket, h2c", "websocket2", "TLS/1.0"])(
    "refuses Upgrade: %s with 400 before the tenant sees it, so no tunnel opens",
    async (value) => {
      tunnelHeads.length = 0;
      const response = await rawResponse(upgrade(value), TUNNEL_HOST);
      expect(response).toMatch(/^HTTP\/1\.1 400 /);
      expect(response.split("\r\n\r\n")[1]).toBe(UPGRADE_REFUSED_BODY);
      expect(response).toContain("\r\nStrict-Transport-Security: max-age=31536000\r\n");
      // One answer, and the connection closed: the second request was never read.
      expect(response.match(/HTTP\/1\.1 /g)).toHaveLength(1);
      expect(tunnelHeads).toEqual([]);
    },
  );

  it("refuses it after the key check: a caller without a key gets the 401 first", async () => {
    const response = await rawResponse(
      `GET /private HTTP/1.1\r\nHost: ${TUNNEL_HOST}\r\nUpgrade: h2c\r\nConnection: close\r\n\r\n`,
      TUNNEL_HOST,
    );
    expect(response).toMatch(/^HTTP\/1\.1 401 /);
  });

  it("passes a WebSocket upgrade with the key, in any case, to the tenant", async () => {
    for (const value of ["websocket", "WebSocket"]) {
      tunnelHeads.length = 0;
      const response = await rawResponse(
        `GET /pub/switch HTTP/1.1\r\nHost: ${TUNNEL_HOST}\r\nAuthorization: Bearer ${TUNNEL}\r\n` +
          `Upgrade: ${value}\r\nConnection: Upgrade\r\n\r\n`,
        TUNNEL_HOST,
        // The tunnel stays open: its response head is the answer.
        (text) => text.includes("\r\n\r\n"),
      );
      expect(response).toMatch(/^HTTP\/1\.1 101 /);
      expect(tunnelHeads[0]).toMatch(/^GET \/pub\/switch HTTP\/1\.1\r\n/);
      expect(tunnelHeads[0]).toContain("\r\nUpgrade: websocket\r\n");
    }
  });
});

describe("WebSockets on public paths", () => {
  /** What a WebSocket client gets: the socket's first message, or the refusal's status and body. */
  async function openSocket(
    host: string,
    path: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: string }> {
    // The URL names the tenant host (SNI and Host follow); every name resolves to loopback.
    const ws = new WebSocket(`wss://${host}:${edge.ports.https}${path}`, {
      headers,
      ca: edge.certificate.pem,
      lookup: (_name, options, callback) =>
        options.all
          ? callback(null, [{ address: "127.0.0.1", family: 4 }])
          : callback(null, "127.0.0.1", 4),
    });
    try {
      return await new Promise((resolve, reject) => {
        ws.once("message", (m: Buffer) => resolve({ status: 101, body: m.toString("utf8") }));
        ws.once("unexpected-response", (_req, res) => {
          let body = "";
          res.on("data", (d: Buffer) => (body += d.toString("utf8")));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        ws.once("error", reject);
      });
    } finally {
      ws.terminate();
    }
  }
  const PAUSED_HOST = `paused.${DOMAIN}`;

  it("refuses a WebSocket without a key on an edge-mode tenant's public path, before the tenant sees it", async () => {
    // A WebSocket server takes an upgrade on any path: a public path would open the whole socket.
    const before = hits("acme");
    for (const path of ["/api/v1/health", "/api/v1/health?x=1", "/oauth/ws", "/v1/private"]) {
      expect(await openSocket(ACME_HOST, path), path).toEqual({
        status: 401,
        body: AUTH_BODIES.unauthorized,
      });
      // Nor with a key nobody was given.
      expect(await openSocket(ACME_HOST, path, bearer(GUESSED)), path).toEqual({
        status: 401,
        body: AUTH_BODIES.unauthorized,
      });
    }
    expect(hits("acme")).toBe(before);
  });

  it("opens it with the tenant's key on public and private paths, and without one in app mode", async () => {
    for (const path of ["/api/v1/health", "/oauth/ws", "/v1/private"])
      expect(await openSocket(ACME_HOST, path, bearer(ACME)), path).toEqual({
        status: 101,
        body: "hello from acme",
      });
    // The same path without Upgrade stays open without a key.
    expect((await https(ACME_HOST, { path: "/api/v1/health" })).status).toBe(200);
    // App mode: the app authenticates its own sockets, as before.
    expect(await openSocket(`gateway.${DOMAIN}`, "/api/v1/health")).toEqual({
      status: 101,
      body: "hello from gateway",
    });
  });

  it("leaves a suspended tenant's answers as they were: 503 once the key check passes", async () => {
    const suspended = { status: 503, body: tenantSuspendedBody("paused") };
    // A plain request to its public path needs no key; a WebSocket there needs one, as on any
    // edge-mode tenant, and the key check comes before the suspension.
    const plain = await https(PAUSED_HOST, { path: "/api/v1/health" });
    expect({ status: plain.status, body: plain.body }).toEqual(suspended);
    expect(await openSocket(PAUSED_HOST, "/api/v1/health", bearer(PAUSED))).toEqual(suspended);
    expect(await openSocket(PAUSED_HOST, "/v1/private", bearer(PAUSED))).toEqual(suspended);
    // Without the key: 401, as from any edge-mode tenant (its public path's WebSocket got the
    // 503 before, when the public path skipped the key check; its plain requests still do).
    for (const path of ["/v1/private", "/api/v1/health"])
      expect(await openSocket(PAUSED_HOST, path), path).toEqual({
        status: 401,
        body: AUTH_BODIES.unauthorized,
      });
    expect(hits("paused")).toBe(0);
  });
});

/** The whole raw response to raw request bytes over TLS (or as much as makes `done` true). */
async function rawResponse(
  head: string,
  servername = ACME_HOST,
  done?: (text: string) => boolean,
): Promise<string> {
  const { connect } = await import("node:tls");
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: "127.0.0.1",
      port: edge.ports.https,
      servername,
      rejectUnauthorized: false,
    });
    const chunks: Buffer[] = [];
    socket.once("secureConnect", () => socket.write(head));
    socket.on("data", (c: Buffer) => {
      chunks.push(c);
      const text = Buffer.concat(chunks).toString("utf8");
      if (done?.(text)) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    socket.on("error", reject);
    socket.setTimeout(5000, () => socket.destroy(new Error("no response")));
  });
}
