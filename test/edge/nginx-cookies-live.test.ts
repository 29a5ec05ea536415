/**
 * Tenants' cookies on the real nginx with the shipped config: a cookie a tenant sets for the
 * environment's domain, a parent of it or another tenant's host comes out of the edge for the
 * request's own host, so the browser never sends it to another tenant; a cookie for the tenant's
 * own custom domain, for no domain at all or for a name outside the domain passes unchanged. A
 * tenant's Clear-Site-Data (which browsers apply to every tenant under the domain) is dropped.
 */
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { edgeHttps } from "../../testkit/edge/client";
import { type Edge, startEdge } from "../../testkit/edge/edge-fixture";
import { freePort } from "../../testkit/edge/ports";

const DOMAIN = "dev.example.test";
const HOST = `acme.${DOMAIN}`;
const CUSTOM = "agents.acme-corp.test";

/** What the tenant answers with on `/cookies`, in order. */
const SET_COOKIES = [
  "env=1; Domain=dev.example.test; Path=/; Secure",
  "dotted=1; domain=.DEV.Example.TEST; Path=/",
  "parent=1; Domain=example.test; Path=/; HttpOnly",
  "other=1; Domain=globex.dev.example.test; Path=/",
  "deep=1; Domain=a.b.dev.example.test",
  "trailing=1; Domain=dev.example.test.",
  "tab=1; Domain=\tdev.example.test",
  "twice=1; Domain=agents.acme-corp.test; Domain=dev.example.test",
  "own=1; Domain=agents.acme-corp.test; Path=/",
  "host=1; Path=/; Secure; HttpOnly; SameSite=Lax",
  "tld=1; Domain=test",
  "lookalike=1; Domain=notdev.example.test",
  "suffix=1; Domain=example.test.evil.test",
];

/** The same, as the edge passes them on for a request to `host`. */
const rewritten = (host: string) => [
  `env=1; Domain=${host}; Path=/; Secure`,
  `dotted=1; domain=${host}; Path=/`,
  `parent=1; Domain=${host}; Path=/; HttpOnly`,
  `other=1; Domain=${host}; Path=/`,
  `deep=1; Domain=${host}`,
  `trailing=1; Domain=${host}`,
  `tab=1; Domain=${host}`,
  `twice=1; Domain=agents.acme-corp.test; Domain=${host}`,
  "own=1; Domain=agents.acme-corp.test; Path=/",
  "host=1; Path=/; Secure; HttpOnly; SameSite=Lax",
  "tld=1; Domain=test",
  "lookalike=1; Domain=notdev.example.test",
  "suffix=1; Domain=example.test.evil.test",
];

let edge: Edge;
let server: Server;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://tenant");
    const cookies = url.pathname === "/probe" ? url.searchParams.getAll("c") : SET_COOKIES;
    res.setHeader("set-cookie", cookies);
    // Applied by browsers to the whole registrable domain: every tenant's cookies.
    if (url.pathname === "/clear") res.setHeader("clear-site-data", url.searchParams.getAll("v"));
    res.setHeader("content-type", "application/json");
    res.end('{"ok":true}');
  });
  const port = await freePort();
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  edge = await startEdge({
    environment: "dev",
    domain: DOMAIN,
    tenants: [
      { id: "acme", customDomains: [CUSTOM], missing: true, address: "127.0.0.1", port },
      { id: "globex" },
    ],
  });
}, 30_000);

afterAll(async () => {
  await edge?.close();
  await new Promise((resolve) => server?.close(resolve));
});

const get = (host: string, path = "/cookies") =>
  edgeHttps({
    port: edge.ports.https,
    host,
    path,
    ca: edge.certificate.pem,
    checkName: host.endsWith(`.${DOMAIN}`),
  });

describe("tenants' cookies", () => {
  it("come out for the request's own host when they name the shared domain, a parent or another tenant", async () => {
    const res = await get(HOST);
    expect(res.status).toBe(200);
    expect(res.headers["set-cookie"]).toEqual(rewritten(HOST));
  });

  it("name the custom domain a request came by", async () => {
    const res = await get(CUSTOM);
    expect(res.status).toBe(200);
    expect(res.headers["set-cookie"]).toEqual(rewritten(CUSTOM));
  });

  it("are never cleared by a tenant's Clear-Site-Data, which the edge drops", async () => {
    for (const values of [['"cookies"'], ['"*"'], ['"cache", "storage"'], ['"cookies"', '"*"']]) {
      const query = values.map((v) => `v=${encodeURIComponent(v)}`).join("&");
      const res = await get(HOST, `/clear?${query}`);
      expect(res.status).toBe(200);
      expect(res.headers["clear-site-data"], values.join()).toBeUndefined();
    }
  });

  it("pass unchanged where nginx sees no Domain attribute though browsers do (the documented limit)", async () => {
    const unseen = [
      "tab-before=1;\tDomain=dev.example.test",
      "tab-after=1; Domain\t=dev.example.test",
      "nameless; Domain=dev.example.test",
    ];
    const query = unseen.map((c) => `c=${encodeURIComponent(c)}`).join("&");
    const res = await get(HOST, `/probe?${query}`);
    expect(res.headers["set-cookie"]).toEqual(unseen);
  });
});
