/**
 * A tenant stand-in for the edge bench that costs as little CPU as it can: on raw sockets, it
 * answers every HTTP/1.1 request with the same bytes nginx's `return 200` floor sends
 * (`{"tenant":"<id>"}` as JSON with `X-Tenant` and `Content-Length`).
 *
 * The bench's proxies, its load client and the tenants share the machine's cores; Node's HTTP
 * server spent about as much CPU per request as the proxy under test, and that contention showed
 * up in the proxy's own CPU per request. Tenant apps run on other nodes in a cluster, so the
 * stand-in should take as little from the proxy as the load client does (bench/load.ts). What it
 * does: keep-alive, pipelined requests, request bodies by `Content-Length` (skipped), `Connection:
 * close`, and an idle connection closed after 5 s as Node's default `keepAliveTimeout` does. A
 * chunked request body is answered 501 and the connection closed. The edge suites use the full
 * `FakeTenant` (testkit/edge/tenants.ts) instead: streams, WebSockets, echoes.
 */
import { createServer, type Server, type Socket } from "node:net";

/** Node's default `keepAliveTimeout`, as a tenant app would run. */
const LEAN_TENANT_IDLE_MS = 5000;

const HEAD_END = Buffer.from("\r\n\r\n");
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)[ \t]*\r?$/im;
const CHUNKED = /\r\ntransfer-encoding:[^\r]*chunked/i;
const CLOSE = /\r\nconnection:[^\r]*\bclose\b/i;

/** The bytes answered for every request to tenant `id`. */
export function leanTenantAnswer(id: string): Buffer {
  const body = JSON.stringify({ tenant: id });
  return Buffer.from(
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" +
      `X-Tenant: ${id}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    "latin1",
  );
}

const NOT_IMPLEMENTED = Buffer.from(
  "HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
  "latin1",
);

/** Answers the requests on one connection. */
function serveConnection(socket: Socket, answer: Buffer): void {
  let pending: Buffer = Buffer.alloc(0);
  /** Body bytes of the current request still to skip. */
  let bodyLeft = 0;
  socket.setNoDelay(true);
  socket.setTimeout(LEAN_TENANT_IDLE_MS, () => socket.destroy());
  socket.on("error", () => socket.destroy());
  socket.on("data", (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    const out: Buffer[] = [];
    let close = false;
    while (!close) {
      if (bodyLeft > 0) {
        const skipped = Math.min(bodyLeft, pending.length);
        bodyLeft -= skipped;
        pending = pending.subarray(skipped);
        if (bodyLeft > 0) break;
      }
      const headEnd = pending.indexOf(HEAD_END);
      if (headEnd < 0) break;
      const head = pending.toString("latin1", 0, headEnd);
      pending = pending.subarray(headEnd + HEAD_END.length);
      if (CHUNKED.test(head)) {
        out.push(NOT_IMPLEMENTED);
        close = true;
        break;
      }
      bodyLeft = Number(CONTENT_LENGTH.exec(head)?.[1] ?? 0);
      out.push(answer);
      close = CLOSE.test(head);
    }
    if (out.length > 0) socket.write(out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out));
    if (close) socket.end();
  });
}

/** Listens on `ip:port` as tenant `id`; resolves once listening, rejects with the socket error. */
export function startLeanTenant(id: string, ip: string, port: number): Promise<Server> {
  const answer = leanTenantAnswer(id);
  const server = createServer((socket) => serveConnection(socket, answer));
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, ip, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}
