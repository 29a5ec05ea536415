/**
 * Route-table changes on a running edge with streams open: SSE and WebSocket streams are opened
 * on some tenants, then tenants are added and removed one at a time by swapping the route table
 * file (as the kubelet swaps a ConfigMap volume) and waiting until the change answers; after each
 * change every stream carries one more event. At the end the tenants end their SSE streams and
 * the clients close their WebSockets normally. Used by the live test and by the bench.
 */
import { readFileSync } from "node:fs";
import type { LookupFunction } from "node:net";
import { join } from "node:path";
import WebSocket from "ws";
import { edgeHttps, openStream, type OpenStream } from "./client";
import type { Edge } from "./edge-fixture";
import { waitFor } from "./ports";
import type { SseStream } from "./tenants";

export interface RouteChangePlan {
  /** Tenants in the route table at the start. */
  readonly initial: readonly string[];
  /** Tenants (served by the fixture's own servers) that carry one SSE and one WebSocket each. */
  readonly streamsOn: readonly string[];
  /** Changes, in order. */
  readonly changes: readonly ({ readonly add: string } | { readonly remove: string })[];
}

export interface RouteChangeResult {
  readonly streams: number;
  /** Streams that did not carry every event and end normally. */
  readonly cut: readonly string[];
  /** Events each stream carried. */
  readonly events: number;
  /** Per change: ms from the file swap until the change answered. */
  readonly answeredAfterMs: readonly number[];
  /** The nginx master's pid did not change. */
  readonly sameMaster: boolean;
}

const loopback: LookupFunction = (_host, options, callback) => {
  if (options.all) callback(null, [{ address: "127.0.0.1", family: 4 }]);
  else callback(null, "127.0.0.1", 4);
};

/** What a host answers: `200 <tenant>`, another status, or the error. */
export async function answerOf(edge: Edge, id: string): Promise<string> {
  try {
    const res = await edgeHttps({
      port: edge.ports.https,
      host: `${id}.${edge.options.domain}`,
      ca: edge.certificate.pem,
    });
    return res.status === 200
      ? `200 ${(JSON.parse(res.body) as { tenant: string }).tenant}`
      : `${res.status}`;
  } catch (error) {
    return String(error);
  }
}

/** The nginx master's pid, from its pid file. */
export function masterPid(edge: Edge): number {
  return Number(readFileSync(join(edge.dir, "nginx.pid"), "utf8").trim());
}

export async function runRouteChanges(
  edge: Edge,
  plan: RouteChangePlan,
): Promise<RouteChangeResult> {
  const domain = edge.options.domain;
  const pid = masterPid(edge);
  // `dead` says why a stream stopped carrying events; it then takes no further part.
  const sse: {
    tenant: string;
    client: OpenStream;
    server: SseStream;
    received: string[];
    dead?: string;
  }[] = [];
  const ws: {
    tenant: string;
    socket: WebSocket;
    received: string[];
    closed?: number;
    dead?: string;
  }[] = [];
  try {
    for (const tenant of plan.streamsOn) {
      const server = edge.fleet.get(tenant).nextSse();
      const client = await openStream({
        port: edge.ports.https,
        host: `${tenant}.${domain}`,
        path: "/sse",
        ca: edge.certificate.pem,
      });
      sse.push({ tenant, client, server: await server, received: [] });

      const socket = new WebSocket(`wss://${tenant}.${domain}:${edge.ports.https}/ws`, {
        lookup: loopback,
        ca: edge.certificate.pem,
      });
      const wsStream: (typeof ws)[number] = { tenant, socket, received: [] };
      socket.on("message", (message: WebSocket.RawData) =>
        wsStream.received.push(
          Buffer.isBuffer(message)
            ? message.toString("utf8")
            : Buffer.from(message as ArrayBuffer).toString("utf8"),
        ),
      );
      socket.on("close", (code) => (wsStream.closed = code));
      await new Promise<void>((resolve, reject) => {
        socket.once("open", () => resolve());
        socket.once("error", reject);
      });
      ws.push(wsStream);
    }

    let step = 0;
    const exchange = async () => {
      step++;
      for (const sseStream of sse.filter((x) => x.dead === undefined)) {
        try {
          sseStream.server.send(`step ${step}`);
          sseStream.received.push(await sseStream.client.next(5000));
        } catch (error) {
          sseStream.dead = `step ${step}: ${String(error)}`;
        }
      }
      for (const wsStream of ws.filter((x) => x.dead === undefined)) {
        try {
          wsStream.socket.send(`step ${step}`);
          await waitFor(
            `WebSocket echo ${step}`,
            () => wsStream.received.includes(`${wsStream.tenant}:step ${step}`),
            5000,
          );
        } catch (error) {
          wsStream.dead = `step ${step}: ${String(error)}`;
        }
      }
    };
    await exchange();

    const ids = [...plan.initial];
    const answeredAfterMs: number[] = [];
    for (const change of plan.changes) {
      const id = "add" in change ? change.add : change.remove;
      if ("add" in change) ids.push(id);
      else ids.splice(ids.indexOf(id), 1);
      const want = "add" in change ? `200 ${id}` : "404";
      const started = Date.now();
      edge.writeRoutes(edge.renderFor(ids));
      await waitFor(
        `${id} to answer ${want}`,
        async () => (await answerOf(edge, id)) === want,
        20_000,
        100,
      );
      answeredAfterMs.push(Date.now() - started);
      await exchange();
    }

    for (const sseStream of sse) sseStream.server.end();
    const ended = (sseStream: (typeof sse)[number]) =>
      Promise.race([
        sseStream.client.ended.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5000)),
      ]);
    for (const sseStream of sse)
      if (!(await ended(sseStream)) && sseStream.dead === undefined) sseStream.dead = "never ended";
    for (const wsStream of ws) wsStream.socket.close(1000, "done");
    await waitFor("WebSockets closed", () => ws.every((w) => w.closed !== undefined), 5000).catch(
      () => undefined,
    );
    const expected = Array.from({ length: step }, (_, i) => `data: step ${i + 1}\n\n`);
    const cut = [
      ...sse
        .filter(
          (s) => s.dead !== undefined || JSON.stringify(s.received) !== JSON.stringify(expected),
        )
        .map((s) => `SSE ${s.tenant}: ${s.received.length}/${step} events ${s.dead ?? ""}`),
      ...ws
        .filter(
          (wsStream) =>
            wsStream.dead !== undefined ||
            wsStream.closed !== 1000 ||
            !wsStream.received.includes(`${wsStream.tenant}:step ${step}`),
        )
        .map((w) => `WebSocket ${w.tenant}: closed ${w.closed} ${w.dead ?? ""}`),
    ];
    return {
      streams: sse.length + ws.length,
      cut,
      events: step,
      answeredAfterMs,
      sameMaster: masterPid(edge) === pid,
    };
  } finally {
    for (const sseStream of sse) sseStream.client.close();
    for (const wsStream of ws) wsStream.socket.terminate();
  }
}
