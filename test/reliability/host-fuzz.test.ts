/**
 * The edge's Host fuzz, in the reliability suite: the proxy's shipped nginx config on the real
 * nginx, and Host values from the shared hostile-host generator (another seed than the edge
 * suite's) plus property-based ones from fast-check (mutations of real tenant hosts and arbitrary
 * unicode). A value reaches a tenant only if nginx normalises it to exactly that tenant's host.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool, rawStatus, requestWithHost } from "../../testkit/edge/client";
import { startEdge, type Edge } from "../../testkit/edge/edge-fixture";
import { hostileHosts, nginxHost } from "../../testkit/edge/hostile-hosts";

const DOMAIN = "production.example.test";
let edge: Edge;

beforeAll(async () => {
  edge = await startEdge({
    environment: "production",
    domain: DOMAIN,
    tenants: [
      { id: "acme", customDomains: ["agents.acme-corp.test"] },
      { id: "globex" },
      { id: "a" },
    ],
  });
}, 30_000);

afterAll(async () => {
  await edge?.close();
});

/** Sends each Host value once over HTTPS and checks where (if anywhere) it landed. */
async function probe(values: readonly string[]): Promise<string[]> {
  const owner = new Map(edge.hosts.map((h) => [h.host, h.tenantId]));
  const problems: string[] = [];
  for (const value of values) {
    const hitsBefore = new Map([...edge.fleet.tenants].map(([id, t]) => [id, t.hits]));
    const status = await rawStatus(edge.ports.https, requestWithHost(value), {
      tls: true,
      servername: `acme.${DOMAIN}`,
    });
    const expected = owner.get(nginxHost(value) ?? "");
    const hit = [...edge.fleet.tenants]
      .filter(([id, t]) => t.hits !== hitsBefore.get(id))
      .map(([id]) => id);
    if (expected === undefined) {
      if (hit.length > 0 || ![400, 404, 414].includes(status)) {
        problems.push(
          `${JSON.stringify(value)}: status ${status}, reached ${hit.join(",") || "no tenant"}`,
        );
      }
    } else if (status !== 200 || hit.join() !== expected) {
      problems.push(
        `${JSON.stringify(value)}: should reach ${expected}, got ${status} at ${hit.join(",") || "no tenant"}`,
      );
    }
  }
  return problems;
}

const hostMutation = (hosts: readonly string[]) =>
  fc.oneof(
    // A real host with something around it.
    fc
      .tuple(fc.constantFrom(...hosts), fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }))
      .map(([h, pre, post]) => `${pre}${h}${post}`),
    // A real host with one character replaced, removed or doubled.
    fc
      .tuple(
        fc.constantFrom(...hosts),
        fc.nat(),
        fc.string({ minLength: 1, maxLength: 1, unit: "binary" }),
      )
      .map(([h, i, c]) => {
        const at = i % h.length;
        return [
          h.slice(0, at) + c + h.slice(at + 1),
          h.slice(0, at) + h.slice(at + 1),
          h.slice(0, at) + h[at] + h.slice(at),
        ][i % 3] as string;
      }),
    // A real host as a label of another name, or with a port or dots.
    fc
      .tuple(
        fc.constantFrom(...hosts),
        fc.constantFrom(".evil.test", ".", "..", ":", ":0", ":99999", "./", "%2e"),
      )
      .map(([h, s]) => `${h}${s}`),
    fc.string({ maxLength: 80, unit: "binary" }),
    fc.stringMatching(/^[a-zA-Z0-9.\-:[\]]{0,70}$/),
  );

describe("Host fuzz through the shipped edge config", () => {
  it("routes no hostile Host value (second seed of the shared generator)", async () => {
    const values = hostileHosts({
      domain: DOMAIN,
      knownHosts: edge.hosts.map((h) => h.host),
      internalNames: edge.hosts.map((h) => edge.upstreamHost(h.tenantId)),
      addresses: [...edge.fleet.tenants.values()].map((t) => t.ip),
      seed: 7,
      atLeast: 500,
    });
    expect(values.length).toBeGreaterThanOrEqual(500);
    const before = edge.fleet.totalHits();
    const statuses = await pool(
      8,
      values.map((v) => () => rawStatus(edge.ports.https, requestWithHost(v), { tls: true })),
    );
    expect(statuses.filter((s) => ![400, 404, 414].includes(s))).toEqual([]);
    expect(edge.fleet.totalHits()).toBe(before);
  }, 60_000);

  it("sends a value to a tenant only when it is exactly that tenant's host (property-based)", async () => {
    const hosts = edge.hosts.map((h) => h.host);
    const samples = fc.sample(hostMutation(hosts), { numRuns: 400, seed: 20261122 });
    // CR/LF would end the header early; the edge suite covers header injection separately.
    const values = samples.filter((v) => !/[\r\n]/.test(v));
    expect(values.length).toBeGreaterThan(300);
    expect(await probe(values)).toEqual([]);
    // The property is not vacuous: some mutations are legitimate spellings and did route.
    expect(values.some((v) => hosts.includes(nginxHost(v) ?? ""))).toBe(true);
  }, 90_000);
});
