/** `rollback`: redeploy an earlier update's program (its commit) with its config. */
import type { OpsContext } from "../context";
import type { RunSource } from "../engine";
import { OpsError } from "../errors";
import { describeChanges, formatTime, println, shortDigest, shortSha } from "../format";
import { chooseRollbackTarget, rollbackCommit, rollbackConfig } from "../rollback-plan";
import { imageDigestOf, updateMessage } from "../update-meta";

/** `rollback` flags. */
export interface RollbackOptions {
  readonly stack: string;
  /** Version to return to; default: the successful update before the latest. */
  readonly to?: number;
  /** Do not ask before updating. */
  readonly yes: boolean;
}

/** Previews, confirms and runs the rollback; exits 1 when declined or the update failed. */
export async function rollback(ctx: OpsContext, o: RollbackOptions): Promise<number> {
  const { engine, stdout } = ctx;
  await engine.ensureCli();
  await engine.selectStack(o.stack);
  const target = chooseRollbackTarget(await engine.history(o.stack), o.stack, o.to);
  const commit = rollbackCommit(target);
  if (!(await engine.hasCommit(commit))) {
    throw new OpsError(
      `commit ${commit} recorded by update v${target.version} is not in this repository; fetch it (git fetch --all) and retry`,
    );
  }
  const plan = rollbackConfig(target, await engine.readConfig(o.stack));
  const digest = imageDigestOf(target);

  println(
    stdout,
    `rolling back stack "${o.stack}" to v${target.version} (${formatTime(target.startTime)}, commit ${shortSha(commit)}${digest === undefined ? "" : `, image ${shortDigest(digest)}`})`,
  );
  println(
    stdout,
    plan.changedKeys.length === 0
      ? "config: same as the stack file now"
      : `config that differs from the stack file now: ${plan.changedKeys.join(", ")}`,
  );
  if (plan.keptSecrets.length > 0) {
    println(stdout, `secrets kept as they are now: ${plan.keptSecrets.join(", ")}`);
  }

  const source: RunSource = { commit, config: plan.config };
  const onOutput = (text: string) => stdout.write(text);
  const preview = await engine.preview(o.stack, { source, onOutput });
  println(stdout, `preview: ${describeChanges(preview.changeSummary)}`);

  if (!o.yes && !(await ctx.confirm(`Roll back stack "${o.stack}" to v${target.version}?`))) {
    println(stdout, "rollback cancelled; nothing was changed");
    return 1;
  }

  const message = updateMessage(`rollback to v${target.version}`, {
    commit,
    image: digest,
  });
  const outcome = await engine.up(o.stack, { source, message, onOutput });
  println(
    stdout,
    `stack "${o.stack}" update v${outcome.version} ${outcome.result}: ${describeChanges(outcome.resourceChanges)}`,
  );
  if (outcome.result !== "succeeded") return 1;
  println(
    stdout,
    `note: the work tree still holds the newer program and config; revert them (git revert) before the next deploy, or it rolls forward again`,
  );
  return 0;
}
