/**
 * The tenants' idle keep-alive pools share a worker's connections (components/edge/nginx-config.ts,
 * `tenantKeepalive`): with many tenants each keeps fewer, so requests spread over every tenant
 * never leave a worker without a connection to open. The worker budget is scaled down (192, of
 * which the pools may hold 144) so 140 tenants fill it as 12,000 would fill the shipped 16,384;
 * with 16 idle per tenant, as every tenant kept before, the same sweep ran out of connections.
 */
import { readFileSync } from "node:fs";
import { Agent } from "node:https";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { edgeHttps } from "../../testkit/edge/client";
import { type Edge, ROUTING_SUITE_LIMITS, startEdge } from "../../testkit/edge/edge-fixture";
import type { TenantEcho } from "../../testkit/edge/tenants";

const DOMAIN = "dev.example.test";
const TENANTS = Array.from({ length: 140 }, (_, i) => `t${String(i).padStart(3, "0")}`);
/** Client connections, each kept open: the sweep sends one request per tenant on each at once. */
const CLIENTS = 4;
/** One TLS name for every request, so each client reuses its one connection whatever the Host. */
const servername = `${TENANTS[0]}.${DOMAIN}`;

let edge: Edge;

beforeAll(async () => {
  edge = await startEdge({
    environment: "dev",
    domain: DOMAIN,
    tenants: TENANTS.map((id) => ({ id })),
    workerConnections: 192,
    settings: { limits: ROUTING_SUITE_LIMITS },
  });
}, 60_000);

afterAll(async () => {
  await edge?.close();
});

it("answers four concurrent requests to each of 140 tenants, each from its own tenant", async () => {
  expect(readFileSync(edge.routesPath, "utf8").match(/^ {2}keepalive 1;$/gm)).toHaveLength(140);
  const agents = Array.from(
    { length: CLIENTS },
    () => new Agent({ keepAlive: true, maxSockets: 1, ca: edge.certificate.pem }),
  );
  try {
    const answers: string[] = [];
    // Each tenant in turn gets one request on every client connection at once, so a worker
    // opens up to four connections to it and pools what its budget allows.
    for (const id of TENANTS) {
      const round = await Promise.all(
        agents.map((agent) =>
          edgeHttps({ port: edge.ports.https, host: `${id}.${DOMAIN}`, servername, agent }).then(
            (res) =>
              `${id} ${res.status} ${res.status === 200 ? (JSON.parse(res.body) as TenantEcho).tenant : res.body}`,
            // A worker out of connections closes idle client connections: "socket hang up".
            (error: Error) => `${id} ${error.message}`,
          ),
        ),
      );
      answers.push(...round);
    }
    expect(answers).toEqual(
      TENANTS.flatMap((id) => Array<string>(CLIENTS).fill(`${id} 200 ${id}`)),
    );
    expect(readFileSync(join(edge.dir, "error.log"), "utf8")).not.toContain(
      "worker_connections are not enough",
    );
  } finally {
    for (const agent of agents) agent.destroy();
  }
}, 60_000);
