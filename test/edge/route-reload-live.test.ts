/**
 * Route-table changes without restarts, on the real nginx run by the edge's own entry script
 * (as the container runs it): the route table file is swapped in place as the kubelet swaps a
 * ConfigMap volume, the script notices, checks it with `nginx -t` and reloads gracefully. Open
 * SSE and WebSocket streams must run to completion across tenant additions and a removal, a new
 * tenant must answer within seconds, and a table nginx refuses must never replace a good one.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStream, type OpenStream } from "../../testkit/edge/client";
import { type Edge, startEdge } from "../../testkit/edge/edge-fixture";
import { childPids } from "../../testkit/edge/nginx";
import { waitFor } from "../../testkit/edge/ports";
import { answerOf, masterPid, runRouteChanges } from "../../testkit/edge/route-changes";
import type { SseStream } from "../../testkit/edge/tenants";

const FIRST = ["acme", "globex", "leaving"];
const ADDED = ["initech", "umbrella", "hooli"];

let edge: Edge;

beforeAll(async () => {
  edge = await startEdge({
    environment: "dev",
    domain: "dev.example.test",
    tenants: [...FIRST.map((id) => ({ id })), ...ADDED.map((id) => ({ id, later: true }))],
    entrypoint: { pollSeconds: 1 },
  });
}, 30_000);

afterAll(async () => {
  await edge?.close();
});

describe("route table changes on the running edge", () => {
  it("takes three additions and a removal by graceful reloads, cutting no open stream", async () => {
    for (const id of ADDED) expect(await answerOf(edge, id)).toBe("404");
    const result = await runRouteChanges(edge, {
      initial: FIRST,
      streamsOn: ["acme", "globex"],
      changes: [...ADDED.map((add) => ({ add })), { remove: "leaving" }],
    });
    expect(result).toMatchObject({ streams: 4, cut: [], events: 5, sameMaster: true });
    // Each change answered (runRouteChanges waits for it; about a second with a 1 s poll).
    expect(result.answeredAfterMs).toHaveLength(4);
    // Reloads, never a restart: four tables taken.
    expect(edge.nginx.log().match(/taken with a graceful reload/g)).toHaveLength(4);
    for (const id of ["acme", "globex", ...ADDED])
      expect(await answerOf(edge, id)).toBe(`200 ${id}`);
    expect(await answerOf(edge, "leaving")).toBe("404");
  }, 90_000);

  it("never takes a table nginx refuses, and keeps serving the last good one", async () => {
    const pid = masterPid(edge);
    const workers = childPids(pid);
    const good = edge.renderFor(["acme", "globex", ...ADDED]);
    // A broken table: an upstream whose name does not resolve fails `nginx -t`.
    edge.writeRoutes(good.replace(/server 127\.0\.1\.\d+:/, "server no-such-service.invalid:"));
    await waitFor("the refusal", () => /refused by nginx -t/.test(edge.nginx.log()), 15_000, 100);
    expect(childPids(pid)).toEqual(workers);
    for (const id of ["acme", "hooli"]) expect(await answerOf(edge, id)).toBe(`200 ${id}`);

    edge.writeRoutes(edge.renderFor(["acme", "globex", ...ADDED, "leaving"]));
    await waitFor(
      "the fixed table",
      async () => (await answerOf(edge, "leaving")) === "200 leaving",
      15_000,
      100,
    );
    expect(masterPid(edge)).toBe(pid);
  }, 60_000);
});

describe("old workers past what the pod's memory holds", () => {
  let small: Edge;

  beforeAll(async () => {
    small = await startEdge({
      environment: "dev",
      domain: "dev.example.test",
      tenants: [...FIRST.map((id) => ({ id })), ...ADDED.map((id) => ({ id, later: true }))],
      entrypoint: { pollSeconds: 1 },
      // As a route table too big for two copies in the memory limit would say.
      settings: { drainingWorkersKept: 1 },
    });
  }, 30_000);

  afterAll(async () => {
    await small?.close();
  });

  /** An SSE stream to acme, with both ends. */
  const acmeStream = async (): Promise<{ client: OpenStream; server: SseStream }> => {
    const server = small.fleet.get("acme").nextSse();
    const client = await openStream({
      port: small.ports.https,
      host: `acme.${small.options.domain}`,
      path: "/sse",
      ca: small.certificate.pem,
    });
    return { client, server: await server };
  };
  const carries = async (stream: { client: OpenStream; server: SseStream }, event: string) => {
    stream.server.send(event);
    return stream.client.next(5000);
  };
  const addTenant = async (tables: number, ids: readonly string[], added: string) => {
    small.writeRoutes(small.renderFor(ids));
    await waitFor(
      `${added} routed`,
      async () =>
        (small.nginx.log().match(/taken with a graceful reload/g) ?? []).length === tables &&
        (await answerOf(small, added)) === `200 ${added}`,
      15_000,
      100,
    );
  };

  it("stops the oldest draining worker beyond the table's count, never a newer one", async () => {
    expect(readFileSync(small.routesPath, "utf8").split("\n")[2]).toBe(
      "# Draining workers kept: 1",
    );
    const first = await acmeStream();
    await addTenant(1, [...FIRST, "initech"], "initech");
    // One worker drains (the first stream's); the table keeps one: nothing is stopped.
    expect(await carries(first, "after one change")).toBe("data: after one change\n\n");
    const second = await acmeStream();

    await addTenant(2, [...FIRST, "initech", "umbrella"], "umbrella");
    // Two draining workers, one kept: the first stream's, the oldest, is stopped.
    // Within a few polls (1 s each), however busy the machine.
    await waitFor(
      "the oldest draining worker stopped",
      () =>
        /stopped draining worker \d+: more than 1 draining workers do not fit in memory/.test(
          small.nginx.log(),
        ),
      15_000,
      100,
    );
    // Its connection is gone: the tenant's event never reaches the client.
    await expect(carries(first, "after two changes")).rejects.toThrow("no chunk within 5000 ms");
    expect(await carries(second, "after two changes")).toBe("data: after two changes\n\n");
    expect(small.nginx.log().match(/stopped draining worker/g)).toHaveLength(1);
    second.client.close();
  }, 60_000);

  it("lets every worker finish its streams when nginx quits, as a stopping pod's does", async () => {
    const master = masterPid(small);
    // A worker of an earlier generation may exit while it is being looked at.
    const cmdline = (pid: number) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8");
      } catch {
        return "exited";
      }
    };
    const sockets = (pid: number) =>
      readdirSync(`/proc/${pid}/fd`).filter((fd) => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith("socket:");
        } catch {
          return false; // closed while listed
        }
      }).length;
    const workers = childPids(master).filter((pid) =>
      /worker process$/.test(cmdline(pid).replace(/\0+$/, "").trim()),
    );
    expect(workers).toHaveLength(2);
    const before = workers.map(sockets);
    // Streams until each serving worker holds one (the kernel picks the worker per connection).
    const streams = [];
    while (workers.some((pid, i) => sockets(pid) <= (before[i] as number))) {
      expect(streams.length, "streams opened without reaching both workers").toBeLessThan(40);
      streams.push(await acmeStream());
    }
    const stopped = () => (small.nginx.log().match(/stopped draining worker/g) ?? []).length;
    const stoppedBefore = stopped();
    process.kill(master, "SIGQUIT");
    await waitFor(
      "both workers shutting down",
      () => workers.every((pid) => cmdline(pid).includes("shutting down")),
      15_000,
      100,
    );
    // Two draining workers against one kept, for three polls: nginx is quitting, none is stopped.
    await new Promise((resolve) => setTimeout(resolve, 3500));
    for (const [i, stream] of streams.entries())
      expect(await carries(stream, `quitting ${i}`)).toBe(`data: quitting ${i}\n\n`);
    expect(stopped()).toBe(stoppedBefore);
    for (const stream of streams) stream.server.end();
  }, 60_000);
});
