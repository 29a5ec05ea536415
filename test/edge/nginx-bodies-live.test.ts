/**
 * What the edge's proxying does to bodies, on the real nginx with the shipped config: large
 * responses and uploads pass byte for byte (past every nginx buffer, none spooled to disk), a
 * small JSON answer keeps its length, and a stream of any kind (SSE with or without the client
 * asking for it, NDJSON) reaches the client one piece at a time while the tenant holds the
 * response open; so does a request body, to the tenant, over HTTP/1.1 and HTTP/2. No assertion
 * is about time: each piece is sent only after the previous one arrived, so a piece held back by
 * the edge would stall the test instead of passing it. A tenant cannot make the edge spool its
 * answer to disk for a client that does not read it, nor a client its body.
 */
import { createHash } from "node:crypto";
import { once } from "node:events";
import { readdirSync, readlinkSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { connect as http2Connect } from "node:http2";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { edgeHttpsBytes, openStream } from "../../testkit/edge/client";
import { type Edge, startEdge } from "../../testkit/edge/edge-fixture";
import { childPids } from "../../testkit/edge/nginx";
import { freePort, sleep, waitFor } from "../../testkit/edge/ports";

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
  if (url === "/trickle") {
    trickle(req, res);
    return;
  }
  if (url === "/sse" || url === "/ndjson" || url === "/sse-buffer-me") {
    res.writeHead(200, {
      "content-type": url === "/ndjson" ? "application/x-ndjson" : "text/event-stream",
      // A tenant asking the edge to buffer its stream: ignored, so it streams all the same.
      ...(url === "/sse-buffer-me" ? { "x-accel-buffering": "yes" } : {}),
    });
    res.flushHeaders();
    const waiter = streamWaiters.shift();
    if (waiter) waiter(res);
    else streams.push(res);
    return;
  }
  if (url === "/buffer-me") {
    bufferMe(res);
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

/** What the tenant has received of the last `/trickle` body, as it arrives. */
let trickled = { bytes: 0 };

/** Takes a body as it comes, counting it; answers its length and hash at its end. */
function trickle(req: IncomingMessage, res: ServerResponse): void {
  const progress = { bytes: 0 };
  trickled = progress;
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => {
    chunks.push(c);
    progress.bytes += c.length;
  });
  req.on("end", () => {
    const all = Buffer.concat(chunks);
    const body = JSON.stringify({ bytes: all.length, sha256: sha256(all) });
    res.writeHead(200, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
    });
    res.end(body);
  });
}

/** Past any socket buffers between the tenant, nginx and a client that reads nothing. */
const SPOOL_TRY = 64 * 1024 * 1024;
/** How far the tenant got with its last `/buffer-me` answer. */
let bufferMeSent = { bytes: 0, finished: false };

/** A large answer asking the edge to buffer it (`X-Accel-Buffering: yes`), sent as fast as taken. */
function bufferMe(res: ServerResponse): void {
  const progress = { bytes: 0, finished: false };
  bufferMeSent = progress;
  res.writeHead(200, {
    "content-type": "application/octet-stream",
    "content-length": SPOOL_TRY,
    "x-accel-buffering": "yes",
  });
  const chunk = Buffer.alloc(1024 * 1024, 120);
  const pump = () => {
    while (progress.bytes < SPOOL_TRY) {
      progress.bytes += chunk.length;
      if (!res.write(chunk)) return void res.once("drain", pump);
    }
    res.end(() => (progress.finished = true));
  };
  pump();
}

let edge: Edge;
let server: Server;

let tenantPort: number;

beforeAll(async () => {
  tenantPort = await freePort();
  server = createServer(tenant);
  server.listen(tenantPort, "127.0.0.1");
  await once(server, "listening");
  edge = await startEdge({
    environment: "dev",
    domain: DOMAIN,
    tenants: [{ id: "bodies", missing: true, address: "127.0.0.1", port: tenantPort }],
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

/**
 * Sizes of the files `on`'s workers hold open in one of its temp folders: `proxy` (a response
 * spooled to disk), `client_body` (a request body). nginx unlinks such a file as soon as it is
 * created, so it is found through the workers' open descriptors.
 */
function openTempFiles(on: Edge, name: "proxy" | "client_body"): number[] {
  const folder = `${join(on.dir, name)}/`;
  const sizes: number[] = [];
  for (const pid of childPids(on.nginx.pid)) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith(folder))
          sizes.push(statSync(`/proc/${pid}/fd/${fd}`).size);
      } catch {
        // closed meanwhile
      }
    }
  }
  return sizes;
}
/** Bytes `on`'s workers hold in proxy temp files. */
const spooledBytes = (on: Edge) => openTempFiles(on, "proxy").reduce((a, b) => a + b, 0);
const spooled = () => spooledBytes(edge);

/** A request body the test sends piece by piece, and the answer once it is whole. */
interface Upload {
  write(piece: Buffer): void;
  readonly answer: Promise<{ status: number; body: string }>;
  close(): void;
}

/** POST /trickle of `length` bytes over HTTP/1.1 (its Content-Length sent first). */
function http1Upload(length: number): Upload {
  const socket = tlsConnect({
    host: "127.0.0.1",
    port: edge.ports.https,
    servername: HOST,
    ca: edge.certificate.pem,
    ALPNProtocols: ["http/1.1"],
  });
  socket.write(
    `POST /trickle HTTP/1.1\r\nHost: ${HOST}\r\nContent-Type: application/octet-stream\r\n` +
      `Content-Length: ${length}\r\nConnection: close\r\n\r\n`,
  );
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    let received = "";
    socket.on("data", (d: Buffer) => (received += d.toString("utf8")));
    socket.on("error", reject);
    socket.on("end", () => {
      const [head = "", body = ""] = received.split("\r\n\r\n");
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), body });
    });
  });
  return { write: (piece) => socket.write(piece), answer, close: () => socket.destroy() };
}

/** POST /trickle of `length` bytes as one HTTP/2 stream. */
function http2Upload(length: number): Upload {
  const session = http2Connect(`https://127.0.0.1:${edge.ports.https}`, {
    ca: edge.certificate.pem,
    servername: HOST,
  });
  session.on("error", () => undefined);
  const stream = session.request({
    ":method": "POST",
    ":path": "/trickle",
    ":authority": HOST,
    "content-type": "application/octet-stream",
    "content-length": String(length),
  });
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    let status = 0;
    let body = "";
    stream.on("response", (headers) => (status = Number(headers[":status"])));
    stream.on("data", (d: Buffer) => (body += d.toString("utf8")));
    stream.on("error", reject);
    stream.on("end", () => resolve({ status, body }));
  });
  return { write: (piece) => stream.write(piece), answer, close: () => session.destroy() };
}

/**
 * Asks `on` for `/buffer-me` from a client that never reads, waits until the tenant's sending
 * stops (held back by the edge) or ends (all of it taken), and returns what the edge then holds
 * on disk and how far the tenant got.
 */
async function nonReadingClient(on: Edge): Promise<{ spooled: number; tenantFinished: boolean }> {
  const socket = tlsConnect({
    host: "127.0.0.1",
    port: on.ports.https,
    servername: HOST,
    rejectUnauthorized: false,
  });
  socket.on("error", () => undefined);
  bufferMeSent = { bytes: 0, finished: false };
  try {
    await new Promise<void>((resolve) =>
      socket.once("secureConnect", () => {
        socket.write(`GET /buffer-me HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`);
        // Reads nothing from now on.
        socket.pause();
        resolve();
      }),
    );
    let last = -1;
    for (let i = 0; i < 100 && !bufferMeSent.finished; i++) {
      await sleep(300);
      if (bufferMeSent.bytes === last && last > 0) break;
      last = bufferMeSent.bytes;
    }
    return { spooled: spooledBytes(on), tenantFinished: bufferMeSent.finished };
  } finally {
    socket.destroy();
  }
}

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
    expect(spooled()).toBe(0);
  });

  it("spools nothing for a client that reads nothing, though the tenant asks for buffering: the tenant is held back", async () => {
    // The red team's case: obeyed, with no cap on temp files, nginx read the whole 64 MiB into a
    // temp file (1 GiB a request by default) and the tenant finished; three such clients held
    // 3 GiB of the pod's temp volume. Either fix alone keeps it off the disk; the streaming test
    // above fails without the first, the next test without the second.
    const result = await nonReadingClient(edge);
    expect(result).toEqual({ spooled: 0, tenantFinished: false });
    expect(bufferMeSent.bytes).toBeLessThan(SPOOL_TRY);
  });

  it("spools nothing to disk even with buffering on (proxy_max_temp_file_size 0)", async () => {
    // The same edge with the tenant's X-Accel-Buffering obeyed again: buffering is on, and only
    // the temp-file cap keeps the answer off the disk.
    const buffering = await startEdge({
      environment: "dev",
      domain: DOMAIN,
      tenants: [{ id: "bodies", missing: true, address: "127.0.0.1", port: tenantPort }],
      transformConfig: (config) => {
        const obeyed = config.replace(" X-Accel-Buffering;", ";");
        expect(obeyed).not.toBe(config);
        return obeyed;
      },
    });
    try {
      expect(await nonReadingClient(buffering)).toEqual({ spooled: 0, tenantFinished: false });
    } finally {
      await buffering.close();
    }
  });

  for (const [protocol, upload] of [
    ["HTTP/1.1", http1Upload],
    ["HTTP/2", http2Upload],
  ] as const)
    it(`streams a large ${protocol} upload sent slowly to the tenant as it arrives, writing nothing to client_body_temp_path`, async () => {
      // The red team's case: buffered, nginx read a body whole before asking the tenant, all of
      // it past 16 KiB in an unlinked temp file that the emptyDir's du-based sizeLimit never
      // counted, so keyless clients filled the node's disk, 10 MiB per request held open.
      const PIECE = 256 * 1024;
      const PIECES = 12;
      const body = pattern(PIECE * PIECES);
      const client = upload(body.length);
      try {
        for (let i = 1; i <= PIECES; i++) {
          client.write(body.subarray((i - 1) * PIECE, i * PIECE));
          // The next piece is sent only once the tenant has this one: a body the edge held back
          // until it is whole would stall here.
          await waitFor(
            `piece ${i} of ${PIECES} at the tenant`,
            () => trickled.bytes === i * PIECE,
            10_000,
            20,
          ).catch((error: unknown) => {
            const open = openTempFiles(edge, "client_body");
            throw new Error(`${String(error)}; client_body temp files open: [${open.join(", ")}]`);
          });
          expect(openTempFiles(edge, "client_body")).toEqual([]);
          expect(readdirSync(join(edge.dir, "client_body"))).toEqual([]);
          await sleep(50);
        }
        const answer = await client.answer;
        expect(answer.status).toBe(200);
        expect(JSON.parse(answer.body)).toEqual({ bytes: body.length, sha256: sha256(body) });
      } finally {
        client.close();
      }
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
    ["/sse-buffer-me", "text/event-stream", undefined],
  ] as const) {
    const who = accept
      ? " to a client that asks for it"
      : " to a client that does not say it wants a stream";
    it(`streams ${contentType} piece by piece${path === "/sse-buffer-me" ? " when the tenant asks for buffering (X-Accel-Buffering: yes)" : who}`, async () => {
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
          const text = path === "/ndjson" ? `${JSON.stringify({ piece })}\n` : `data: ${piece}\n\n`;
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
