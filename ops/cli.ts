/**
 * The operations command line: `npm run ops -- <command> [options]` (`tsx ops/cli.ts`).
 * {@link main} is what tests call, with an in-memory engine and captured output.
 */
import * as path from "node:path";
import { createInterface } from "node:readline/promises";
import { AutomationEngine } from "./adapters/automation-engine";
import { overridesSet } from "../stacks/config/overrides";
import { SystemDnsResolver } from "./adapters/dns";
import { FetchHealthChecker } from "./adapters/health";
import { KubernetesLogSource } from "./adapters/kube-logs";
import { localBackendEnv } from "./adapters/local-backend";
import { helpText } from "./command-line/help";
import { parseCommand } from "./command-line/parse";
import { COMMANDS } from "./commands/registry";
import type { OpsContext } from "./context";
import { OpsError, UsageError } from "./errors";
import { println } from "./format/text";

/**
 * Runs one command and returns its exit code: 0 done, 1 failed (or a check failed, or the user
 * said no), 2 bad command line. Errors are printed to `stderr`, never thrown.
 */
export async function main(argv: readonly string[], ctx: OpsContext): Promise<number> {
  try {
    const command = parseCommand(COMMANDS, argv);
    if (!("options" in command)) {
      ctx.stdout.write(helpText(COMMANDS, command.topic));
      return 0;
    }
    const entry = COMMANDS.find(({ spec }) => spec.name === command.name);
    if (entry === undefined) throw new UsageError(`unknown command "${command.name}"`);
    return await entry.run(ctx, command.options);
  } catch (error) {
    if (error instanceof OpsError) {
      println(ctx.stderr, `error: ${error.message}`);
      return error.exitCode;
    }
    const unexpected = error as Error;
    println(ctx.stderr, `error: ${unexpected.message}`);
    if (process.env.OPS_DEBUG === "1" && unexpected.stack !== undefined) {
      println(ctx.stderr, unexpected.stack);
    }
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
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(`${question} [y/N] `)).trim());
  } finally {
    prompt.close();
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
  // ops sets the program's overrides from its flags; the shell's reach it empty (NO_PROGRAM_OVERRIDES).
  const ignored = overridesSet(process.env);
  if (ignored.length > 0)
    println(
      process.stderr,
      `note: ignoring ${ignored.join(", ")} from the environment: ops sets the program's overrides itself (from --skip-build, --force, --tag, --image-from, --database-moved, and the tenants it re-creates)`,
    );
  void main(process.argv.slice(2), realContext(process.argv.slice(2))).then((code) => {
    process.exitCode = code;
  });
}
