/** `rollback`: redeploy exactly what an earlier update ran: its program, config and images. */
import type { OpsContext } from "../context";
import type { RunSource } from "../engine";
import { OpsError, UsageError } from "../errors";
import { describeChanges, formatTime, println, shortSha } from "../format/text";
import {
  actorOf,
  checkReleaseName,
  releaseMessage,
  releasesOf,
  splitImages,
} from "../plans/release";
import { chooseRollbackTarget, planRollback, rollbackCommit } from "../plans/rollback-plan";
import { databaseProtectedOf, environmentOf } from "../stack-config";
import { runningImages } from "../plans/running-images";
import { planRemoval } from "../plans/tenant-removal";
import { imagesCell } from "./history";

/** The policy pack every rollback runs under, relative to the project. */
export const DEFAULT_POLICY_PACK = "policy";

/** `rollback` flags. */
export interface RollbackOptions {
  readonly stack: string;
  /** Version (4) or release name to return to; default: the successful update before the latest. */
  readonly to?: number | string;
  /** Do not ask before updating. */
  readonly yes: boolean;
  /** Remove tenants added after the target instead of keeping them. */
  readonly prune?: boolean;
  /** Name for the rollback's own release. */
  readonly release?: string;
  /** Policy packs to enforce. @default ["policy"] when the project has one there */
  readonly policyPacks?: readonly string[];
}

/** Previews, confirms and runs the rollback; exits 1 when declined or the update failed. */
export async function rollback(ctx: OpsContext, o: RollbackOptions): Promise<number> {
  const { engine, stdout } = ctx;
  await engine.ensureCli();
  await engine.selectStack(o.stack);
  const history = await engine.history(o.stack);
  if (o.release !== undefined) {
    const problem = checkReleaseName(o.release, history, o.stack);
    if (problem !== undefined) throw new UsageError(problem);
  }
  const target = chooseRollbackTarget(history, o.stack, o.to);
  const commit = rollbackCommit(target);
  if (!(await engine.hasCommit(commit))) {
    throw new OpsError(
      `commit ${commit} recorded by update v${target.version} is not in this repository; fetch it (git fetch --all) and retry`,
    );
  }
  const running = await runningImages(engine, o.stack, await engine.outputs(o.stack));
  const release = releasesOf(history, running).find((r) => r.update === target);
  const current = await engine.readConfig(o.stack);
  const plan = planRollback({
    target,
    targetImages: release?.images ?? {},
    current,
    deployed: history.find((u) => u.kind === "update" && u.result === "succeeded"),
    running,
    prune: o.prune === true,
  });
  const removal = planRemoval({
    stack: o.stack,
    environment: environmentOf(current) ?? o.stack,
    deployed: Object.keys(running),
    configured: [...Object.keys(release?.images ?? {}), ...plan.kept],
    requested: plan.pruned,
    protectedDatabases: databaseProtectedOf(current),
    resources: plan.pruned.length > 0 ? await engine.resources(o.stack) : [],
    configFile: engine.configFileName(o.stack),
  });

  const name = release?.facts.name === undefined ? "" : ` "${release.facts.name}"`;
  println(
    stdout,
    `rolling back stack "${o.stack}" to v${target.version}${name} (${formatTime(target.startTime)}, commit ${shortSha(commit)}); building nothing`,
  );
  println(stdout, `images: ${imagesCell(release?.images ?? {})}`);
  println(
    stdout,
    plan.changedKeys.length === 0
      ? "config: same as the stack file now"
      : `config that differs from the stack file now: ${plan.changedKeys.join(", ")}`,
  );
  if (plan.keptSecrets.length > 0) {
    println(stdout, `secrets kept as they are now: ${plan.keptSecrets.join(", ")}`);
  }
  if (plan.kept.length > 0) {
    println(
      stdout,
      `tenants added after v${target.version}, kept as they run now (--prune removes them): ${plan.kept.join(", ")}`,
    );
  }
  for (const note of removal.notes) println(stdout, note);

  const source: RunSource = { commit, config: plan.config };
  // The project's policy pack applies to every rollback, as deploy.yml applies it to deploys.
  const policyPacks =
    o.policyPacks ??
    ((await engine.hasPolicyPack(DEFAULT_POLICY_PACK)) ? [DEFAULT_POLICY_PACK] : []);
  const onOutput = (text: string) => stdout.write(text);
  const preview = await engine.preview(o.stack, { source, policyPacks, onOutput });
  println(stdout, `preview: ${describeChanges(preview.changeSummary)}`);

  if (!o.yes && !(await ctx.confirm(`Roll back stack "${o.stack}" to v${target.version}?`))) {
    println(stdout, "rollback cancelled; nothing was changed");
    return 1;
  }

  if (removal.unprotect.length > 0) await engine.unprotect(o.stack, removal.unprotect);
  const git = await engine.gitState();
  const latest = history.find((u) => u.kind === "update");
  const message = releaseMessage({
    action: `rollback to v${target.version}`,
    name: o.release,
    actor: actorOf(ctx.env ?? process.env, git.user),
    commit,
    images: plan.images,
    rollbackTo: target.version,
    prune: o.prune,
    removed: plan.pruned,
    before:
      latest === undefined || Object.keys(running).length === 0
        ? undefined
        : { version: latest.version, images: splitImages(running) },
  });
  const outcome = await engine.up(o.stack, { source, policyPacks, message, onOutput });
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
