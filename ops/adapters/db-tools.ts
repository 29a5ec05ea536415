/**
 * The PostgreSQL client programs (`pg_dump`, `pg_restore`, and `pg_restore --list` for a dump's
 * header), behind {@link DbTools} so unit tests record what would run. The password only ever
 * travels in the child's environment (PGPASSWORD), never on its command line, where `ps` would
 * show it.
 */
import { spawn } from "node:child_process";

/** What a client program run gave. */
export interface ToolResult {
  readonly code: number;
  /** The tail of what it wrote to stderr. */
  readonly stderr: string;
  /** The head of what it wrote to stdout (`pg_restore --list`'s header comes first). */
  readonly stdout: string;
}

/** How much of stdout is kept: a header is under 1 KiB, a table of contents can be megabytes. */
const STDOUT_HEAD = 64 * 1024;

/** Runs a PostgreSQL client program. */
export interface DbTools {
  run(
    program: "pg_dump" | "pg_restore",
    args: readonly string[],
    env: Readonly<Record<string, string>>,
  ): Promise<ToolResult>;
}

/** Spawns the programs from PATH (Debian: the postgresql-client package). */
export class ProcessDbTools implements DbTools {
  run(
    program: "pg_dump" | "pg_restore",
    args: readonly string[],
    env: Readonly<Record<string, string>>,
  ): Promise<ToolResult> {
    return new Promise((resolve) => {
      const child = spawn(program, [...args], {
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      let stdout = "";
      child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
      // Read to the end, so the child never blocks on a full pipe; keep the head.
      child.stdout.setEncoding("utf8");
      child.stdout.on("data", (d: string) => {
        if (stdout.length < STDOUT_HEAD) stdout = (stdout + d).slice(0, STDOUT_HEAD);
      });
      child.on("error", (error: NodeJS.ErrnoException) =>
        resolve({
          code: 127,
          stderr:
            error.code === "ENOENT"
              ? `${program} is not installed (Debian/Ubuntu: apt-get install postgresql-client; macOS: brew install libpq)`
              : error.message,
          stdout: "",
        }),
      );
      child.on("close", (code) => resolve({ code: code ?? 1, stderr: stderr.trim(), stdout }));
    });
  }
}
