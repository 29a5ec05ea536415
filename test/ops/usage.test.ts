import { describe, expect, it } from "vitest";
import type { AccessEntry } from "../../ops/plans/access-log";
import { usage } from "../../ops/commands/usage";
import { parseQuantity } from "../../ops/adapters/kube-metrics";
import { aggregateTraffic, percentile } from "../../ops/plans/usage";
import { FakeLogs, FakeMetrics, testContext } from "../../testkit/ops/fakes";
import { devStack } from "./support/fixtures";
import { MemoryEngine } from "../../testkit/ops/memory-engine";

const entry = (tenant: string, status: number, seconds: number, bytes = 100): AccessEntry => ({
  time: new Date("2026-11-22T09:00:00Z"),
  tenant,
  host: `${tenant}.dev.example.com`,
  method: "GET",
  path: "/",
  status,
  requestTime: seconds,
  bytesSent: bytes,
  requestId: "r",
  client: "198.51.100.4",
});

describe("percentile", () => {
  it.each([
    [[], 50, undefined],
    [[7], 99, 7],
    [[1, 2, 3, 4], 50, 2],
    [[1, 2, 3, 4], 99, 4],
    [Array.from({ length: 100 }, (_, i) => i + 1), 99, 99],
    [Array.from({ length: 100 }, (_, i) => i + 1), 50, 50],
  ])("%j p%d → %s", (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });
});

describe("parseQuantity", () => {
  it.each([
    ["250m", 0.25],
    ["12345678n", 0.012345678],
    ["2", 2],
    ["512Mi", 512 * 1024 ** 2],
    ["100Ki", 102_400],
    ["1G", 1e9],
    ["1500000u", 1.5],
    [".5", 0.5],
    // Rounded once, so exactly the nearest number: rounding three times gave 4611686020.999999
    // and 0.021323107647300003.
    ["4611686021", 4611686021],
    ["21323107.6473n", 0.0213231076473],
  ])("%s → %d", (text, value) => {
    expect(parseQuantity(text)).toBe(value);
  });
  it("refuses what is not a quantity", () => {
    expect(() => parseQuantity("lots")).toThrow(
      'quantity "lots": must be a Kubernetes quantity like',
    );
    expect(() => parseQuantity("1e9")).toThrow(/no exponent such as 1e9/);
  });
});

describe("aggregateTraffic", () => {
  it("counts per tenant, keeps idle tenants, puts unknown hosts last", () => {
    const rows = aggregateTraffic(
      [
        entry("acme", 200, 0.01),
        entry("acme", 502, 0.002),
        entry("acme", 200, 0.03),
        entry("acme", 404, 0.02),
        entry("", 404, 0.001, 60),
        entry("retired", 200, 0.5),
      ],
      ["acme", "globex"],
    );
    expect(rows).toEqual([
      {
        tenant: "acme",
        requests: 4,
        errors: 1,
        errorRate: 0.25,
        p50Ms: 10,
        p99Ms: 30,
        bytesSent: 400,
      },
      {
        tenant: "globex",
        requests: 0,
        errors: 0,
        errorRate: 0,
        p50Ms: undefined,
        p99Ms: undefined,
        bytesSent: 0,
      },
      {
        tenant: "retired",
        requests: 1,
        errors: 0,
        errorRate: 0,
        p50Ms: 500,
        p99Ms: 500,
        bytesSent: 100,
      },
      { tenant: "", requests: 1, errors: 0, errorRate: 0, p50Ms: 1, p99Ms: 1, bytesSent: 60 },
    ]);
  });
});

describe("usage command", () => {
  const line = (tenant: string, status: number, seconds: number, bytes: number) =>
    JSON.stringify({
      time: "2026-11-22T09:00:00Z",
      tenant,
      host: `${tenant}.dev.example.com`,
      method: "GET",
      path: "/",
      status,
      request_time: seconds,
      upstream_response_time: String(seconds),
      bytes_sent: bytes,
      request_length: 100,
      request_id: "r",
      client: "198.51.100.4",
    });

  function setup(metrics = new FakeMetrics()) {
    const logs = new FakeLogs(
      {
        "dev-edge app.kubernetes.io/name=management-proxy": [
          { name: "proxy-a", containers: ["nginx"] },
          { name: "proxy-b", containers: ["nginx"] },
        ],
      },
      {
        "proxy-a": [
          `${line("acme", 200, 0.012, 2048)}\n${line("acme", 503, 0.001, 90)}\n2026/11/22 [error] x\n`,
        ],
        "proxy-b": [`${line("globex", 200, 0.2, 1024)}\n`],
      },
    );
    return testContext(new MemoryEngine({ dev: devStack() }), { logs, metrics });
  }

  it("prints a row per tenant from every proxy pod's log in the window", async () => {
    const ctx = setup(
      new FakeMetrics({
        "dev-tenant-acme": { cpuMillicores: 120, memoryBytes: 300 * 1024 ** 2 },
        "dev-tenant-globex": { cpuMillicores: 5, memoryBytes: 64 * 1024 ** 2 },
      }),
    );
    expect(await usage(ctx, { stack: "dev", since: 3600, json: false })).toBe(0);
    expect(ctx.logs.streamed.map((s) => [s.pod, s.container, s.options])).toEqual([
      ["proxy-a", "nginx", { follow: false, sinceSeconds: 3600 }],
      ["proxy-b", "nginx", { follow: false, sinceSeconds: 3600 }],
    ]);
    expect(ctx.stdout.lines).toEqual([
      'usage: stack "dev", last 3600 s, 3 requests from 2 proxy pods',
      "TENANT    REQUESTS  5XX    P50     P99     SENT     CPU   MEMORY",
      "acme      2         50.0%  1 ms    12 ms   2.1 KiB  120m  300.0 MiB",
      "big-acme  0         0.0%   -       -       0 B      -     -",
      "globex    1         0.0%   200 ms  200 ms  1.0 KiB  5m    64.0 MiB",
    ]);
  });

  it("--json gives the same figures, and says when there is no metrics API", async () => {
    const ctx = setup();
    expect(await usage(ctx, { stack: "dev", json: true })).toBe(0);
    const doc = JSON.parse(ctx.stdout.text) as {
      sinceSeconds: number;
      tenants: Record<string, unknown>[];
    };
    expect(doc.sinceSeconds).toBe(86_400);
    expect(doc.tenants[0]).toEqual({
      tenant: "acme",
      requests: 2,
      errors: 1,
      errorRate: 0.5,
      p50Ms: 1,
      p99Ms: 12,
      bytesSent: 2138,
      cpuMillicores: null,
      memoryBytes: null,
    });
    const table = setup();
    await usage(table, { stack: "dev", json: false });
    expect(table.stdout.lines.at(-1)).toBe(
      "CPU and memory: no metrics API in this cluster (install metrics-server)",
    );
  });
});
