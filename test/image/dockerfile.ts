/**
 * Enough of a Dockerfile to run its image's command as a local process: the `ENV` it sets, the
 * `WORKDIR`, the files `COPY` places from the context, and the exec-form `CMD`. Tests use it to
 * start what a stack builds exactly as its Deployment would, without a container engine.
 */
import * as path from "node:path";

/** What a Dockerfile says about running its image. */
export interface ImageRecipe {
  /** `ENV` values, in order (later ones win). */
  readonly env: Readonly<Record<string, string>>;
  /** Exec-form `CMD` (the last one). */
  readonly cmd: readonly string[];
  /** Container path → file in the build context, from `COPY <src> <dest>` (no `--from`). */
  readonly files: Readonly<Record<string, string>>;
}

/** Joins `\`-continued lines and drops comments and blank lines. */
function instructions(text: string): string[] {
  const joined = text.replace(/\\\r?\n/g, " ");
  return joined
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

/** Parses the parts of `text` that say how the image runs; throws on a shell-form `CMD`. */
export function parseDockerfile(text: string): ImageRecipe {
  const env: Record<string, string> = {};
  const files: Record<string, string> = {};
  let workdir = "/";
  let cmd: string[] = [];
  for (const line of instructions(text)) {
    const [keyword = "", ...rest] = line.split(/\s+/);
    const args = line.slice(keyword.length).trim();
    switch (keyword.toUpperCase()) {
      case "ENV":
        for (const match of args.matchAll(/(\w+)=("([^"]*)"|\S*)/g)) {
          env[match[1] as string] = match[3] ?? (match[2] as string);
        }
        break;
      case "WORKDIR":
        workdir = path.posix.resolve(workdir, args);
        break;
      case "COPY": {
        const words = rest.filter((w) => !w.startsWith("--"));
        if (rest.some((w) => w.startsWith("--from"))) break;
        const dest = words.pop() ?? "";
        const base = path.posix.resolve(workdir, dest);
        for (const src of words) {
          const into = dest.endsWith("/") || words.length > 1;
          files[into ? path.posix.join(base, path.posix.basename(src)) : base] = src;
        }
        break;
      }
      case "CMD": {
        if (!args.startsWith("[")) {
          throw new Error(`CMD ${args}: only the exec form (CMD ["node", "..."]) can be run here`);
        }
        cmd = JSON.parse(args) as string[];
        break;
      }
    }
  }
  return { env, cmd, files };
}

/**
 * The command line that runs the image's `CMD` on this machine: `node` is this Node, and paths
 * the image copied from the context point at the context's files.
 */
export function localCommand(recipe: ImageRecipe, contextDir: string): [string, string[]] {
  const [program, ...args] = recipe.cmd;
  if (program !== "node") {
    throw new Error(`CMD runs ${String(program)}: only node images can be started as a process`);
  }
  const local = args.map((arg) => {
    const src = recipe.files[arg];
    return src === undefined ? arg : path.join(contextDir, src);
  });
  return [process.execPath, local];
}
