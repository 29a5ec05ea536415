/**
 * A suspended tenant at the edge: the route table marks it, the tenant location answers 503 with
 * a JSON body naming it (through the refusal path, after the key check), and no request reaches
 * its server; the others are untouched. Unit checks on the rendered config, then the shipped
 * config in the real nginx.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tenantLocation } from "../../components/edge/nginx-config";
import { AUTH_BODIES } from "../../components/edge/nginx/auth";
import {
  SUSPENDED_ANSWER,
  suspendedMapSection,
  tenantSuspendedBody,
} from "../../components/edge/suspended";
import { deriveApiKey } from "../../components/tenant/api-key";
import { edgeHttps } from "../../testkit/edge/client";
import { type Edge, startEdge } from "../../testkit/edge/edge-fixture";

const DOMAIN = "dev.example.com";
const FROZEN_KEY = deriveApiKey(
  "a-suspended-test-seed-long-enough-for-hmac-derivation-0123456789",
  "dev",
  "frozen",
  1,
);

describe("suspended tenants in the config", () => {
  it("maps suspended tenant ids to 1 and everything else to 0", () => {
    expect(
      suspendedMapSection([
        { tenantId: "acme" },
        { tenantId: "paused", suspended: true },
        { tenantId: "globex", suspended: false },
      ]),
    ).toEqual(["map $tenant_id $tenant_suspended {", "  default 0;", '  "paused" 1;', "}"]);
  });

  it("refuses with a bare 503 after the key check and before anything reaches a tenant", () => {
    const timeouts = { connectSeconds: 5, readSeconds: 60, sendSeconds: 60 };
    const lines = tenantLocation({ timeouts } as Parameters<typeof tenantLocation>[0], "");
    const at = (text: string) => lines.findIndex((l) => l.includes(text));
    expect(at("return 404")).toBeLessThan(at("return 401"));
    expect(at("return 401")).toBeLessThan(at("if ($tenant_suspended)"));
    expect(at("if ($tenant_suspended)")).toBeLessThan(at("proxy_pass"));
    // The refusal path (nginx/refusals.ts) counts the client's limits, then answers.
    expect(lines.slice(at("if ($tenant_suspended)"), at("if ($tenant_suspended)") + 4)).toEqual([
      "  if ($tenant_suspended) {",
      "    error_page 503 @edge_refused;",
      "    return 503;",
      "  }",
    ]);
    expect(SUSPENDED_ANSWER).toEqual({ status: 503, body: tenantSuspendedBody("$tenant_id") });
  });
});

describe("suspended tenants in the real nginx", () => {
  let edge: Edge;
  beforeAll(async () => {
    edge = await startEdge({
      environment: "dev",
      domain: DOMAIN,
      tenants: [
        { id: "acme" },
        { id: "paused", customDomains: ["agents.paused.test"] },
        { id: "frozen", auth: "edge", publicPaths: ["/health"] },
      ],
      apiKeys: [{ tenantId: "frozen", keys: [FROZEN_KEY] }],
      tweak: (input) => ({
        ...input,
        routes: input.routes.map((r) =>
          r.tenantId === "paused" || r.tenantId === "frozen" ? { ...r, suspended: true } : r,
        ),
      }),
    });
  }, 30_000);
  afterAll(async () => {
    await edge?.close();
  });

  it("answers 503 with a JSON body for every host of the suspended tenant, and proxies the others", async () => {
    const before = edge.fleet.totalHits();
    for (const host of [`paused.${DOMAIN}`, "agents.paused.test"]) {
      const res = await edgeHttps({
        port: edge.ports.https,
        host,
        ca: edge.certificate.pem,
        checkName: host.endsWith(DOMAIN),
      });
      expect(res.status).toBe(503);
      expect(res.headers["content-type"]).toBe("application/json");
      expect(JSON.parse(res.body)).toEqual({
        error: "tenant_suspended",
        tenant: "paused",
        message: "this agent is suspended",
      });
    }
    expect(edge.fleet.totalHits()).toBe(before);
    const ok = await edgeHttps({
      port: edge.ports.https,
      host: `acme.${DOMAIN}`,
      ca: edge.certificate.pem,
    });
    expect(ok.status).toBe(200);
  });

  it("tells only a caller with the tenant's key (or on a public path) that it is suspended", async () => {
    const before = edge.fleet.totalHits();
    const ask = (headers: Record<string, string>, path = "/") =>
      edgeHttps({
        port: edge.ports.https,
        host: `frozen.${DOMAIN}`,
        ca: edge.certificate.pem,
        path,
        headers,
      });
    // Without a valid key, the 401 any edge-mode tenant gives.
    for (const headers of [{}, { authorization: "Bearer ac_dev_wrong" }] as Record<
      string,
      string
    >[]) {
      const refused = await ask(headers);
      expect(refused.status).toBe(401);
      expect(refused.body).toBe(AUTH_BODIES.unauthorized);
      expect(refused.headers["www-authenticate"]).toBe('Bearer realm="agent-cloud"');
    }
    for (const [headers, path] of [
      [{ authorization: `Bearer ${FROZEN_KEY}` }, "/"],
      [{}, "/health"],
    ] as const) {
      const res = await ask(headers, path);
      expect(res.status).toBe(503);
      expect(JSON.parse(res.body)).toEqual({
        error: "tenant_suspended",
        tenant: "frozen",
        message: "this agent is suspended",
      });
      expect(res.headers["strict-transport-security"]).toBe("max-age=31536000");
      expect(res.headers["www-authenticate"]).toBeUndefined();
    }
    expect(edge.fleet.totalHits()).toBe(before);
  });
});
