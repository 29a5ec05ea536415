/**
 * Just enough of a Dockerfile to run its image's process from the build context on this machine:
 * the final stage's WORKDIR, ENV, USER, COPY (context file → image path), ENTRYPOINT and CMD in
 * exec form. Anything the image adds from its base (here: `node`) comes from this machine.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";

export interface ImageProcess {
  /** ENTRYPOINT + CMD, image paths. */
  readonly argv: readonly string[];
  readonly workdir: string;
  readonly env: Readonly<Record<string, string>>;
  /** `USER` as uid:gid numbers when given that way. */
  readonly user?: { readonly uid: number; readonly gid?: number };
  /** Image path → file in the build context, from COPY lines. */
  readonly files: Readonly<Record<string, string>>;
}

function execForm(rest: string, line: string): string[] {
  const parsed = JSON.parse(rest) as unknown;
  if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === "string"))
    throw new Error(`only the exec form ["a", "b"] is supported: ${line}`);
  return parsed;
}

export function readDockerfile(file: string, context: string): ImageProcess {
  // Continuation lines joined, comments dropped; only the last stage counts.
  const text = readFileSync(file, "utf8").replace(/\\\n/g, " ");
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  let workdir = "/";
  let env: Record<string, string> = {};
  let entrypoint: string[] = [];
  let cmd: string[] = [];
  let user: ImageProcess["user"];
  let files: Record<string, string> = {};
  for (const line of lines) {
    const [instruction = "", ...restParts] = line.split(/\s+/);
    const rest = line.slice(instruction.length).trim();
    switch (instruction.toUpperCase()) {
      case "FROM":
        workdir = "/";
        env = {};
        entrypoint = [];
        cmd = [];
        user = undefined;
        files = {};
        break;
      case "WORKDIR":
        workdir = path.posix.resolve(workdir, rest);
        break;
      case "ENV":
        for (const m of rest.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)/g))
          env[m[1] as string] = (m[2] as string).replace(/^"|"$/g, "");
        break;
      case "USER": {
        const m = /^(\d+)(?::(\d+))?$/.exec(rest);
        if (m) user = { uid: Number(m[1]), gid: m[2] === undefined ? undefined : Number(m[2]) };
        break;
      }
      case "COPY": {
        const parts = restParts.filter((p) => !p.startsWith("--"));
        const dest = parts.pop() ?? ".";
        for (const src of parts) {
          const target = path.posix.resolve(
            workdir,
            dest.endsWith("/") ? `${dest}${path.posix.basename(src)}` : dest,
          );
          files[parts.length > 1 ? path.posix.join(target, path.posix.basename(src)) : target] =
            path.join(context, src);
        }
        break;
      }
      case "ENTRYPOINT":
        entrypoint = execForm(rest, line);
        break;
      case "CMD":
        cmd = execForm(rest, line);
        break;
    }
  }
  return { argv: [...entrypoint, ...cmd], workdir, env, user, files };
}
