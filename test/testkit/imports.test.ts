/**
 * What the suites, bench/ and scripts/e2e share lives in testkit/: nothing outside test/ imports
 * from test/ (bench and the e2e runner included), so a suite can be moved or deleted freely.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(__dirname, "..", "..");

/** The relative specifiers of a module's static imports, re-exports, dynamic imports and requires. */
function relativeSpecifiers(source: string): string[] {
  const pattern =
    /(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']*)["']/gm;
  return [...source.matchAll(pattern)].map((match) => match[1] as string);
}

/** The specifiers in `source` (the file at repository path `file`) that land under test/. */
function importsFromTest(file: string, source: string): string[] {
  return relativeSpecifiers(source).filter((specifier) =>
    normalize(join(dirname(file), specifier)).startsWith("test/"),
  );
}

describe("importsFromTest", () => {
  it.each([
    [
      "bench/diff.ts",
      'import type { RecordedResource } from "../test/harness/mocks";',
      ["../test/harness/mocks"],
    ],
    ["bench/diff.ts", 'import type { RecordedResource } from "../testkit/mocks";', []],
    ["bench/diff.ts", 'import type { RecordedResource } from "./mocks";', []],
    ["scripts/e2e/render.ts", 'const m = await import("../../test/x");', ["../../test/x"]],
    // Resolved from the importing file: scripts/x, not test/x.
    ["scripts/e2e/render.ts", 'const m = await import("../x");', []],
    [
      "testkit/edge/nginx.ts",
      'export { NGINX } from "../../test/edge/support/nginx";',
      ["../../test/edge/support/nginx"],
    ],
    ["testkit/edge/nginx.ts", 'export { NGINX } from "../edge/support/nginx";', []],
    ["testkit/edge/nginx.ts", 'import { sleep } from "./ports";', []],
    ["bench/load.ts", 'const w = require("../test/worker");', ["../test/worker"]],
    ["bench/run.ts", 'import "../test/setup";', ["../test/setup"]],
    ["bench/run.ts", 'import { x } from "node:test";', []],
  ] as const)("%s: %s", (file, source, expected) => {
    expect(importsFromTest(file, source)).toEqual(expected);
  });
});

describe("testkit/ holds what tests, bench and scripts share", () => {
  it("no module outside test/ imports from test/", () => {
    const files = execFileSync(
      "git",
      ["ls-files", "--cached", "--others", "--exclude-standard", "--", "*.ts", "*.mts", "*.js"],
      { cwd: ROOT, encoding: "utf8" },
    )
      .split("\n")
      .filter((file) => file !== "" && !file.startsWith("test/") && !file.includes("node_modules"));
    expect(files).toContain("bench/proxy.ts");
    expect(files).toContain("testkit/mocks.ts");
    const offenders = files.flatMap((file) => {
      let source: string;
      try {
        source = readFileSync(join(ROOT, file), "utf8");
      } catch {
        return []; // deleted in the work tree
      }
      return importsFromTest(file, source).map((specifier) => `${file}: ${specifier}`);
    });
    expect(offenders).toEqual([]);
  });
});
