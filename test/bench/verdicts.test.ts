/** The edge bench's verdicts from raw runs: which sides they compare and when they cannot pass. */
import { describe, expect, it } from "vitest";
import type { MeasuredRun, ProxyResult, ReloadRun, SideKey, SideResult } from "../../bench/proxy";
import { edgeVerdict, reloadsPass } from "../../bench/verdicts";

/** One measured run: `rps` answers a second for one second, `cpuUs` proxy CPU per answer. */
function run(rps: number, cpuUs: number, p99Ms: number): MeasuredRun {
  return {
    label: "run",
    ok: rps,
    errors: 0,
    errorSamples: [],
    measuredMs: 1000,
    requestsPerSecond: rps,
    p50Ms: p99Ms / 2,
    p90Ms: p99Ms,
    p99Ms,
    maxMs: p99Ms,
    connectionsOpened: 1,
    clientCpuMs: 0,
    cpuMs: { proxy: (rps * cpuUs) / 1000 },
  };
}

function side(
  key: SideKey,
  rps: number,
  cpuUs: number,
  options: { routed?: number; error?: string; p99Ms?: number } = {},
): SideResult {
  const direct = [run(50_000, 0, 0.1)];
  const measured = options.error === undefined ? [run(rps, cpuUs, options.p99Ms ?? 0.3)] : [];
  return {
    key,
    label: key,
    routed: { ok: options.routed ?? 10, of: 10, samples: [] },
    throughput: { direct, side: measured },
    latency: { direct, side: measured },
    config: "",
    ...(options.error === undefined ? {} : { error: options.error }),
  };
}

function result(sides: SideResult[]): ProxyResult {
  return { sides } as unknown as ProxyResult;
}

const ALL = (): SideResult[] => [
  side("nginx", 20_000, 40),
  side("floor", 40_000, 21),
  side("floor-return", 45_000, 19),
  side("haproxy", 19_000, 50),
  side("haproxy-edge", 17_000, 55),
  side("caddy", 4_000, 280),
];

describe("edgeVerdict", () => {
  it("judges nginx against the fastest peer and its own floor, with return 200 beside", () => {
    const verdict = edgeVerdict(result(ALL()));
    expect(verdict.incomplete).toEqual([]);
    expect(verdict.bestPeer?.key).toBe("haproxy");
    expect(verdict.vsBestPeer).toBeCloseTo(20_000 / 19_000, 6);
    expect(verdict.peersPass).toBe(true);
    expect(verdict.cpuVsFloor).toBeCloseTo(40 / 21, 6);
    expect(verdict.cpuVsReturn).toBeCloseTo(40 / 19, 6);
    expect(verdict.cpuPass).toBe(true);
    expect(verdict.latencyPass).toBe(true);
  });

  it.each<[string, (sides: SideResult[]) => SideResult[], string[], Record<string, boolean>]>([
    [
      "a peer that did not start (nginx would be judged against the other alone)",
      (s) => s.map((x) => (x.key === "haproxy" ? side("haproxy", 0, 0, { error: "exited" }) : x)),
      ["haproxy"],
      { peersPass: false, cpuPass: true, latencyPass: true },
    ],
    [
      "a peer that did not route every host to its own tenant",
      (s) => s.map((x) => (x.key === "caddy" ? side("caddy", 4_000, 280, { routed: 9 }) : x)),
      ["caddy"],
      { peersPass: false, cpuPass: true, latencyPass: true },
    ],
    [
      "no floor",
      (s) => s.filter((x) => x.key !== "floor"),
      ["floor"],
      { peersPass: true, cpuPass: false, latencyPass: true },
    ],
    [
      "nginx itself not routing every host",
      (s) => s.map((x) => (x.key === "nginx" ? side("nginx", 20_000, 40, { routed: 3 }) : x)),
      ["nginx"],
      { peersPass: false, cpuPass: false, latencyPass: false },
    ],
  ])("is incomplete, and fails what it needed, with %s", (_, change, missing, passes) => {
    const verdict = edgeVerdict(result(change(ALL())));
    expect(verdict.incomplete).toEqual(missing);
    expect(verdict.incompleteFor).toEqual({
      throughput: passes.peersPass ? [] : missing,
      cpu: passes.cpuPass ? [] : missing,
    });
    expect({
      peersPass: verdict.peersPass,
      cpuPass: verdict.cpuPass,
      latencyPass: verdict.latencyPass,
    }).toEqual(passes);
  });

  it("fails each target on its own figure", () => {
    const verdict = edgeVerdict(
      result(ALL().map((x) => (x.key === "nginx" ? side("nginx", 18_000, 43, { p99Ms: 1.5 }) : x))),
    );
    expect(verdict.incomplete).toEqual([]);
    expect(verdict.peersPass).toBe(false); // 18,000 < HAProxy's 19,000
    expect(verdict.cpuPass).toBe(false); // 43 µs > 2 × 21 µs
    expect(verdict.latencyPass).toBe(false); // 1.5 - 0.1 ms > 1 ms
  });
});

describe("reloadsPass", () => {
  const reload = (failed: number, added?: { status: string; answered: boolean }): ReloadRun => ({
    client: "c",
    reloads: 1,
    result: { ok: 100, failed, retried: 0, errors: [] },
    ...(added === undefined
      ? {}
      : { newTenantStatus: added.status, newTenantAnswered: added.answered }),
  });
  it.each<[string, ReloadRun[], boolean]>([
    [
      "nothing lost, the new tenant answered as itself",
      [reload(0), reload(0, { status: "200 from t1001", answered: true })],
      true,
    ],
    ["a request lost", [reload(1), reload(0, { status: "200 from t1001", answered: true })], false],
    [
      "a 200 from another tenant",
      [reload(0), reload(0, { status: "200 from t0001", answered: false })],
      false,
    ],
    ["the new tenant not asked", [reload(0), reload(0)], false],
  ])("%s: %s", (_, reloads, pass) => {
    expect(reloadsPass(reloads)).toBe(pass);
  });
});
