/**
 * The proxy's generated nginx.conf and route table, run by the real nginx on loopback: a wildcard
 * certificate from openssl and small servers standing in for tenants. Only the listen ports, file
 * paths and tenant addresses (loopback instead of cluster names) differ from what the cluster
 * runs.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import type { LookupFunction } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { proxyNginxConfigInput, routesFromTenants } from "../../components/edge/management-proxy";
import {
  EDGE_BODIES,
  renderNginxConfig,
  renderNginxRoutes,
} from "../../components/edge/nginx-config";
import {
  edgeHttp,
  edgeHttps,
  openStream,
  pool,
  rawStatus,
  requestWithHost,
  steadyStream,
} from "../../testkit/edge/client";
import { type Edge, startEdge } from "../../testkit/edge/edge-fixture";
import { INTERIM_GUARD_SCRIPT } from "../../components/edge/nginx/interim-answers";
import { hostileHosts, legitimateHostVariants } from "../../testkit/edge/hostile-hosts";
import { nginxTest } from "../../testkit/edge/nginx";
import { sleep, waitFor } from "../../testkit/edge/ports";
import type { TenantEcho } from "../../testkit/edge/tenants";

const DOMAIN = "dev.example.test";

let edge: Edge;

beforeAll(async () => {
  edge = await startEdge({
    environment: "dev",
    domain: DOMAIN,
    tenants: [
      { id: "acme", customDomains: ["agents.acme-corp.test", "www.acme-corp.test"] },
      { id: "globex", customDomains: ["globex.test"] },
      { id: "kate" },
      { id: "ghost", missing: true },
      { id: "latecomer", deferred: true },
      { id: "initech", later: true, customDomains: ["initech.test"] },
    ],
  });
}, 30_000);

afterAll(async () => {
  await edge?.close();
});

const https = (host: string, extra: Partial<Parameters<typeof edgeHttps>[0]> = {}) =>
  edgeHttps({
    port: edge.ports.https,
    host,
    ca: edge.certificate.pem,
    checkName: host.endsWith(`.${DOMAIN}`),
    ...extra,
  });
const echo = (body: string) => JSON.parse(body) as TenantEcho;
const text = (data: WebSocket.RawData) =>
  (Array.isArray(data)
    ? Buffer.concat(data)
    : data instanceof ArrayBuffer
      ? Buffer.from(data)
      : data
  ).toString("utf8");
/** Every name resolves to the proxy on loopback, as DNS would send it to the proxy's address. */
const loopback: LookupFunction = (_host, options, callback) => {
  if (options.all) callback(null, [{ address: "127.0.0.1", family: 4 }]);
  else callback(null, "127.0.0.1", 4);
};
const hits = (id: string) => edge.fleet.get(id).hits;
const routedHosts = () =>
  edge.hosts.filter((h) => !["ghost", "latecomer", "initech"].includes(h.tenantId));

describe("generated nginx.conf on the real nginx", () => {
  it("passes nginx -t: the main file with the route table it includes", async () => {
    const result = await nginxTest(edge.nginx.configPath, edge.dir);
    expect(result, result.output).toMatchObject({ ok: true });
  });

  it("routes every tenant host and custom domain to its own tenant over TLS", async () => {
    for (const { host, tenantId } of routedHosts()) {
      const res = await https(host);
      expect(res.status, host).toBe(200);
      expect(echo(res.body).tenant, host).toBe(tenantId);
      expect(echo(res.body).headers.host, host).toBe(host);
    }
  });

  it("routes the legitimate spellings of a host: any case, a trailing dot, a port", async () => {
    for (const { host, tenantId } of routedHosts()) {
      for (const variant of legitimateHostVariants(host)) {
        const res = await https(variant, { servername: host });
        expect(res.status, variant).toBe(200);
        expect(echo(res.body).tenant, variant).toBe(tenantId);
      }
    }
  });

  it("answers an unknown host with 404 and a small JSON body that names nothing internal", async () => {
    const before = edge.fleet.totalHits();
    for (const host of [
      `nobody.${DOMAIN}`,
      "evil.com",
      `sp-acme.dev-tenant-acme.svc.cluster.local`,
    ]) {
      const res = await https(host, { checkName: false });
      expect(res.status).toBe(404);
      expect(res.headers["content-type"]).toBe("application/json");
      expect(res.body).toBe(EDGE_BODIES.unknownHost);
      expect(res.body).not.toMatch(/acme|globex|svc|cluster|tenant-|nginx|127\./);
    }
    expect(edge.fleet.totalHits()).toBe(before);
  });

  it("answers 502 naming the tenant when its Service does not resolve or its app is down", async () => {
    const ghost = await https(`ghost.${DOMAIN}`);
    expect(ghost.status).toBe(502);
    expect(JSON.parse(ghost.body)).toMatchObject({ error: "tenant_unavailable", tenant: "ghost" });

    await edge.fleet.get("globex").stop();
    try {
      const down = await https(`globex.${DOMAIN}`);
      expect(down.status).toBe(502);
      expect(down.headers["content-type"]).toBe("application/json");
      expect(JSON.parse(down.body)).toMatchObject({
        error: "tenant_unavailable",
        tenant: "globex",
      });
      expect(down.body).not.toMatch(/svc|cluster|127\./);
    } finally {
      await edge.fleet.get("globex").start();
    }
    expect((await https(`globex.${DOMAIN}`)).status).toBe(200);
  });

  it("reaches a tenant whose app starts after the proxy, without a reload", async () => {
    expect((await https(`latecomer.${DOMAIN}`)).status).toBe(502);
    await edge.bringUp("latecomer");
    const res = await https(`latecomer.${DOMAIN}`);
    expect(res.status).toBe(200);
    expect(echo(res.body).tenant).toBe("latecomer");
  });

  it("redirects HTTP to HTTPS for tenant hosts only and serves /healthz without redirecting", async () => {
    const http = (host: string, path = "/") => edgeHttp({ port: edge.ports.http, host, path });
    const before = edge.fleet.totalHits();
    const redirect = await http(`acme.${DOMAIN}`, "/v1/agents?x=1");
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe(`https://acme.${DOMAIN}/v1/agents?x=1`);
    expect((await http("www.acme-corp.test")).headers.location).toBe("https://www.acme-corp.test/");
    const unknown = await http("evil.com");
    expect(unknown.status).toBe(404);
    expect(unknown.headers.location).toBeUndefined();
    expect((await http(`acme.${DOMAIN}`, "/healthz")).status).toBe(200);
    const health = await edgeHttp({ port: edge.ports.health, host: "anything", path: "/healthz" });
    expect(health).toMatchObject({ status: 200, body: EDGE_BODIES.healthy });
    expect((await edgeHttp({ port: edge.ports.health, host: `acme.${DOMAIN}` })).status).toBe(404);
    expect(edge.fleet.totalHits()).toBe(before);
  });

  it("sends HSTS with tenant responses and with its own 404, 401 and 502", async () => {
    const hsts = "max-age=31536000";
    expect((await https(`acme.${DOMAIN}`)).headers["strict-transport-security"]).toBe(hsts);
    expect(
      (await https("evil.com", { checkName: false })).headers["strict-transport-security"],
    ).toBe(hsts);
    const wrongEnv = await https(`acme.${DOMAIN}`, {
      headers: { authorization: "Bearer ac_production_abc" },
    });
    expect(wrongEnv.headers["strict-transport-security"]).toBe(hsts);
    expect(wrongEnv.headers["www-authenticate"]).toContain("Bearer");
    expect((await https(`ghost.${DOMAIN}`)).headers["strict-transport-security"]).toBe(hsts);
  });

  it("passes X-Forwarded-For/Proto/Host, X-Real-IP and a request id to the tenant", async () => {
    const made = echo((await https(`acme.${DOMAIN}`)).body).headers;
    expect(made["x-forwarded-for"]).toBe("127.0.0.1");
    expect(made["x-forwarded-proto"]).toBe("https");
    expect(made["x-forwarded-host"]).toBe(`acme.${DOMAIN}`);
    expect(made["x-real-ip"]).toBe("127.0.0.1");
    expect(made["x-request-id"]).toMatch(/^[0-9a-f]{32}$/);

    const kept = echo(
      (
        await https("www.acme-corp.test", {
          headers: { "x-request-id": "trace-42.a:b", "x-forwarded-for": "198.51.100.7" },
        })
      ).body,
    ).headers;
    expect(kept["x-request-id"]).toBe("trace-42.a:b");
    // Rebuilt from the address nginx trusts, never appended to what the client claimed.
    expect(kept["x-forwarded-for"]).toBe("127.0.0.1");
    expect(kept["x-forwarded-host"]).toBe("www.acme-corp.test");

    // A request id that is not a plain token is replaced, not forwarded.
    const replaced = echo(
      (await https(`acme.${DOMAIN}`, { headers: { "x-request-id": "a b<script>" } })).body,
    ).headers;
    expect(replaced["x-request-id"]).toMatch(/^[0-9a-f]{32}$/);
  });

  it("refuses another environment's API key with 401 before a tenant sees it", async () => {
    const before = hits("acme");
    for (const authorization of [
      "Bearer ac_production_0123456789abcdef",
      "bearer ac_staging_x",
      "BEARER   ac_prod_x",
      "Bearer\tac_dev2_x",
      "Bearer ac_eu-prod_x",
    ]) {
      const res = await https(`acme.${DOMAIN}`, { headers: { authorization } });
      expect(res.status, authorization).toBe(401);
      expect(JSON.parse(res.body), authorization).toMatchObject({ error: "wrong_environment" });
      expect(res.body).not.toContain("ac_");
    }
    expect(hits("acme")).toBe(before);

    for (const authorization of [
      "Bearer ac_dev_0123456789abcdef",
      "Bearer sk-not-ours",
      "Basic dXNlcjpwYXNz",
      "Bearer ac_nounderscore",
    ]) {
      const res = await https(`acme.${DOMAIN}`, { headers: { authorization } });
      expect(res.status, authorization).toBe(200);
      expect(echo(res.body).headers.authorization).toBe(authorization);
    }
    expect(hits("acme")).toBe(before + 4);

    // A second Authorization header cannot smuggle a foreign key past the check.
    const twice = Buffer.from(
      `GET / HTTP/1.1\r\nHost: acme.${DOMAIN}\r\nAuthorization: Bearer ac_dev_ok\r\n` +
        `Authorization: Bearer ac_production_x\r\nConnection: close\r\n\r\n`,
    );
    const status = await rawStatus(edge.ports.https, twice, {
      tls: true,
      servername: `acme.${DOMAIN}`,
    });
    expect(status).toBe(400);
    expect(hits("acme")).toBe(before + 4);
  });

  it("takes bodies up to maxBodySize and answers a larger one with 413 JSON", async () => {
    const small = await https(`acme.${DOMAIN}`, {
      method: "POST",
      body: Buffer.alloc(1024 * 1024, 97),
      headers: { "content-type": "application/octet-stream" },
    });
    expect(small.status).toBe(200);
    const before = hits("acme");
    const big = Buffer.from(
      `POST / HTTP/1.1\r\nHost: acme.${DOMAIN}\r\nContent-Length: ${11 * 1024 * 1024}\r\nConnection: close\r\n\r\n`,
    );
    expect(
      await rawStatus(edge.ports.https, big, { tls: true, servername: `acme.${DOMAIN}` }),
    ).toBe(413);
    expect(hits("acme")).toBe(before);
  });

  it("streams Server-Sent Events one at a time while the tenant holds the response open", async () => {
    const tenant = edge.fleet.get("acme");
    const upstream = tenant.nextSse();
    const stream = await openStream({
      port: edge.ports.https,
      host: `acme.${DOMAIN}`,
      path: "/sse",
      ca: edge.certificate.pem,
      headers: { accept: "text/event-stream" },
    });
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers["content-type"]).toBe("text/event-stream");
      const sse = await upstream;
      for (const event of ["one", "two", "three"]) {
        sse.send(event);
        // The next event is only sent after this one arrived: nothing is held back.
        expect(await stream.next(3000)).toBe(`data: ${event}\n\n`);
        expect(sse.ended).toBe(false);
      }
      sse.end();
      await stream.ended;
    } finally {
      stream.close();
    }
  });

  it("upgrades WebSocket connections to the right tenant", async () => {
    // A real client: the URL names the tenant host (SNI and Host follow), DNS says loopback.
    const open = (host: string) =>
      new WebSocket(`wss://${host}:${edge.ports.https}/ws`, {
        lookup: loopback,
        ca: edge.certificate.pem,
        rejectUnauthorized: host.endsWith(DOMAIN),
      });
    const ws = open(`globex.${DOMAIN}`);
    const messages: string[] = [];
    ws.on("message", (m) => messages.push(text(m)));
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    ws.send("ping");
    await waitFor("WebSocket echo", () => messages.length >= 2, 3000);
    expect(messages).toEqual(["hello from globex", "globex:ping"]);
    expect(edge.fleet.get("globex").requests.at(-1)).toMatchObject({ method: "WS", url: "/ws" });
    ws.close();

    const before = edge.fleet.totalHits();
    const refused = open("evil.com");
    const status = await new Promise<number>((resolve) => {
      refused.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      refused.once("error", () => resolve(-1));
    });
    expect(status).toBe(404);
    expect(edge.fleet.totalHits()).toBe(before);
    refused.terminate();
  });

  it("never lets a hostile or malformed Host value reach a tenant", async () => {
    const knownHosts = edge.hosts.map((h) => h.host);
    const values = hostileHosts({
      domain: DOMAIN,
      knownHosts,
      internalNames: edge.hosts.map((h) => edge.upstreamHost(h.tenantId)),
      addresses: [...edge.fleet.tenants.values()].map((t) => t.ip),
    });
    expect(values.length).toBeGreaterThanOrEqual(500);
    const before = edge.fleet.totalHits();
    const statuses = new Map<string, number[]>();
    for (const tls of [true, false]) {
      const port = tls ? edge.ports.https : edge.ports.http;
      const results = await pool(
        8,
        values.map((host, i) => async () => {
          // Present a real tenant name in SNI half the time: SNI must not decide the route.
          const servername = i % 2 === 0 ? `acme.${DOMAIN}` : undefined;
          const status = await rawStatus(port, requestWithHost(host), { tls, servername });
          return [host, status] as const;
        }),
      );
      for (const [host, status] of results) {
        const key = `${tls ? "https" : "http"} ${status}`;
        statuses.set(key, [...(statuses.get(key) ?? []), host.length]);
        if (![400, 404, 414].includes(status))
          expect.fail(`${tls ? "https" : "http"} Host ${JSON.stringify(host)} got ${status}`);
      }
    }
    expect(edge.fleet.totalHits()).toBe(before);
    // Both outcomes occur: nginx refuses malformed values (400), the map refuses the rest (404).
    expect(statuses.has("https 404") && statuses.has("https 400")).toBe(true);
  }, 60_000);

  it("ignores a hostile absolute-form target and HTTP/1.0 requests without a Host", async () => {
    const before = edge.fleet.totalHits();
    const raw = (head: string) =>
      rawStatus(edge.ports.https, Buffer.from(head), { tls: true, servername: `acme.${DOMAIN}` });
    expect(await raw(`GET http://evil.com/ HTTP/1.1\r\nHost: acme.${DOMAIN}\r\n\r\n`)).toBe(404);
    expect(await raw(`GET / HTTP/1.0\r\n\r\n`)).toBe(404);
    expect(await raw(`GET / HTTP/1.1\r\n\r\n`)).toBe(400);
    expect(
      await raw(`GET / HTTP/1.1\r\nHost: acme.${DOMAIN}\r\nHost: globex.${DOMAIN}\r\n\r\n`),
    ).toBe(400);
    expect(edge.fleet.totalHits()).toBe(before);
  });

  it("loses no request when reloaded (SIGHUP) twice under a steady request stream", async () => {
    const stream = steadyStream({
      port: edge.ports.https,
      host: `acme.${DOMAIN}`,
      ca: edge.certificate.pem,
      tenantId: "acme",
      concurrency: 4,
    });
    // Counted, not timed: on a busy machine a few hundred ms may carry only a few requests.
    await waitFor("requests flowing", () => stream.result.ok >= 20, 15_000, 100);
    for (let i = 0; i < 2; i++) {
      await edge.nginx.reload();
      const reloadedAt = stream.result.ok;
      await waitFor(
        `requests flowing after reload ${i + 1}`,
        () => stream.result.ok >= reloadedAt + 20,
        15_000,
        100,
      );
    }
    const result = await stream.stop();
    expect(result.errors.slice(0, 5)).toEqual([]);
    expect(result.failed).toBe(0);
    expect(result.ok).toBeGreaterThan(40);
  }, 60_000);

  it("loses no request to keep-alive clients that retry a GET cut before any response", async () => {
    const stream = steadyStream({
      port: edge.ports.https,
      host: `acme.${DOMAIN}`,
      ca: edge.certificate.pem,
      tenantId: "acme",
      concurrency: 4,
      keepAlive: true,
    });
    await waitFor("requests flowing", () => stream.result.ok >= 50, 15_000, 100);
    // After each reload, a hundred more requests rather than a fixed 150 ms: the ratio below is
    // of retries (at most one per pooled connection a quitting worker closes) to requests, and a
    // busy machine sends far fewer requests in 150 ms.
    for (let i = 0; i < 3; i++) {
      await edge.nginx.reload();
      const reloadedAt = stream.result.ok;
      await waitFor(
        `requests flowing after reload ${i + 1}`,
        () => stream.result.ok >= reloadedAt + 100,
        15_000,
        100,
      );
    }
    const result = await stream.stop();
    expect(result.errors.slice(0, 5)).toEqual([]);
    expect(result.failed).toBe(0);
    // Quitting workers close idle keep-alive connections; only requests racing that are retried.
    expect(result.retried).toBeLessThan(result.ok / 20);
  }, 60_000);

  it("takes up a new tenant on reload without dropping a request to the others", async () => {
    const before = await https("initech.test", { checkName: false });
    expect(before.status).toBe(404);
    const stream = steadyStream({
      port: edge.ports.https,
      host: `globex.${DOMAIN}`,
      ca: edge.certificate.pem,
      tenantId: "globex",
      concurrency: 4,
    });
    await waitFor("requests flowing", () => stream.result.ok >= 20, 15_000, 100);
    await edge.reloadRoutes(true);
    for (const host of [`initech.${DOMAIN}`, "initech.test"]) {
      const res = await https(host, { checkName: false });
      expect(res.status, host).toBe(200);
      expect(echo(res.body).tenant).toBe("initech");
    }
    await sleep(200);
    const result = await stream.stop();
    expect(result.errors.slice(0, 5)).toEqual([]);
    expect(result.failed).toBe(0);
  }, 30_000);
});

describe("the edge's own costs", () => {
  it("reuses pooled keep-alive connections to a tenant instead of one per request", async () => {
    const tenant = edge.fleet.get("kate");
    const before = tenant.connections;
    for (let i = 0; i < 40; i++) expect((await https(`kate.${DOMAIN}`)).status).toBe(200);
    // At most a connection or two per worker, against 40 requests on 40 client connections.
    expect(tenant.connections - before).toBeLessThanOrEqual(4);
  });

  it("closes idle pooled connections before the app does, so a POST after a pause never 502s", async () => {
    const tenant = edge.fleet.get("kate");
    expect((await https(`kate.${DOMAIN}`)).status).toBe(200);
    // Around the pool's 4 s and the app's 5 s (Node's default keepAliveTimeout).
    for (const pauseMs of [4300, 5100]) {
      await sleep(pauseMs);
      const before = tenant.connections;
      const res = await https(`kate.${DOMAIN}`, {
        method: "POST",
        body: JSON.stringify({ pauseMs }),
        headers: { "content-type": "application/json" },
      });
      expect(res.status, `POST after ${pauseMs} ms idle`).toBe(200);
      expect(echo(res.body)).toMatchObject({ tenant: "kate", method: "POST" });
      // nginx had already retired the idle connection and opened a new one.
      expect(tenant.connections - before).toBeGreaterThanOrEqual(1);
    }
  }, 30_000);

  it("writes one JSON access-log line per request with the agreed fields", async () => {
    const id = `log-check-${Date.now()}`;
    await https(`acme.${DOMAIN}`, {
      path: "/v1/agents?api_key=secret",
      headers: { "x-request-id": id },
    });
    await https("evil.com", { checkName: false, headers: { "x-request-id": `${id}-404` } });
    const lines = async () =>
      (await import("node:fs")).readFileSync(join(edge.dir, "access.log"), "utf8").split("\n");
    // Buffered: written by the one-second flush timer of each worker (later on a busy machine).
    await waitFor(
      "access log flush",
      async () => (await lines()).filter((l) => l.includes(id)).length >= 2,
      15_000,
      100,
    );
    const parsed = (await lines())
      .filter((l) => l.includes(id))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed).toHaveLength(2);
    // Each worker has its own buffer, so lines of two workers may come in either order.
    const ok = parsed.find((l) => l.request_id === id) as Record<string, unknown>;
    const unknown = parsed.find((l) => l.request_id === `${id}-404`) as Record<string, unknown>;
    expect(ok).toMatchObject({
      tenant: "acme",
      host: `acme.${DOMAIN}`,
      method: "GET",
      path: "/v1/agents",
      status: 200,
      request_id: id,
      client: "127.0.0.1",
    });
    expect(new Date(ok.time as string).toISOString()).toBeTruthy();
    for (const key of ["request_time", "bytes_sent", "request_length"])
      expect(typeof ok[key], key).toBe("number");
    expect(Number(ok.upstream_response_time)).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(ok)).not.toContain("secret");
    expect(unknown).toMatchObject({ tenant: "", status: 404, upstream_response_time: "" });
  });

  it("speaks HTTP/2 to clients that offer it and still streams SSE through it", async () => {
    const { connect } = await import("node:http2");
    const session = connect(`https://acme.${DOMAIN}:${edge.ports.https}`, {
      ca: edge.certificate.pem,
      lookup: loopback,
    });
    try {
      const get = (path: string) =>
        session.request({ ":path": path, ":authority": `acme.${DOMAIN}` });
      const req = get("/h2");
      const [headers, body] = await new Promise<[Record<string, unknown>, string]>(
        (resolve, reject) => {
          let h: Record<string, unknown> = {};
          let b = "";
          req.on("response", (x) => (h = x));
          req.setEncoding("utf8");
          req.on("data", (c: string) => (b += c));
          req.on("end", () => resolve([h, b]));
          req.on("error", reject);
        },
      );
      expect(session.alpnProtocol).toBe("h2");
      expect(headers[":status"]).toBe(200);
      expect(echo(body)).toMatchObject({ tenant: "acme", url: "/h2" });
      expect(echo(body).headers["x-forwarded-proto"]).toBe("https");

      const upstream = edge.fleet.get("acme").nextSse();
      const sse = get("/sse");
      sse.setEncoding("utf8");
      const chunks: string[] = [];
      sse.on("data", (c: string) => chunks.push(c));
      const stream = await upstream;
      for (const event of ["a", "b"]) {
        stream.send(event);
        await waitFor(`event ${event}`, () => chunks.join("").includes(`data: ${event}\n\n`), 3000);
      }
      stream.end();
      await new Promise<void>((resolve) => sse.on("end", () => resolve()));
    } finally {
      session.close();
    }
  });

  it("resumes TLS sessions from its shared cache, across workers and a reload", async () => {
    const { connect } = await import("node:tls");
    const handshake = (session: Buffer | undefined, maxVersion: "TLSv1.2" | "TLSv1.3") =>
      new Promise<{ reused: boolean; session: Buffer | undefined }>((resolve, reject) => {
        let latest: Buffer | undefined;
        let reused = false;
        const socket = connect({
          host: "127.0.0.1",
          port: edge.ports.https,
          servername: `acme.${DOMAIN}`,
          ca: edge.certificate.pem,
          session,
          maxVersion,
        });
        socket.on("session", (s: Buffer) => (latest = s));
        socket.once("secureConnect", () => {
          reused = socket.isSessionReused();
          // TLS 1.3 sends its session after the handshake: ask for something, then close.
          socket.write(
            `GET /healthz HTTP/1.1\r\nHost: acme.${DOMAIN}\r\nConnection: close\r\n\r\n`,
          );
        });
        socket.on("data", () => undefined);
        socket.once("close", () => resolve({ reused, session: latest }));
        socket.once("error", reject);
      });
    for (const version of ["TLSv1.2", "TLSv1.3"] as const) {
      const first = await handshake(undefined, version);
      expect(first.reused).toBe(false);
      expect(first.session, version).toBeDefined();
      let session = first.session;
      for (let i = 0; i < 4; i++) {
        const next = await handshake(session, version);
        expect(next.reused, `${version} resumption ${i}`).toBe(true);
        session = next.session ?? session;
      }
      await edge.nginx.reload();
      expect((await handshake(session, version)).reused, `${version} after reload`).toBe(true);
    }
  }, 30_000);
});

describe("nginx accepts the config at scale", () => {
  it("loads 1,500 tenants with four long hosts each (map hash sizes follow the table)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "edge-scale-"));
    try {
      writeFileSync(join(dir, "tls.crt"), "");
      writeFileSync(join(dir, "api-keys.map"), "");
      const long = "x".repeat(50);
      const tenants = Array.from({ length: 1500 }, (_, i) => {
        const id = `tenant-${i}-${"t".repeat(30)}`.slice(0, 40);
        return {
          id,
          hosts: [
            `${id}.${"agents-platform-region-one".repeat(2)}.example.com`,
            `${long}${i}.${long}.customer-domain-${i}.com`,
            // 253 characters, the longest DNS name.
            `a${i}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(63)}.example.org`
              .padStart(253, "e")
              .slice(-253),
            `www.custom-${i}.example.net`,
          ],
        };
      });
      const routes = routesFromTenants(tenants, { environment: "prod", port: 80 });
      const shipped = proxyNginxConfigInput({ environment: "prod", routes });
      // nginx resolves upstream names when it loads; here they are loopback addresses.
      const input = {
        ...shipped,
        routes: shipped.routes.map((r, i) => ({
          ...r,
          upstreamHost: `127.0.${10 + Math.floor(i / 250)}.${(i % 250) + 1}`,
        })),
        http2: "listen" as const,
      };
      writeFileSync(join(dir, "routes.conf"), renderNginxRoutes(input));
      const config = renderNginxConfig({
        ...input,
        listen: { http: 18080, https: 18443, health: 18081, address: "127.0.0.1" },
        tls: { certificate: edge.certificate.certificatePath, key: edge.certificate.keyPath },
        auth: { ...input.auth, keyTablePath: join(dir, "api-keys.map") },
        paths: {
          pidFile: join(dir, "nginx.pid"),
          tempDir: dir,
          errorLog: join(dir, "error.log"),
          accessLog: join(dir, "access.log"),
          routesFile: join(dir, "routes.conf"),
          interimGuardScript: join(dir, "interim-guard.js"),
        },
      });
      writeFileSync(join(dir, "interim-guard.js"), INTERIM_GUARD_SCRIPT);
      writeFileSync(join(dir, "nginx.conf"), config);
      const result = await nginxTest(join(dir, "nginx.conf"), dir);
      expect(result, result.output).toMatchObject({ ok: true });
      expect(result.output).not.toContain("[warn]");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
