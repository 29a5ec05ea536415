/**
 * Route-table changes without restarts, on the real nginx run by the edge's own entry script
 * (as the container runs it): the route table file is swapped in place as the kubelet swaps a
 * ConfigMap volume, the script notices, checks it with `nginx -t` and reloads gracefully. Open
 * SSE and WebSocket streams must run to completion across tenant additions and a removal, a new
 * tenant must answer within seconds, and a table nginx refuses must never replace a good one.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { LookupFunction } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { edgeHttps, openStream, type OpenStream } from "./support/client";
import { type Edge, startEdge } from "./support/edge-fixture";
import { childPids } from "./support/nginx";
import { waitFor } from "./support/ports";
import type { SseStream } from "./support/tenants";

const DOMAIN = "dev.example.test";
const FIRST = ["acme", "globex", "leaving"];
const ADDED = ["initech", "umbrella", "hooli"];

let edge: Edge;

beforeAll(async () => {
  edge = await startEdge({
    environment: "dev",
    domain: DOMAIN,
    tenants: [...FIRST.map((id) => ({ id })), ...ADDED.map((id) => ({ id, later: true }))],
    entrypoint: { pollSeconds: 1 },
  });
}, 30_000);

afterAll(async () => {
  await edge?.close();
});

const statusOf = async (id: string) => {
  try {
    const res = await edgeHttps({
      port: edge.ports.https,
      host: `${id}.${DOMAIN}`,
      ca: edge.certificate.pem,
    });
    return res.status === 200
      ? `200 ${(JSON.parse(res.body) as { tenant: string }).tenant}`
      : `${res.status}`;
  } catch (error) {
    return String(error);
  }
};
const loopback: LookupFunction = (_host, options, callback) => {
  if (options.all) callback(null, [{ address: "127.0.0.1", family: 4 }]);
  else callback(null, "127.0.0.1", 4);
};
/** The nginx master (the entry script's nginx child): the same pid means nothing restarted. */
const master = () => Number(readFileSync(join(edge.dir, "nginx.pid"), "utf8").trim());

interface Sse {
  readonly tenant: string;
  readonly client: OpenStream;
  readonly server: SseStream;
  readonly received: string[];
}

interface Ws {
  readonly tenant: string;
  readonly socket: WebSocket;
  readonly received: string[];
  closed?: number;
}

async function openSse(tenant: string): Promise<Sse> {
  const server = edge.fleet.get(tenant).nextSse();
  const client = await openStream({
    port: edge.ports.https,
    host: `${tenant}.${DOMAIN}`,
    path: "/sse",
    ca: edge.certificate.pem,
  });
  return { tenant, client, server: await server, received: [] };
}

async function openWs(tenant: string): Promise<Ws> {
  const socket = new WebSocket(`wss://${tenant}.${DOMAIN}:${edge.ports.https}/ws`, {
    lookup: loopback,
    ca: edge.certificate.pem,
  });
  const ws: Ws = { tenant, socket, received: [] };
  socket.on("message", (m: WebSocket.RawData) =>
    ws.received.push(
      Buffer.isBuffer(m) ? m.toString("utf8") : Buffer.from(m as ArrayBuffer).toString("utf8"),
    ),
  );
  socket.on("close", (code) => (ws.closed = code));
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  await waitFor("WebSocket greeting", () => ws.received.length >= 1, 3000);
  return ws;
}

describe("route table changes on the running edge", () => {
  it("takes three additions and a removal by graceful reloads, cutting no open stream", async () => {
    const pid = master();
    const sse = [await openSse("acme"), await openSse("globex")];
    const ws = [await openWs("acme"), await openWs("globex")];
    let step = 0;
    /** One more event on every stream, each checked to arrive intact. */
    const exchange = async () => {
      step++;
      for (const s of sse) {
        s.server.send(`step ${step}`);
        s.received.push(await s.client.next(3000));
      }
      for (const w of ws) {
        w.socket.send(`step ${step}`);
        await waitFor(
          `WebSocket echo ${step}`,
          () => w.received.includes(`${w.tenant}:step ${step}`),
          3000,
        );
      }
    };
    await exchange();

    const ids = [...FIRST];
    const waits: number[] = [];
    const changes = [...ADDED.map((id) => ({ add: id })), { remove: "leaving" }] as const;
    for (const change of changes) {
      if ("add" in change) {
        expect(await statusOf(change.add)).toBe("404");
        ids.push(change.add);
      } else {
        ids.splice(ids.indexOf(change.remove), 1);
      }
      const started = Date.now();
      edge.writeRoutes(edge.renderFor(ids));
      const id = "add" in change ? change.add : change.remove;
      const want = "add" in change ? `200 ${id}` : "404";
      await waitFor(
        `${id} to answer ${want}`,
        async () => (await statusOf(id)) === want,
        15_000,
        100,
      );
      waits.push(Date.now() - started);
      await exchange();
    }

    // Streams end when their tenants end them, not before.
    for (const s of sse) s.server.end();
    await Promise.all(sse.map((s) => s.client.ended));
    for (const w of ws) w.socket.close(1000, "done");
    await waitFor("WebSockets closed", () => ws.every((w) => w.closed !== undefined), 3000);

    const cut = [
      ...sse.filter((s) => s.received.length !== step),
      ...ws.filter((w) => w.closed !== 1000 || !w.received.includes(`${w.tenant}:step ${step}`)),
    ];
    expect(cut).toEqual([]);
    for (const s of sse)
      expect(s.received).toEqual(Array.from({ length: step }, (_, i) => `data: step ${i + 1}\n\n`));
    // Reloads, never a restart: the same master, four tables taken.
    expect(master()).toBe(pid);
    expect(edge.nginx.log().match(/taken with a graceful reload/g)).toHaveLength(4);
    // Everyone still routed; the removed tenant gone.
    for (const id of ["acme", "globex", ...ADDED]) expect(await statusOf(id)).toBe(`200 ${id}`);
    expect(await statusOf("leaving")).toBe("404");
    console.info(`route changes answered after ${waits.join(", ")} ms (poll every 1 s)`);
  }, 90_000);

  it("never takes a table nginx refuses, and keeps serving the last good one", async () => {
    const pid = master();
    const workers = childPids(pid);
    const good = edge.renderFor(["acme", "globex", ...ADDED]);
    // A broken table: an upstream whose name does not resolve fails `nginx -t`.
    edge.writeRoutes(good.replace(/server 127\.0\.1\.\d+:/, "server no-such-service.invalid:"));
    await waitFor("the refusal", () => /refused by nginx -t/.test(edge.nginx.log()), 15_000, 100);
    expect(childPids(pid)).toEqual(workers);
    for (const id of ["acme", "hooli"]) expect(await statusOf(id)).toBe(`200 ${id}`);

    edge.writeRoutes(edge.renderFor(["acme", "globex", ...ADDED, "leaving"]));
    await waitFor(
      "the fixed table",
      async () => (await statusOf("leaving")) === "200 leaving",
      15_000,
      100,
    );
    expect(master()).toBe(pid);
  }, 60_000);
});
