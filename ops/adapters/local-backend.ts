/**
 * The `local` stack's backend: `npm run local:up` keeps its state in `<project>/.pulumi-state`
 * (a file backend) with the passphrase `agent-cloud-local`. When no backend is chosen
 * (`PULUMI_BACKEND_URL` unset) and a stack named on the command line lives there, the ops tool
 * uses it, so `npm run ops -- status --stack local` works right after `local:up`.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";

/** The folder local:up uses (scripts/local-up.sh). */
export const LOCAL_STATE_DIR = ".pulumi-state";
/** The passphrase local:up uses unless PULUMI_CONFIG_PASSPHRASE is set. */
export const LOCAL_PASSPHRASE = "agent-cloud-local";

/** Whether `<project>/.pulumi-state` holds the stack (project-scoped or legacy layout). */
export function localBackendHasStack(projectDir: string, project: string, stack: string): boolean {
  const stacks = path.join(projectDir, LOCAL_STATE_DIR, ".pulumi", "stacks");
  return [path.join(stacks, project, `${stack}.json`), path.join(stacks, `${stack}.json`)].some(
    (f) => existsSync(f) || existsSync(`${f}.gz`),
  );
}

/** Stack names given on an ops command line (`--stack`, `-s`, `--from`, `--to`). */
export function stacksNamed(argv: readonly string[]): string[] {
  const names: string[] = [];
  argv.forEach((arg, index) => {
    const inlineValue = /^--(stack|from|to)=(.+)$/.exec(arg);
    if (inlineValue?.[2] !== undefined) names.push(inlineValue[2]);
    else if (["--stack", "-s", "--from", "--to"].includes(arg) && argv[index + 1] !== undefined)
      names.push(argv[index + 1] as string);
  });
  return names;
}

/**
 * Environment for the Automation API: the local file backend (and its passphrase) when no
 * backend is set and a named stack lives there; {} otherwise, so Pulumi's own login applies.
 */
export function localBackendEnv(
  projectDir: string,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
  project = "agent-cloud",
): Record<string, string> {
  if ((env.PULUMI_BACKEND_URL ?? "") !== "") return {};
  if (!stacksNamed(argv).some((s) => localBackendHasStack(projectDir, project, s))) return {};
  const vars: Record<string, string> = {
    PULUMI_BACKEND_URL: `file://${path.join(projectDir, LOCAL_STATE_DIR)}`,
  };
  if (env.PULUMI_CONFIG_PASSPHRASE === undefined && env.PULUMI_CONFIG_PASSPHRASE_FILE === undefined)
    vars.PULUMI_CONFIG_PASSPHRASE = LOCAL_PASSPHRASE;
  return vars;
}
