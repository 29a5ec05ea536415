/**
 * Runs the real entry point (stacks/index.ts) under mocks with a stack file's config, as
 * `pulumi up --stack <name>` would, and resolves its stack outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { vi } from "vitest";
import { runProgram, valueOf, type ProgramRun } from "../../testkit/mocks";
import { engineConfig, type StackName } from "../../testkit/stack-files";

export interface StackRun extends ProgramRun<Record<string, unknown>> {
  /** Stack outputs, resolved. */
  readonly outputs: Record<string, unknown>;
  /** Names of the stack outputs that are secret. */
  readonly secretOutputs: string[];
}

export async function runStack(
  stack: StackName,
  env: Record<string, string> = {},
  preview = false,
): Promise<StackRun> {
  const { config, secretKeys } = engineConfig(stack);
  vi.resetModules();
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const run = await runProgram(
      async () => (await import("../../stacks/index.js")) as unknown as Record<string, unknown>,
      { stack, config, secretKeys, preview },
    );
    const outputs: Record<string, unknown> = {};
    const secretOutputs: string[] = [];
    for (const [key, value] of Object.entries(run.result)) {
      // The engine records no output for an export left undefined (`apiKeys` outside a shard).
      if (value === undefined) continue;
      outputs[key] = await valueOf(value);
      if (pulumi.Output.isInstance(value) && (await pulumi.isSecret(value)))
        secretOutputs.push(key);
    }
    return { ...run, outputs, secretOutputs };
  } finally {
    process.env = saved;
  }
}
