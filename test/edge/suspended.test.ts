/**
 * A suspended tenant at the edge: the route table marks it, the tenant location answers 503 with
 * a JSON body naming it, and no request reaches its server; the others are untouched. Unit
 * checks on the rendered config, then the shipped config in the real nginx.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tenantLocation } from "../../components/edge/nginx-config";
import { suspendedMapSection, tenantSuspendedBody } from "../../components/edge/suspended";
import { edgeHttps } from "../../testkit/edge/client";
import { type Edge, startEdge } from "../../testkit/edge/edge-fixture";

const DOMAIN = "dev.example.com";

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

  it("answers 503 after the unknown-host check and before anything reaches a tenant", () => {
    const timeouts = { connectSeconds: 5, readSeconds: 60, sendSeconds: 60 };
    const lines = tenantLocation({ timeouts } as Parameters<typeof tenantLocation>[0], "");
    const at = (text: string) => lines.findIndex((l) => l.includes(text));
    expect(at("return 404")).toBeLessThan(at("if ($tenant_suspended)"));
    expect(at("if ($tenant_suspended)")).toBeLessThan(at("proxy_pass"));
    expect(lines[at("if ($tenant_suspended)") + 1]).toBe(
      `    return 503 '${tenantSuspendedBody("$tenant_id")}';`,
    );
  });
});

describe("suspended tenants in the real nginx", () => {
  let edge: Edge;
  beforeAll(async () => {
    edge = await startEdge({
      environment: "dev",
      domain: DOMAIN,
      tenants: [{ id: "acme" }, { id: "paused", customDomains: ["agents.paused.test"] }],
      tweak: (input) => ({
        ...input,
        routes: input.routes.map((r) => (r.tenantId === "paused" ? { ...r, suspended: true } : r)),
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
});
