/**
 * The operations command line: `npm run ops -- <command> [options]` (`tsx ops/cli.ts`).
 * {@link main} is what tests call, with an in-memory engine and captured output.
 */
import * as path from "node:path";
import { createInterface } from "node:readline/promises";
import { helpText, parseCommand } from "./args";
import { AutomationEngine } from "./adapters/automation-engine";
import { check } from "./commands/check";
import { deploy } from "./commands/deploy";
import { doctor } from "./commands/doctor";
import { history } from "./commands/history";
import { logs } from "./commands/logs";
import { promote } from "./commands/promote";
import { rollback } from "./commands/rollback";
import { status } from "./commands/status";
import type { OpsContext } from "./context";
import { SystemDnsResolver } from "./adapters/dns";
import { OpsError, UsageError } from "./errors";
import { println } from "./format/text";
import { FetchHealthChecker } from "./adapters/health";
import { KubernetesLogSource } from "./adapters/kube-logs";
import { OPERATIONS } from "./operations";
import { localBackendEnv } from "./adapters/local-backend";

/**
 * Runs one command and returns its exit code: 0 done, 1 failed (or a check failed, or the user
 * said no), 2 bad command line. Errors are printed to `stderr`, never thrown.
 */
export async function main(argv: readonly string[], ctx: OpsContext): Promise<number> {
  try {
    const command = parseCommand(argv);
    if (command.name === "help") {
      ctx.stdout.write(helpText(command.topic));
      return 0;
    }
    switch (command.name) {
      case "deploy":
        return await deploy(ctx, command.options);
      case "status":
        return await status(ctx, command.options);
      case "history":
        return await history(ctx, command.options);
      case "rollback":
        return await rollback(ctx, command.options);
      case "promote":
        return await promote(ctx, command.options);
      case "logs":
        return await logs(ctx, command.options);
      case "doctor":
        return await doctor(ctx, command.options);
      case "check":
        return await check(ctx, command.options);
      case "operation":
        return await OPERATIONS.run(ctx, command.command, command.options);
    }
  } catch (error) {
    if (error instanceof OpsError) {
      println(ctx.stderr, `error: ${error.message}`);
      return error.exitCode;
    }
    const e = error as Error;
    println(ctx.stderr, `error: ${e.message}`);
    if (process.env.OPS_DEBUG === "1" && e.stack !== undefined) println(ctx.stderr, e.stack);
    return 1;
  } finally {
    await ctx.engine.dispose();
  }
}

/** Asks on the terminal; refuses (rather than hangs) when there is no terminal to ask on. */
async function askTerminal(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new UsageError(
      `cannot ask "${question}": standard input is not a terminal; pass --yes to go ahead`,
    );
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

/** The real world: Automation API over this project, fetch, system DNS, the kubeconfig. */
export function realContext(argv: readonly string[] = []): OpsContext {
  const workDir = path.resolve(__dirname, "..");
  return {
    engine: new AutomationEngine({ workDir, envVars: localBackendEnv(workDir, argv) }),
    stdout: process.stdout,
    stderr: process.stderr,
    health: new FetchHealthChecker(),
    dns: new SystemDnsResolver(),
    logs: new KubernetesLogSource(),
    confirm: askTerminal,
    now: () => new Date(),
  };
}

if (require.main === module) {
  void main(process.argv.slice(2), realContext(process.argv.slice(2))).then((code) => {
    process.exitCode = code;
  });
}
