/**
 * Runs a bench module in a fresh Node process (tsx as the loader) and returns the one result it
 * sends over IPC. Every child is bounded in time and killed by its own pid if it overruns.
 */
import { fork, type ChildProcess } from "node:child_process";
import { join, resolve } from "node:path";

const NODE_ARGS = ["--import", "tsx"];

/** Path of a module in bench/. */
export const benchModule = (file: string) => resolve(__dirname, file);

/** Starts `file` with `args`; the caller talks to it over IPC. */
export function startChild(file: string, args: readonly string[] = []): ChildProcess {
  return fork(benchModule(file), [...args], {
    execArgv: NODE_ARGS,
    cwd: join(__dirname, ".."),
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
}

/** Waits for the first IPC message of `child` (rejecting if it exits first or overruns). */
export function nextMessage<T>(child: ChildProcess, what: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      child.kill("SIGKILL");
      reject(new Error(`${what}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message: unknown) => {
      cleanup();
      const error = (message as { error?: string }).error;
      if (error !== undefined) reject(new Error(`${what}: ${error}`));
      else resolve(message as T);
    };
    const onExit = (code: number | null, signal: string | null) => {
      cleanup();
      reject(new Error(`${what}: exited (${signal ?? code}) before answering`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
    };
    child.on("message", onMessage);
    child.on("exit", onExit);
  });
}

/** Runs `file args` once in a fresh process and returns what it sent. */
export async function runChild<T>(
  file: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<T> {
  const child = startChild(file, args);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    return await nextMessage<T>(child, `${file} ${args.join(" ")}`, timeoutMs);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  }
}

/** In a child: sends `result` (or the error) to the parent, then exits. */
export function answer(work: () => Promise<unknown>): void {
  work()
    .then(
      (result) => result,
      (error: unknown) => ({ error: String((error as Error)?.stack ?? error) }),
    )
    .then((message) =>
      process.send?.(message as object, undefined, undefined, () => process.exit(0)),
    )
    .catch(() => process.exit(1));
}
