/**
 * The per-client limits on the real nginx count an IPv6 client by its /64 (client-key.ts): a
 * client rotating addresses within its /64 is one client, another /64 is another, and an IPv4
 * client is its address. Clients are told apart by the address a trusted peer (127.0.0.9, the
 * CDN) forwards in CF-Connecting-IP, as Cloudflare forwards them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { edgeHttps } from "../../testkit/edge/client";
import { type Edge, startEdge } from "../../testkit/edge/edge-fixture";

const DOMAIN = "dev.example.test";
const CDN = "127.0.0.9";
const LIMITS = {
  connectionsPerClient: 8,
  requestsPerSecondPerClient: 1,
  requestBurstPerClient: 2,
  clientHeaderTimeoutSeconds: 5,
  clientBodyTimeoutSeconds: 2,
  keepaliveTimeoutSeconds: 5,
};

let edge: Edge;

beforeAll(async () => {
  edge = await startEdge({
    environment: "dev",
    domain: DOMAIN,
    tenants: [{ id: "acme", auth: "app" }],
    settings: { limits: LIMITS, realIpFrom: [`${CDN}/32`] },
  });
}, 30_000);

afterAll(async () => {
  await edge?.close();
});

/** The statuses of one request from each forwarded address, in turn. */
async function statusesFrom(clients: readonly string[]): Promise<number[]> {
  const statuses: number[] = [];
  for (const client of clients) {
    const response = await edgeHttps({
      port: edge.ports.https,
      host: `acme.${DOMAIN}`,
      ca: edge.certificate.pem,
      localAddress: CDN,
      headers: { "cf-connecting-ip": client },
    });
    statuses.push(response.status);
  }
  return statuses;
}

const count = (statuses: readonly number[], status: number) =>
  statuses.filter((s) => s === status).length;

describe("per-client limits by IPv6 /64", () => {
  it("counts twelve addresses of one /64 as one client, and serves another /64", async () => {
    const statuses = await statusesFrom(
      Array.from({ length: 12 }, (_, i) => `2001:db8:1:2::${(i + 1).toString(16)}`),
    );
    // The burst and the rate: 3 at once, at most one more within the run.
    expect(count(statuses, 200)).toBeGreaterThanOrEqual(LIMITS.requestBurstPerClient + 1);
    expect(count(statuses, 200)).toBeLessThanOrEqual(LIMITS.requestBurstPerClient + 2);
    expect(count(statuses, 429)).toBe(12 - count(statuses, 200));
    // Written out in full or with its zeros compressed elsewhere, it is the same /64.
    expect(await statusesFrom(["2001:0db8:0001:0002:ffff:0:0:1"])).toEqual([429]);
    expect(await statusesFrom(["2001:db8:1:3::1", "2001:db8::1:2:3:4"])).toEqual([200, 200]);
  });

  it("counts each IPv4 address as its own client", async () => {
    const statuses = await statusesFrom(Array.from({ length: 12 }, (_, i) => `192.0.2.${i + 1}`));
    expect(statuses).toEqual(Array<number>(12).fill(200));
  });
});
