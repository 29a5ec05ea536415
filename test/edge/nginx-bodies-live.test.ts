/**
 * What the edge's proxying does to bodies, on the real nginx with the shipped config: large
 * responses and uploads pass byte for byte (past every nginx buffer, none spooled to disk), a
 * small JSON answer keeps its length, and a stream of any kind (SSE with or without the client
 * asking for it, NDJSON) reaches the client one piece at a time while the tenant holds the
 * response open. No assertion is about time: each piece is sent only after the previous one
 * arrived, so a piece held back by the edge would stall the test instead of passing it.
 */
import { createHash } from "node:crypto";
import { once } from "node:events";
import { readdirSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { edgeHttpsBytes, openStream } from "../../testkit/edge/client";
import { type Edge, startEdge } from "../../testkit/edge/edge-fixture";
import { freePort } from "../../testkit/edge/ports";

const DOMAIN = "dev.example.test";
const HOST = `bodies.${DOMAIN}`;
/** Past nginx's proxy buffers (8 × 4 KiB) and socket buffers many times over. */
const BIG = 6 * 1024 * 1024;

/** A deterministic body of `n` bytes, every byte value in turn. */
const pattern = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + 3) % 256));
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** Open streaming responses, handed to the test in the order requests arrive. */
const streams: ServerResponse[] = [];
const streamWaiters: ((res: ServerResponse) => void)[] = [];
const nextStream = () =>
  new Promise<ServerResponse>((resolve) => {
    const queued = streams.shift();
    if (queued) resolve(queued);
    else streamWaiters.push(resolve);
  });

function tenant(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? "/";
  if (url === "/big") {
    const body = pattern(BIG);
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": BIG });
    res.end(body);
    return;
  }
  if (url === "/upload") {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const all = Buffer.concat(chunks);
      const body = JSON.stringify({ bytes: all.length, sha256: sha256(all) });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(body);
    });
    return;
  }
  if (url === "/sse" || url === "/ndjson") {
    res.writeHead(200, {
      "content-type": url === "/sse" ? "text/event-stream" : "application/x-ndjson",
    });
    res.flushHeaders();
    const waiter = streamWaiters.shift();
    if (waiter) waiter(res);
    else streams.push(res);
    return;
  }
  req.resume();
  if (url === "/steer") {
    // A tenant trying to steer the edge: an internal redirect, a rate and an expiry of its choosing.
    const body = JSON.stringify({ ok: true, steered: false });
    res.writeHead(200, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
      "x-accel-redirect": "/small",
      "x-accel-limit-rate": "1",
      "x-accel-expires": "3600",
    });
    res.end(body);
    return;
  }
  const body = JSON.stringify({ ok: true, url });
  res.writeHead(200, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

let edge: Edge;
let server: Server;

beforeAll(async () => {
  const port = await freePort();
  server = createServer(tenant);
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  edge = await startEdge({
    environment: "dev",
    domain: DOMAIN,
    tenants: [{ id: "bodies", missing: true, address: "127.0.0.1", port }],
  });
}, 30_000);

afterAll(async () => {
  await edge?.close();
  server?.closeAllConnections();
  server?.close();
});

/** One request over TLS, the whole body as bytes. */
function fetchBytes(path: string, options: { method?: string; body?: Buffer } = {}) {
  return edgeHttpsBytes({
    port: edge.ports.https,
    host: HOST,
    ca: edge.certificate.pem,
    path,
    timeoutMs: 30_000,
    ...options,
  });
}

/** Files nginx spooled a response to (none: the edge never buffers to disk). */
const spooled = () => {
  try {
    return readdirSync(join(edge.dir, "proxy"), { recursive: true });
  } catch {
    return [];
  }
};

describe("bodies and streams through the edge on the real nginx", () => {
  it("passes a small JSON answer with its length, byte for byte", async () => {
    const res = await fetchBytes("/small");
    expect(res.status).toBe(200);
    const expected = JSON.stringify({ ok: true, url: "/small" });
    expect(res.body.toString("utf8")).toBe(expected);
    expect(res.headers["content-length"]).toBe(String(Buffer.byteLength(expected)));
  });

  it("never lets a tenant's X-Accel-* headers steer the edge: its own answer, as sent", async () => {
    const res = await fetchBytes("/steer");
    expect(res.status).toBe(200);
    // Obeyed, X-Accel-Redirect would have answered with /small's body instead.
    expect(JSON.parse(res.body.toString("utf8"))).toEqual({ ok: true, steered: false });
    expect(Object.keys(res.headers).filter((h) => h.startsWith("x-accel-"))).toEqual([]);
  });

  it("passes a response many times larger than its buffers intact, without spooling it", async () => {
    const res = await fetchBytes("/big");
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(BIG);
    expect(sha256(res.body)).toBe(sha256(pattern(BIG)));
    expect(spooled()).toEqual([]);
  });

  it("passes a large upload to the tenant intact", async () => {
    const body = pattern(BIG);
    const res = await fetchBytes("/upload", { method: "POST", body });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString("utf8"))).toEqual({ bytes: BIG, sha256: sha256(body) });
  });

  for (const [path, contentType, accept] of [
    ["/sse", "text/event-stream", undefined],
    ["/sse", "text/event-stream", "text/event-stream"],
    ["/ndjson", "application/x-ndjson", undefined],
  ] as const) {
    it(`streams ${contentType} piece by piece${accept ? " to a client that asks for it" : " to a client that does not say it wants a stream"}`, async () => {
      const upstream = nextStream();
      const stream = await openStream({
        port: edge.ports.https,
        host: HOST,
        path,
        ca: edge.certificate.pem,
        ...(accept ? { headers: { accept } } : {}),
      });
      try {
        // The header arrives while the tenant has sent no body yet.
        expect(stream.status).toBe(200);
        expect(stream.headers["content-type"]).toBe(contentType);
        const res = await upstream;
        for (const piece of ["one", "two", "three"]) {
          const text = path === "/sse" ? `data: ${piece}\n\n` : `${JSON.stringify({ piece })}\n`;
          res.write(text);
          // Sent only once the previous piece arrived: a piece held back would stall here.
          expect(await stream.next(5000)).toBe(text);
        }
        res.end();
        await stream.ended;
      } finally {
        stream.close();
      }
    });
  }
});
