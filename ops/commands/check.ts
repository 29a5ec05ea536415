/**
 * `ops check --stack S`: the stack file validated as `pulumi preview` would, without running the
 * engine (see stacks/config/stack-file.ts). Exits 1 listing every problem.
 */
import { defineCommand } from "../command-line/command";
import { stackFlag } from "../command-line/flags";
import * as path from "node:path";
import { ConfigError } from "../../stacks/config/errors";
import {
  checkStackConfig,
  describeConfig,
  type ProjectConfig,
} from "../../stacks/config/stack-file";
import { NO_PROGRAM_OVERRIDES } from "../adapters/automation-engine";
import { configFromText } from "../adapters/stack-file";
import type { OpsContext } from "../context";
import { println } from "../format/text";
import { readFile } from "node:fs/promises";

export interface CheckOptions {
  readonly stack: string;
}

/** `check`: its flags, their help, and the options they give. */
export const checkCommand = defineCommand({
  spec: {
    name: "check",
    summary: "validate a stack file as pulumi preview would, without the engine",
    usage: "check --stack S",
    flags: { stack: stackFlag("stack whose Pulumi.S.yaml to check") },
    notes: `Lists every problem at once; only secure: values count as secrets.
AGENT_CLOUD_* overrides in the shell are ignored, as ops deploys without
them (npm run check-config applies them).`,
  },
  parse: (args): CheckOptions => ({ stack: args.required("stack") }),
  run: check,
});

export async function check(ctx: OpsContext, options: CheckOptions): Promise<number> {
  const stackConfig = await ctx.engine.readConfig(options.stack);
  const file = ctx.engine.configFileName(options.stack);
  if (Object.keys(stackConfig).length === 0) {
    println(ctx.stderr, `error: ${file} has no config (is the stack name right?)`);
    return 1;
  }
  try {
    // As ops runs the program: without the shell's overrides (its commands set their own).
    const env = { ...process.env, ...NO_PROGRAM_OVERRIDES };
    const config = checkStackConfig(stackConfig, await projectConfig(), env);
    println(ctx.stdout, `${file} is valid: ${describeConfig(config)}`);
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    println(ctx.stderr, `${file}: ${error.message}`);
    return 1;
  }
}

/** Pulumi.yaml's `config:` block: the defaults the engine fills in. */
async function projectConfig(): Promise<ProjectConfig> {
  const text = await readFile(path.join(__dirname, "..", "..", "Pulumi.yaml"), "utf8");
  return configFromText(text) as ProjectConfig;
}
