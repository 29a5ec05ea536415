/**
 * The PostgreSQL client programs (`pg_dump`, `pg_restore`), behind {@link DbTools} so unit tests
 * record what would run. The password only ever travels in the child's environment (PGPASSWORD),
 * never on its command line, where `ps` would show it.
 */
import { spawn } from "node:child_process";

/** What a client program run gave. */
export interface ToolResult {
  readonly code: number;
  /** The tail of what it wrote to stderr. */
  readonly stderr: string;
}

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
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
      child.on("error", (error: NodeJS.ErrnoException) =>
        resolve({
          code: 127,
          stderr:
            error.code === "ENOENT"
              ? `${program} is not installed (Debian/Ubuntu: apt-get install postgresql-client; macOS: brew install libpq)`
              : error.message,
        }),
      );
      child.on("close", (code) => resolve({ code: code ?? 1, stderr: stderr.trim() }));
    });
  }
}
