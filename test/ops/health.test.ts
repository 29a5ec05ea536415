import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  describeFetchError,
  FetchHealthChecker,
  healthUrl,
  mapLimit,
} from "../../ops/adapters/health";
import { isHealthy } from "../../ops/plans/lifecycle";

/** A loopback server: /ok 200, /down 502, /moved 301, /slow never answers within the test's timeout. */
function listen(): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === "/slow") {
      setTimeout(() => res.end("late"), 2000).unref();
      return;
    }
    const status =
      req.url === "/ok" ? 200 : req.url === "/down" ? 502 : req.url === "/moved" ? 301 : 404;
    res.writeHead(status, status === 301 ? { location: "/ok" } : {});
    res.end("body");
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

describe("FetchHealthChecker against a local server", () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = await listen();
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it.each([
    ["/ok", 200],
    ["/down", 502],
    ["/moved", 301],
    ["/missing", 404],
  ])("GET %s → %i with a latency", async (route, status) => {
    const result = await new FetchHealthChecker().check(`${base}${route}`, 2000);
    expect(result.status).toBe(status);
    expect(result.error).toBeUndefined();
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(result.latencyMs).toBeLessThan(2000);
  });

  it("gives up after the timeout", async () => {
    const result = await new FetchHealthChecker().check(`${base}/slow`, 150);
    expect(result).toMatchObject({ error: "no answer within 150 ms" });
    expect(result.status).toBeUndefined();
    expect(result.latencyMs).toBeGreaterThanOrEqual(100);
  });

  it("reports a refused connection", async () => {
    const closed = await listen();
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    const result = await new FetchHealthChecker().check(`http://127.0.0.1:${port}/`, 1000);
    expect(result.error).toBe("connection refused");
  });
});

describe("helpers", () => {
  it.each([
    ["https://a.example.com", "/api/v1/health", "https://a.example.com/api/v1/health"],
    ["https://a.example.com/", "/api/v1/health", "https://a.example.com/api/v1/health"],
    ["http://127.0.0.1:8080/t/acme", "/healthz", "http://127.0.0.1:8080/t/acme/healthz"],
  ])("healthUrl(%s, %s)", (url, p, expected) => {
    expect(healthUrl(url, p)).toBe(expected);
  });

  it.each([
    [{ status: 200, latencyMs: 1 }, true],
    [{ status: 302, latencyMs: 1 }, true],
    [{ status: 404, latencyMs: 1 }, false],
    [{ latencyMs: 1, error: "x" }, false],
  ])("isHealthy(%j) = %s", (result, healthy) => {
    expect(isHealthy(result)).toBe(healthy);
  });

  it.each([
    [{ name: "TimeoutError" }, "no answer within 5 ms"],
    [{ cause: { code: "ENOTFOUND" } }, "name does not resolve (DNS)"],
    [
      { cause: { code: "DEPTH_ZERO_SELF_SIGNED_CERT" } },
      "TLS certificate not trusted (DEPTH_ZERO_SELF_SIGNED_CERT); for a self-signed environment set NODE_EXTRA_CA_CERTS to its CA file",
    ],
    [{ message: "fetch failed", cause: { code: "EPROTO" } }, "EPROTO"],
  ])("describeFetchError(%j)", (error, text) => {
    expect(describeFetchError(error, 5)).toBe(text);
  });

  it("mapLimit keeps order and never runs more than the limit at once", async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, n));
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });
});
