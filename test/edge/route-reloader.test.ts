/**
 * The edge's entry script: the folders it watches, the input it refuses, and how many old
 * workers it lets drain, from the table size and memory limit. (It runs on the real nginx in
 * route-reload-live.test.ts.)
 */
import { describe, expect, it } from "vitest";
import {
  drainingWorkersKept,
  renderEdgeEntrypoint,
  TABLE_BYTES_PER_TENANT,
} from "../../components/edge/route-reloader";

const MIB = 1024 * 1024;

describe("drainingWorkersKept", () => {
  it.each([
    // [tenants, memory limit, nginx workers, draining workers kept]
    [0, "1Gi", 2, 64],
    [1_000, "1Gi", 2, 39],
    [10_000, "1Gi", 2, 3],
    [12_288, "1Gi", 2, 2],
    [1_000, "512Mi", 2, 17],
    [10_000, "2Gi", 4, 8],
    [10_000, "752Mi", 2, 2],
    [10_000, undefined, 2, 64],
  ])("%i tenants in %s with %i workers: %i", (tenants, memoryLimit, workerProcesses, kept) => {
    expect(drainingWorkersKept({ tenants, memoryLimit, workerProcesses })).toBe(kept);
  });

  it("keeps as many as fit beside the serving generation (2.3 copies with 2 workers), and not one more", () => {
    for (const tenants of [1, 500, 1_000, 5_000, 10_000]) {
      const kept = drainingWorkersKept({ tenants, memoryLimit: "1Gi", workerProcesses: 2 });
      const table = tenants * TABLE_BYTES_PER_TENANT;
      const serving = 64 * MIB + Math.ceil(2.3 * table);
      const worker = table + 8 * MIB;
      expect(serving + kept * worker).toBeLessThanOrEqual(1024 * MIB);
      if (kept < 64) expect(serving + (kept + 1) * worker).toBeGreaterThan(1024 * MIB);
    }
  });

  it.each([
    [
      10_000,
      "512Mi",
      2,
      "holds 0 draining nginx workers beside 10000 tenants' route table (about 157 MiB a copy), fewer than the 2 workers a route change leaves draining: at least 752Mi is needed",
    ],
    [
      12_288,
      "1Gi",
      4,
      "holds 1 draining nginx workers beside 12288 tenants' route table (about 192 MiB a copy), fewer than the 4 workers a route change leaves draining: at least 1556Mi is needed",
    ],
  ])(
    "refuses %i tenants in %s with %i workers: one route change would not fit",
    (tenants, memoryLimit, workerProcesses, message) => {
      expect(() => drainingWorkersKept({ tenants, memoryLimit, workerProcesses })).toThrow(message);
    },
  );
});

describe("renderEdgeEntrypoint", () => {
  const input = {
    config: "/etc/agent-cloud/nginx/nginx.conf",
    routesDir: "/etc/agent-cloud/routes",
    tlsDir: "/etc/agent-cloud/tls",
  };

  it.each([
    [undefined, "CERT_DIRS='/etc/agent-cloud/tls'"],
    [
      "/etc/agent-cloud/origin-pull",
      "CERT_DIRS='/etc/agent-cloud/tls /etc/agent-cloud/origin-pull'",
    ],
  ])("watches the TLS folder and the origin-pull folder %s beside the routes", (dir, line) => {
    const script = renderEdgeEntrypoint({ ...input, originPullDir: dir }).split("\n");
    expect(script).toContain("ROUTES='/etc/agent-cloud/routes'");
    expect(script).toContain(line);
  });

  it.each([
    [undefined, "RELOAD_WAIT=60"],
    [5, "RELOAD_WAIT=5"],
  ])("waits %s seconds for a reload's new workers", (reloadWaitSeconds, line) => {
    expect(renderEdgeEntrypoint({ ...input, reloadWaitSeconds }).split("\n")).toContain(line);
  });

  it.each([0, 601, 1.5])("refuses a reload wait of %s seconds", (reloadWaitSeconds) => {
    expect(() => renderEdgeEntrypoint({ ...input, reloadWaitSeconds })).toThrow(
      `edge entrypoint input is invalid:\n  - reloadWaitSeconds ${reloadWaitSeconds}: must be a whole number from 1 to 600`,
    );
  });

  it("refuses folders that would need quoting, naming each", () => {
    expect(() =>
      renderEdgeEntrypoint({ ...input, tlsDir: "tls", originPullDir: "/etc/origin pull" }),
    ).toThrow(
      [
        "edge entrypoint input is invalid:",
        `  - tlsDir "tls": must be an absolute path of letters, digits, '.', '_', '-' and '/'`,
        `  - originPullDir "/etc/origin pull": must be an absolute path of letters, digits, '.', '_', '-' and '/'`,
      ].join("\n"),
    );
  });
});
