/**
 * Runs `npm run e2e -- --stack NAME` as a user would (its own process: the program is imported
 * once per process) and returns its exit code and table rows.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");

export interface E2eResult {
  readonly code: number | null;
  readonly output: string;
  /** Table rows as `[status, area, check]`, e.g. `["PASS", "edge", "acme.… with acme's key"]`. */
  readonly rows: { status: string; area: string; text: string }[];
}

export function runE2eCli(args: readonly string[], timeoutMs = 240_000): Promise<E2eResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"),
        join(ROOT, "scripts", "e2e", "run.ts"),
        ...args,
      ],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (output += c.toString("utf8")));
    const timer = setTimeout(() => {
      child.kill("SIGTERM");
      reject(new Error(`e2e ${args.join(" ")} did not finish in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      const rows = output
        .split("\n")
        .filter((l) => /^(PASS|FAIL)\s/.test(l))
        .map((line) => {
          const [status = "", area = "", ...rest] = line.split(/\s{2,}/);
          return { status, area, text: rest.join("  ") };
        });
      resolve({ code, output, rows });
    });
  });
}
