/**
 * The ops folders' contract: plans/ decide (pure, no outside system), adapters/ talk to the
 * outside world, commands/ are the registry entries, command-line/ parses and documents them.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../ops/commands/registry";

const OPS = path.resolve(__dirname, "../../ops");

function sources(folder: string): { file: string; text: string }[] {
  return readdirSync(path.join(OPS, folder))
    .filter((name) => name.endsWith(".ts"))
    .map((name) => ({
      file: `${folder}/${name}`,
      text: readFileSync(path.join(OPS, folder, name), "utf8"),
    }));
}

/** `import ... from "x"` statements of a file, with whether they import types only. */
function imports(text: string): { from: string; typeOnly: boolean }[] {
  return [...text.matchAll(/^import (type )?[^;]*?from "([^"]+)";/gms)].map((match) => ({
    from: match[2] as string,
    typeOnly: match[1] !== undefined,
  }));
}

describe("ops/ layout", () => {
  it("plans/ reach no outside system: no I/O modules, adapters only for their types", () => {
    const io =
      /^(node:(fs|fs\/promises|child_process|net|tls|http|https|dns)|@kubernetes\/|@pulumi\/pulumi\/automation)/;
    for (const { file, text } of sources("plans")) {
      for (const { from, typeOnly } of imports(text)) {
        expect(io.test(from), `${file} imports ${from}`).toBe(false);
        if (from.startsWith("../adapters/")) expect(typeOnly, `${file} imports ${from}`).toBe(true);
        expect(from.startsWith("../commands/"), `${file} imports ${from}`).toBe(false);
      }
    }
  });

  it("commands/ holds the registry and one entry file per registered command", () => {
    const entryFiles = sources("commands")
      .map(({ file }) => path.basename(file, ".ts"))
      .filter((name) => name !== "registry")
      .sort();
    expect(entryFiles).toEqual(COMMANDS.map(({ spec }) => spec.name).sort());
    for (const { spec } of COMMANDS) {
      const text = readFileSync(path.join(OPS, "commands", `${spec.name}.ts`), "utf8");
      expect(text, spec.name).toContain(`name: "${spec.name}",`);
    }
  });

  it("command-line/ knows no command: it works from whatever list it is given", () => {
    for (const { file, text } of sources("command-line")) {
      for (const { from } of imports(text)) {
        expect(from.startsWith("../commands/"), `${file} imports ${from}`).toBe(false);
      }
    }
  });
});
