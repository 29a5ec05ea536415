/**
 * What the edge writes about a request, on the real nginx: query strings and Referer (which
 * carry API keys and tokens) reach neither the error log nor the access log, even when the
 * tenant is down or a limit refuses the request, and the access log still records each failure
 * and refusal with its status and, for the tenant's, the upstream's status and address. An API
 * key sent in the path (raw, percent-encoded, of this environment or another) or as the host is
 * logged as `[redacted]`, and what follows it not at all; other paths and hosts are logged as sent.
 * A request id holding an API key is replaced by nginx's own, in the log and to the tenant.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUTH_BODIES } from "../../components/edge/nginx/auth";
import { LIMIT_BODIES } from "../../components/edge/nginx/limits";
import { EDGE_BODIES, tenantUnavailableBody } from "../../components/edge/nginx-config";
import { edgeHttps, openStream } from "../../testkit/edge/client";
import { type Edge, startEdge } from "../../testkit/edge/edge-fixture";
import type { TenantEcho } from "../../testkit/edge/tenants";
import { sleep, waitFor } from "../../testkit/edge/ports";

const DOMAIN = "dev.example.test";
const QUERY_SECRET = "SECRET-in-the-query-7f3a";
const REFERER_SECRET = "SECRET-in-the-referer-9c1e";
const PATH = `/chat?access_token=${QUERY_SECRET}&api_key=${QUERY_SECRET}`;
const HEADERS = { referer: `https://app.example.test/callback?token=${REFERER_SECRET}` };
const LIMITS = {
  connectionsPerClient: 1,
  requestsPerSecondPerClient: 2,
  requestBurstPerClient: 3,
  clientHeaderTimeoutSeconds: 5,
  clientBodyTimeoutSeconds: 5,
  keepaliveTimeoutSeconds: 5,
};

let edge: Edge;

beforeAll(async () => {
  edge = await startEdge({
    environment: "dev",
    domain: DOMAIN,
    // `down` has no server: its address refuses connections, as a crashed tenant's would.
    tenants: [{ id: "acme" }, { id: "down", missing: true }],
    settings: { limits: LIMITS },
  });
}, 30_000);

afterAll(async () => {
  await edge?.close();
});

const https = (host: string, from: string) =>
  edgeHttps({
    port: edge.ports.https,
    host,
    path: PATH,
    headers: HEADERS,
    ca: edge.certificate.pem,
    localAddress: from,
  });

interface AccessLine {
  readonly tenant: string;
  readonly host: string;
  readonly path: string;
  readonly status: number;
  readonly upstream_status: string;
  readonly upstream_addr: string;
  readonly client: string;
  readonly request_id: string;
}

const read = (name: string) => readFileSync(join(edge.dir, name), "utf8");
const accessLines = () =>
  read("access.log")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AccessLine);

describe("the edge's logs", () => {
  it("keep a secret query and Referer out of both logs when the tenant is down or a limit refuses", async () => {
    // The tenant is down: 502.
    const down = await https(`down.${DOMAIN}`, "127.0.0.7");
    expect([down.status, down.body]).toEqual([502, tenantUnavailableBody("down")]);

    // Over the request rate: 429 rate_limited.
    const burst = [];
    for (let i = 0; i < 8; i++) burst.push(await https(`acme.${DOMAIN}`, "127.0.0.5"));
    expect(burst.filter((r) => r.status === 200).length).toBeGreaterThan(0);
    const rateLimited = burst.filter((r) => r.status === 429);
    expect(rateLimited.length).toBeGreaterThan(0);
    for (const r of rateLimited) expect(r.body).toBe(LIMIT_BODIES.rateLimited);

    // Over the open-request limit (one stream open): 429 too_many_connections.
    const streamed = edge.fleet.get("acme").nextSse();
    const stream = await openStream({
      port: edge.ports.https,
      host: `acme.${DOMAIN}`,
      path: "/sse",
      ca: edge.certificate.pem,
    });
    const tooMany = await https(`acme.${DOMAIN}`, "127.0.0.1");
    (await streamed).end();
    await stream.ended;
    expect([stream.status, tooMany.status, tooMany.body]).toEqual([
      200,
      429,
      LIMIT_BODIES.tooManyConnections,
    ]);

    // The access log is flushed every second (by each worker's timer: later on a busy machine).
    await waitFor(
      "the access log to hold every request",
      () => accessLines().length === 1 + burst.length + 2,
      15_000,
      100,
    );
    await sleep(100);
    const access = read("access.log");
    const errors = read("error.log");
    expect(access).not.toContain("SECRET");
    expect(errors).not.toContain("SECRET");
    // No message about a request reaches the error log (nginx's own, e.g. about its file limit
    // where the tests cannot raise it, may).
    expect(errors.split("\n").filter((line) => /client: |request: |referrer: /.test(line))).toEqual(
      [],
    );

    const lines = accessLines();
    const port = edge.fleet.port;
    expect(lines.filter((l) => l.tenant === "down")).toEqual([
      expect.objectContaining({
        path: "/chat",
        status: 502,
        upstream_status: "502",
        upstream_addr: `127.0.9.2:${port}`,
        client: "127.0.0.7",
      }),
    ]);
    const refused = lines.filter((l) => l.status === 429);
    expect(refused.length).toBe(rateLimited.length + 1);
    for (const l of refused)
      expect(l).toMatchObject({
        tenant: "acme",
        path: "/chat",
        upstream_status: "",
        upstream_addr: "",
      });
    expect(refused.map((l) => l.client).sort()).toEqual(
      [...rateLimited.map(() => "127.0.0.5"), "127.0.0.1"].sort(),
    );
  });

  it("logs an API key in the path or host as [redacted], raw or percent-encoded, and other paths as sent", async () => {
    const random = "Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0Pp9Oo8Nn7M";
    const foreign = `ac_production_${random}`;
    const own = `ac_dev_${random}`;
    const encodeAll = (text: string) =>
      [...text].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).join("");
    const acme = `acme.${DOMAIN}`;
    const cases = [
      // [host, path sent, status, host logged, path logged]
      [acme, "/v1/sessions/s-42/messages", 200, acme, "/v1/sessions/s-42/messages"],
      [acme, `/v1/sessions/${foreign}`, 401, acme, "/v1/sessions/[redacted]"],
      [acme, `/v1/sessions/${foreign}/messages`, 401, acme, "/v1/sessions/[redacted]"],
      [
        acme,
        `/v1/sessions/${foreign.replaceAll("_", "%5F")}`,
        401,
        acme,
        "/v1/sessions/[redacted]",
      ],
      [acme, `/v1/sessions/${encodeAll(foreign)}`, 401, acme, "/v1/sessions/[redacted]"],
      // Decoded once by nginx, the key is still percent-encoded in the path it logs.
      [
        acme,
        `/v1/sessions/${foreign.replaceAll("_", "%255F")}`,
        200,
        acme,
        "/v1/sessions/[redacted]",
      ],
      // A decoded newline before the key does not hide it.
      [acme, `/v1/a%0Ab/${foreign}`, 401, acme, "/v1/a\nb/[redacted]"],
      // This environment's own key too (acme is in app mode here: the edge passes it on).
      [acme, `/v1/keys/${own}?x=1`, 200, acme, "/v1/keys/[redacted]"],
      // A key as the host (nginx lowercases it): an unknown host, logged without the key.
      [`${foreign}.${DOMAIN}`, "/v1/sessions", 404, "[redacted]", "/v1/sessions"],
      [`x.${own}.${DOMAIN}`, "/", 404, "x.[redacted]", "/"],
      [`nobody.${DOMAIN}`, "/v1/ac_dev_short", 404, `nobody.${DOMAIN}`, "/v1/ac_dev_short"],
    ] as const;
    const bodies = {
      200: undefined,
      401: AUTH_BODIES.wrongEnvironment,
      404: EDGE_BODIES.unknownHost,
    };
    // One client address each, so the per-client rate limit refuses none of them.
    const client = (i: number) => `127.0.0.${20 + i}`;
    for (const [i, [host, path, status]] of cases.entries()) {
      const response = await edgeHttps({
        port: edge.ports.https,
        host,
        path,
        ca: edge.certificate.pem,
        checkName: false,
        localAddress: client(i),
      });
      expect([path, response.status]).toEqual([path, status]);
      if (status !== 200) expect(response.body).toBe(bodies[status]);
    }

    const mine = () => accessLines().filter((l) => cases.some((_, i) => l.client === client(i)));
    await waitFor(
      "the access log to hold every request",
      () => mine().length === cases.length,
      15_000,
      100,
    );
    const logged = mine().sort((a, b) => a.client.localeCompare(b.client, "en", { numeric: true }));
    expect(logged.map((l) => [l.host, l.path, l.status])).toEqual(
      cases.map(([, , status, host, path]) => [host, path, status]),
    );
    for (const name of ["access.log", "error.log"])
      expect(read(name).toLowerCase()).not.toContain(random.toLowerCase());
  });

  it("replaces a request id that holds an API key with nginx's own, in the log and to the tenant", async () => {
    const random = "Kk1Jj2Hh3Gg4Ff5Ee6Dd7Cc8Bb9Aa0Zz1Yy2Xx3W";
    const cases = [
      // [request id sent, kept]
      ["trace-42.a:b", true],
      [`ac_dev_${random}`, false],
      [`ac_production_${random}`, false],
      [`trace.ac_dev_${random}:1`, false],
    ] as const;
    const client = (i: number) => `127.0.0.${60 + i}`;
    for (const [i, [id, kept]] of cases.entries()) {
      const response = await edgeHttps({
        port: edge.ports.https,
        host: `acme.${DOMAIN}`,
        ca: edge.certificate.pem,
        localAddress: client(i),
        headers: { "x-request-id": id },
      });
      expect(response.status).toBe(200);
      const forwarded = (JSON.parse(response.body) as TenantEcho).headers["x-request-id"];
      if (kept) expect(forwarded).toBe(id);
      else expect(forwarded, id).toMatch(/^[0-9a-f]{32}$/);
    }
    const mine = () => accessLines().filter((l) => cases.some((_, i) => l.client === client(i)));
    await waitFor("the access log to hold every request", () => mine().length === 4, 15_000, 100);
    const logged = mine().sort((a, b) => a.client.localeCompare(b.client, "en", { numeric: true }));
    expect(logged[0]?.request_id).toBe("trace-42.a:b");
    for (const l of logged.slice(1)) expect(l.request_id).toMatch(/^[0-9a-f]{32}$/);
    for (const name of ["access.log", "error.log"]) expect(read(name)).not.toContain(random);
  });
});
