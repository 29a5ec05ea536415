/**
 * The edge bench's two nginx floors on the real nginx: the floor answers where a proxied request
 * is answered, after the per-client limits; `return 200` answers before them, which is why it is
 * not the floor (bench/proxy.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { floorConfig, returnFloorConfig } from "../../bench/proxy";
import { DEFAULT_EDGE_LIMITS, LIMIT_BODIES } from "../../components/edge/nginx/limits";
import { edgeHttps } from "../../testkit/edge/client";
import { type Edge, startEdge } from "../../testkit/edge/edge-fixture";

const DOMAIN = "dev.example.test";
/** One request a second with a burst of one: the third request at once is over the limit. */
const LIMITS = { ...DEFAULT_EDGE_LIMITS, requestsPerSecondPerClient: 1, requestBurstPerClient: 1 };

const edges: Record<"floor" | "return", Edge | undefined> = { floor: undefined, return: undefined };

beforeAll(async () => {
  for (const [key, transformConfig] of [
    ["floor", floorConfig],
    ["return", returnFloorConfig],
  ] as const) {
    edges[key] = await startEdge({
      environment: "dev",
      domain: DOMAIN,
      tenants: [{ id: "acme" }, { id: "globex" }],
      settings: { limits: LIMITS },
      transformConfig,
    });
  }
}, 30_000);

afterAll(async () => {
  for (const edge of Object.values(edges)) await edge?.close();
});

/** Three requests at once to acme from `from`: the statuses and the tenants that answered. */
async function burst(edge: Edge, from: string) {
  const results = [];
  for (let i = 0; i < 3; i++) {
    const res = await edgeHttps({
      port: edge.ports.https,
      host: `acme.${DOMAIN}`,
      ca: edge.certificate.pem,
      localAddress: from,
    });
    results.push({ status: res.status, tenant: res.headers["x-tenant"], body: res.body });
  }
  return results;
}

describe("the edge bench's floors", () => {
  it("replace the proxying with nginx's own answer, carrying the tenant and the edge's HSTS", () => {
    const config = (edges.floor as Edge).config;
    expect(config).not.toContain("proxy_pass");
    expect(config).toContain(
      'add_header X-Tenant $tenant_id always; add_header Strict-Transport-Security "max-age=31536000" always; empty_gif;',
    );
    expect((edges.return as Edge).config).toContain(
      `add_header X-Tenant $tenant_id always; add_header Strict-Transport-Security "max-age=31536000" always; return 200 '{"tenant":"$tenant_id"}';`,
    );
  });

  it("the floor answers after the per-client rate limit, as a proxied request does", async () => {
    const results = await burst(edges.floor as Edge, "127.0.0.41");
    expect(results.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(results[0]?.tenant).toBe("acme");
    expect(results[2]?.body).toBe(LIMIT_BODIES.rateLimited);
  });

  it("`return 200` answers before the limits run: every request passes", async () => {
    const results = await burst(edges.return as Edge, "127.0.0.42");
    expect(results).toEqual(
      Array.from({ length: 3 }, () => ({ status: 200, tenant: "acme", body: '{"tenant":"acme"}' })),
    );
  });
});
