/**
 * A tenant's interim answer (1xx) on the real nginx with the shipped config: a tenant that writes
 * `100 Continue` and then a whole response of its own (a cookie for the shared domain, a second
 * response for whatever the client asks next) never has those bytes read as a response. Stock
 * nginx takes the 100 as the final answer and relays the rest unframed; the edge's guard
 * (components/edge/nginx/interim-answers.ts) makes it a 502 whose body carries them.
 */
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { connect as http2Connect } from "node:http2";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INTERIM_REFUSED_HEADER } from "../../components/edge/nginx/interim-answers";
import { edgeHttps } from "../../testkit/edge/client";
import { type Edge, startEdge } from "../../testkit/edge/edge-fixture";
import { freePort, waitFor } from "../../testkit/edge/ports";

const DOMAIN = "dev.example.test";
const HOST = `acme.${DOMAIN}`;

/** What the tenant writes for `/interim`: a 100, its own 200 with a shared cookie, and a spare. */
const FORGED =
  "HTTP/1.1 100 Continue\r\n\r\n" +
  `HTTP/1.1 200 OK\r\nSet-Cookie: sid=planted; Domain=${DOMAIN}; Path=/\r\nContent-Length: 6\r\n\r\nforged` +
  'HTTP/1.1 200 OK\r\nContent-Length: 22\r\n\r\n{"tenant":"injected"}\n';

/** What the tenant writes for `/s101`: a 101 that no client asked for, then a response. */
const FORGED_101 =
  "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n" +
  'HTTP/1.1 200 OK\r\nContent-Length: 22\r\n\r\n{"tenant":"injected"}\n';

/** What the tenant writes, by path, before it closes the connection. */
const FORGED_BY_PATH: Readonly<Record<string, string>> = {
  "/interim": FORGED,
  "/s101": FORGED_101,
};

let edge: Edge;
let tenant: Server;

beforeAll(async () => {
  // A tenant speaking raw HTTP/1.1: `/interim` gets FORGED then the connection closes; anything
  // else an ordinary answer.
  tenant = createServer((socket: Socket) => {
    let head = "";
    socket.on("data", (chunk: Buffer) => {
      head += chunk.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      const path = head.split(" ")[1] ?? "";
      head = "";
      const forged = FORGED_BY_PATH[path];
      if (forged !== undefined) {
        socket.write(forged);
        setTimeout(() => socket.end(), 100);
      } else {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\n{"real":true}');
      }
    });
    socket.on("error", () => undefined);
  });
  const port = await freePort();
  tenant.listen(port, "127.0.0.1");
  await once(tenant, "listening");
  edge = await startEdge({
    environment: "dev",
    domain: DOMAIN,
    tenants: [{ id: "acme", missing: true, address: "127.0.0.1", port }, { id: "globex" }],
  });
}, 30_000);

afterAll(async () => {
  await edge?.close();
  tenant?.close();
});

/** Everything the edge sends on one HTTP/1.1 connection for `requests`, until it closes. */
function rawExchange(requests: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: "127.0.0.1",
      port: edge.ports.https,
      servername: HOST,
      ca: edge.certificate.pem,
    });
    let text = "";
    socket.setTimeout(5000, () => socket.destroy());
    socket.once("secureConnect", () => socket.write(requests));
    socket.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
    socket.on("close", () => resolve(text));
    socket.on("error", reject);
  });
}

const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`;

describe("a tenant's interim answer", () => {
  it("never reaches an HTTP/1.1 client as a response: its bytes follow as a 502's chunked body", async () => {
    const text = await rawExchange(get("/interim"));
    const [head, body] = splitHead(text);
    expect(head.split("\r\n")[0]).toBe("HTTP/1.1 100 Continue");
    expect(head).toContain(`\r\n${INTERIM_REFUSED_HEADER.name}: ${INTERIM_REFUSED_HEADER.value}`);
    expect(head).toContain("\r\nTransfer-Encoding: chunked");
    // What a client reads where it expects the final status line: a chunk size, never the
    // tenant's "HTTP/1.1 200", so none of the tenant's headers is ever read as one.
    expect(body).toMatch(/^[0-9a-f]+\r\nHTTP\/1\.1 200 OK\r\nSet-Cookie: sid=planted/);
  });

  it("takes a 101 to a request that asked for no upgrade as one: what follows is a 502's body", async () => {
    const [head, body] = splitHead(await rawExchange(get("/s101")));
    expect(head.split("\r\n")[0]).toBe("HTTP/1.1 101 Switching Protocols");
    expect(head).toContain(`\r\n${INTERIM_REFUSED_HEADER.name}: ${INTERIM_REFUSED_HEADER.value}`);
    expect(head).toContain("\r\nTransfer-Encoding: chunked");
    // A client reading past the 101 as an interim answer meets a chunk size, not the tenant's.
    expect(body).toMatch(/^[0-9a-f]+\r\nHTTP\/1\.1 200 OK\r\nContent-Length: 22\r\n/);
  });

  it("reaches an HTTP/2 client as a 502 without the tenant's headers", async () => {
    const session = http2Connect(`https://127.0.0.1:${edge.ports.https}`, {
      servername: HOST,
      ca: edge.certificate.pem,
    });
    try {
      const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const stream = session.request({ ":path": "/interim", ":authority": HOST });
        stream.on("response", (h) => resolve(h));
        stream.on("error", reject);
        stream.resume();
        stream.end();
      });
      expect(headers[":status"]).toBe(502);
      expect(headers[INTERIM_REFUSED_HEADER.name.toLowerCase()]).toBe(INTERIM_REFUSED_HEADER.value);
      expect(headers["set-cookie"]).toBeUndefined();
    } finally {
      session.close();
    }
  });

  it("is logged as a 502 whose upstream status is the tenant's 100", async () => {
    await rawExchange(get("/interim"));
    const logged = () =>
      readFileSync(join(edge.dir, "access.log"), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((entry) => entry.path === "/interim" && entry.status === 502);
    await waitFor("the refused answer logged", () => logged().length > 0, 5_000, 100);
    expect(logged()[0]).toMatchObject({ tenant: "acme", status: 502, upstream_status: "100" });
  });

  it("leaves every other answer alone: no error header, the tenant's status and body", async () => {
    const res = await edgeHttps({
      port: edge.ports.https,
      host: HOST,
      path: "/real",
      ca: edge.certificate.pem,
    });
    expect([res.status, res.body, res.headers[INTERIM_REFUSED_HEADER.name.toLowerCase()]]).toEqual([
      200,
      '{"real":true}',
      undefined,
    ]);
  });
});

/** The response head (up to the blank line) and what follows it. */
function splitHead(text: string): [string, string] {
  const at = text.indexOf("\r\n\r\n");
  return [text.slice(0, at), text.slice(at + 4)];
}
