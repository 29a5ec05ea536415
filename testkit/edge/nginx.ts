/**
 * Runs the real nginx as a child of the test process: `daemon off;` comes from the generated
 * config itself, `-p` points at a temp folder, and the process is stopped by its own pid (never
 * by name, so nothing else on the machine is touched).
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { findNginx } from "../../scripts/lib/binaries";
import { sleep, waitFor } from "./ports";

/** The nginx binary: on PATH, then /usr/sbin/nginx; a clear "nginx not found" otherwise. */
export const NGINX = findNginx();

export interface NginxTestResult {
  readonly ok: boolean;
  /** What `nginx -t` printed (it writes to stderr). */
  readonly output: string;
}

/** `nginx -t` on a config file; resolves whatever the outcome. */
export function nginxTest(configPath: string, prefix: string): Promise<NginxTestResult> {
  return new Promise((resolve) => {
    execFile(
      NGINX,
      ["-t", "-q", "-p", `${prefix}/`, "-c", configPath, "-e", join(prefix, "startup.log")],
      { timeout: 20_000 },
      (error, stdout, stderr) => resolve({ ok: error === null, output: `${stdout}${stderr}` }),
    );
  });
}

/** GET http://127.0.0.1:{port}{path}; status, or 0 when nothing answers. */
export function plainStatus(port: number, path = "/healthz"): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path, agent: false, timeout: 1000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
    req.end();
  });
}

/** The nginx worker pids under a master, read from /proc. */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

export class NginxProcess {
  private exited = false;
  private readonly exit: Promise<void>;
  private stderr = "";

  private constructor(
    private readonly child: ChildProcess,
    readonly configPath: string,
    readonly prefix: string,
  ) {
    this.exit = new Promise((resolve) => child.once("exit", () => resolve()));
    void this.exit.then(() => (this.exited = true));
    child.stderr?.on(
      "data",
      (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)),
    );
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /**
   * Writes `config` to `{prefix}/nginx.conf`, starts nginx and waits until `/healthz` answers.
   * With `launcher` (a command and its arguments) that command is started instead, e.g. the
   * edge's entry script, which starts nginx itself; signals then go to the launcher.
   */
  static async start(
    config: string,
    prefix: string,
    healthPort: number,
    launcher?: readonly string[],
  ): Promise<NginxProcess> {
    const configPath = join(prefix, "nginx.conf");
    writeFileSync(configPath, config);
    const [command, ...args] = launcher ?? [
      NGINX,
      "-p",
      `${prefix}/`,
      "-c",
      configPath,
      "-e",
      join(prefix, "startup.log"),
    ];
    const child = spawn(command as string, args, { stdio: ["ignore", "ignore", "pipe"] });
    const nginx = new NginxProcess(child, configPath, prefix);
    try {
      await waitFor(
        "nginx /healthz",
        async () => {
          if (nginx.exited) throw new Error(`nginx exited at start: ${nginx.log()}`);
          return (await plainStatus(healthPort)) === 200;
        },
        // A process start (nginx, or the entry script and then nginx): slower on a busy machine.
        15_000,
      );
    } catch (error) {
      await nginx.stop();
      throw error;
    }
    return nginx;
  }

  /** The tail of nginx's own error output, for failure messages. */
  log(): string {
    let file = "";
    for (const name of ["startup.log", "error.log"]) {
      try {
        file += readFileSync(join(this.prefix, name), "utf8");
      } catch {
        // not written yet
      }
    }
    return `${this.stderr}${file}`.slice(-4000);
  }

  /**
   * `nginx -s reload`: writes the new config (if given), checks it with `nginx -t`, sends SIGHUP
   * to the master and waits until only the new generation of workers is running.
   */
  async reload(config?: string): Promise<void> {
    if (config !== undefined) writeFileSync(this.configPath, config);
    const check = await nginxTest(this.configPath, this.prefix);
    if (!check.ok) throw new Error(`nginx -t refused the new config: ${check.output}`);
    const before = childPids(this.pid);
    process.kill(this.pid, "SIGHUP");
    // Done when the old workers have gone: until then one of them may still take a connection
    // under the old config.
    await waitFor(
      "the old nginx workers to finish after reload",
      () => {
        const now = childPids(this.pid);
        return now.length > 0 && before.every((p) => !now.includes(p));
      },
      15_000,
    );
  }

  /** Graceful quit (SIGQUIT), then SIGTERM and SIGKILL by pid if it lingers. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const workers = childPids(this.pid);
    let signal: NodeJS.Signals = "SIGQUIT";
    for (const [next, waitMs] of [
      ["SIGQUIT", 3000],
      ["SIGTERM", 2000],
      ["SIGKILL", 2000],
    ] as const) {
      signal = next;
      try {
        process.kill(this.pid, signal);
      } catch {
        // already gone
      }
      if (await Promise.race([this.exit.then(() => true), sleep(waitMs).then(() => false)])) break;
    }
    if (signal !== "SIGKILL") return;
    // A killed master leaves its workers holding the ports: end those too, by pid, once sure
    // the pid is still one of this nginx's workers.
    for (const pid of workers) {
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith("nginx: worker"))
          process.kill(pid, "SIGKILL");
      } catch {
        // exited with the master
      }
    }
  }
}
