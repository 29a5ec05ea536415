/** Project files cite only project files: nothing points at a design file outside the repository. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(__dirname, "..", "..");
const OUTSIDE = [/\.\.\/shared\b/, /\bshared\/DESIGN\.md/, /\/work\/(shared|wt|main)\b/];

describe("citations", () => {
  it("no tracked file refers to a file outside the repository", () => {
    const files = execFileSync("git", ["ls-files"], { cwd: ROOT, encoding: "utf8" })
      .split("\n")
      .filter((f) => f !== "" && !f.startsWith("test/config/citations.test.ts"))
      .filter((f) => !/\.(png|svg|ico|gz)$/.test(f) && f !== "package-lock.json");
    const offenders = files.flatMap((f) => {
      let text: string;
      try {
        text = readFileSync(join(ROOT, f), "utf8");
      } catch {
        return []; // deleted in the work tree
      }
      return OUTSIDE.filter((re) => re.test(text)).map((re) => `${f}: ${re.source}`);
    });
    expect(offenders).toEqual([]);
  });

  it("the benchmark's targets live in docs/targets.md", () => {
    expect(readFileSync(join(ROOT, "docs", "targets.md"), "utf8")).toMatch(/^# Targets\n/);
    expect(readFileSync(join(ROOT, "bench", "verdicts.ts"), "utf8")).toContain("docs/targets.md");
  });
});
