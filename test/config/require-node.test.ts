/** The pretest guard: an unsupported Node stops `npm test` at once with one line. */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(__dirname, "..", "..");
const GUARD = join(ROOT, "scripts", "require-node.js");
const guard = createRequire(__filename)(GUARD) as {
  supported(version: string): boolean;
  message(version: string): string;
};

describe("scripts/require-node.js", () => {
  it.each([
    ["20.20.2", false],
    ["22.0.0", false],
    ["22.18.9", false],
    ["22.19.0", true],
    ["23.11.0", false],
    ["24.0.0", true],
    ["v25.2.1", true],
  ])("Node %s supported: %s", (version, ok) => expect(guard.supported(version)).toBe(ok));

  it("is what npm runs before the tests, and agrees with engines and .nvmrc", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      engines: { node: string };
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.pretest).toBe("node scripts/require-node.js");
    expect(pkg.engines.node).toBe("^22.19.0 || >=24.0.0");
    expect(readFileSync(join(ROOT, ".nvmrc"), "utf8").trim()).toBe("24");
  });

  it("passes on this Node and prints nothing", () => {
    const run = spawnSync(process.execPath, [GUARD], { encoding: "utf8" });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: "" });
  });

  // The CI image keeps Debian's Node 20 at /usr/bin/node beside the Node 24 the tests run on.
  it.skipIf(!existsSync("/usr/bin/node"))("stops an old Node with one line", () => {
    const version = spawnSync("/usr/bin/node", ["--version"], { encoding: "utf8" }).stdout.trim();
    if (guard.supported(version)) return; // Debian's node is new enough here: nothing to stop.
    const run = spawnSync("/usr/bin/node", [GUARD], { encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`${guard.message(version.replace(/^v/, ""))}\n`);
  });
});
