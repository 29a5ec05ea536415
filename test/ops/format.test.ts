import { describe, expect, it } from "vitest";
import {
  compactChanges,
  describeChanges,
  formatTime,
  hasChanges,
  renderTable,
  shortDigest,
} from "../../ops/format/text";
import { DIGEST_A } from "../../testkit/ops/fakes";

describe("renderTable", () => {
  it("pads columns to the widest cell and leaves the last column unpadded", () => {
    expect(
      renderTable(
        ["A", "LONGER", "C"],
        [
          ["xyz", "1", "end"],
          ["", "22", ""],
        ],
      ),
    ).toEqual(["A    LONGER  C", "xyz  1       end", "     22"]);
  });
});

describe("change counts", () => {
  it.each([
    [{ same: 4 }, "none", false, "no changes (4 unchanged)"],
    [{}, "none", false, "no changes"],
    [{ create: 2, update: 1, same: 5 }, "+2 ~1", true, "2 to create, 1 to update (5 unchanged)"],
    [{ delete: 1, replace: 3 }, "+-3 -1", true, "3 to replace, 1 to delete"],
    [{ read: 2, same: 1 }, "none", false, "no changes (1 unchanged)"],
    [{ create: 3, import: 2 }, "+3 =2", true, "3 to create, 2 to import"],
  ])("%j", (counts, compact, changes, words) => {
    expect(compactChanges(counts)).toBe(compact);
    expect(hasChanges(counts)).toBe(changes);
    expect(describeChanges(counts)).toBe(words);
  });
});

describe("formatTime / shortDigest", () => {
  it("prints UTC to the second", () => {
    expect(formatTime(new Date("2026-11-22T01:02:03.456Z"))).toBe("2026-11-22 01:02:03Z");
    expect(formatTime(undefined)).toBe("-");
    expect(formatTime(new Date("nonsense"))).toBe("-");
  });

  it("keeps sha256: and 12 hex characters", () => {
    expect(shortDigest(DIGEST_A)).toBe("sha256:aaaaaaaaaaaa");
  });
});
