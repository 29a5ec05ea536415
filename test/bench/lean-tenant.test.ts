/** The edge bench's lean tenant stand-in, spoken to over real sockets. */
import { connect, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { leanTenantAnswer, startLeanTenant } from "../../bench/lean-tenant";
import { freePort } from "../../testkit/edge/ports";

let server: Server;
let port: number;

beforeAll(async () => {
  port = await freePort();
  server = await startLeanTenant("acme", "127.0.0.1", port);
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Sends `parts` one write each on one connection; resolves with all it read until it closed. */
function exchange(parts: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, "127.0.0.1");
    let received = "";
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
    });
    socket.on("end", () => resolve(received));
    socket.on("error", reject);
    socket.on("connect", () => {
      for (const part of parts) socket.write(part);
    });
  });
}

const ANSWER = leanTenantAnswer("acme").toString("latin1");

describe("lean tenant stand-in", () => {
  it("answers what nginx's return 200 floor answers", () => {
    expect(ANSWER).toBe(
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Tenant: acme\r\n" +
        'Content-Length: 17\r\n\r\n{"tenant":"acme"}',
    );
  });

  it("answers pipelined requests in order on one kept-alive connection, skipping bodies", async () => {
    const get = "GET /a HTTP/1.1\r\nHost: acme.example.com\r\n\r\n";
    // The body looks like a request of its own: only its length says it is not.
    const body = "GET /x HTTP/1.1\r\nHost: x.example.com\r\n\r\n";
    const post = `POST /b HTTP/1.1\r\nHost: acme.example.com\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const last = "GET /c HTTP/1.1\r\nHost: acme.example.com\r\nConnection: close\r\n\r\n";
    // The POST arrives in two writes, its body split; the stand-in closes after the last.
    const received = await exchange([get, post.slice(0, 70), post.slice(70), get, last]);
    expect(received).toBe(ANSWER.repeat(4));
  });

  it("closes after answering a request that asks for it", async () => {
    const received = await exchange([
      "GET / HTTP/1.1\r\nHost: acme.example.com\r\nConnection: close\r\n\r\n",
      "GET /never HTTP/1.1\r\nHost: acme.example.com\r\n\r\n",
    ]);
    expect(received).toBe(ANSWER);
  });

  it("refuses a chunked body with 501 and closes", async () => {
    const received = await exchange([
      "POST / HTTP/1.1\r\nHost: acme.example.com\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    ]);
    expect(received).toBe(
      "HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
  });
});
