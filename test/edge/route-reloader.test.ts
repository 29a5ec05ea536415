/** How many old workers the edge's entry script lets drain, from the table size and memory limit. */
import { describe, expect, it } from "vitest";
import { drainingWorkersKept, TABLE_BYTES_PER_TENANT } from "../../components/edge/route-reloader";

const MIB = 1024 * 1024;

describe("drainingWorkersKept", () => {
  it.each([
    // [tenants, memory limit MiB, draining workers kept]
    [0, 1024, 64],
    [1_000, 1024, 39],
    [10_000, 1024, 4],
    [12_288, 1024, 3],
    [1_000, 512, 18],
    [10_000, 512, 1],
    [10_000, undefined, 64],
  ])("%i tenants in %s MiB: %i", (tenants, limitMiB, kept) => {
    expect(drainingWorkersKept(tenants, limitMiB === undefined ? undefined : limitMiB * MIB)).toBe(
      kept,
    );
  });

  it("leaves the serving generation and every kept worker's table copy within the limit", () => {
    for (const tenants of [1, 500, 5_000, 12_288]) {
      const kept = drainingWorkersKept(tenants, 1024 * MIB);
      const table = tenants * TABLE_BYTES_PER_TENANT;
      expect(64 * MIB + table + kept * (table + 8 * MIB)).toBeLessThanOrEqual(1024 * MIB);
    }
  });

  it("refuses a limit that holds no draining copy, naming what it needs", () => {
    expect(() => drainingWorkersKept(20_000, 512 * MIB)).toThrow(
      "20000 tenants' route table needs about 313 MiB in each nginx generation; 512 MiB leaves no room for a draining one after a reload: at least 697Mi is needed",
    );
    expect(drainingWorkersKept(20_000, 697 * MIB)).toBe(1);
  });
});
