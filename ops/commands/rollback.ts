/** `rollback`: redeploy exactly what an earlier update ran: its program, config and images. */
import { defineCommand, type ParsedArgs } from "../command-line/command";
import { stackFlag, yesFlag } from "../command-line/flags";
import { positiveInt } from "../command-line/parse";
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

/** `rollback`: its flags, their help, and the options they give. */
export const rollbackCommand = defineCommand({
  spec: {
    name: "rollback",
    summary: "redeploy exactly what an earlier update ran, building nothing",
    usage:
      "rollback --stack S [--to VERSION|NAME | --version NAME] [--prune] [--release NAME] [--yes]",
    flags: {
      stack: stackFlag("stack to roll back"),
      to: {
        type: "string",
        value: "VERSION|NAME",
        doc: "update to return to (4, v4 or a release name); default: the\nsuccessful update before the latest",
      },
      version: { type: "string", value: "NAME", doc: "the same as --to" },
      prune: {
        type: "boolean",
        doc: "remove tenants added after that update (default: keep them as\nthey run now); their databases are retained either way",
      },
      release: { type: "string", value: "NAME", doc: "name this rollback's own release" },
      "policy-pack": {
        type: "string",
        multiple: true,
        value: "DIR",
        doc: "policy packs to enforce (repeatable; default: policy)",
      },
      yes: yesFlag("do not ask before updating"),
    },
    notes: `Runs the update's recorded commit from a git worktree with its recorded config
(secrets as the stack holds them now) and exactly the image digests it ran,
under the policy pack; shows the preview, asks, then records the update as
"rollback to vN".`,
  },
  parse: (args): RollbackOptions => {
    const policyPacks = args.list("policy-pack");
    return {
      stack: args.required("stack"),
      to: rollbackTarget(args),
      yes: args.flag("yes"),
      prune: args.flag("prune"),
      release: args.text("release"),
      policyPacks: policyPacks.length === 0 ? undefined : policyPacks,
    };
  },
  run: rollback,
});

/** `--to 4|v4|NAME` or `--version NAME`: an update version, or a release name. */
function rollbackTarget(args: ParsedArgs<"to" | "version">): number | string | undefined {
  const to = args.text("to");
  const version = args.text("version");
  if (to !== undefined && version !== undefined) {
    throw new UsageError("rollback: give --to or --version, not both");
  }
  const given = to ?? version;
  if (given === undefined) return undefined;
  const flag = `rollback: --${to !== undefined ? "to" : "version"}`;
  const versionPattern = /^v?\d+$/;
  if (versionPattern.test(given)) {
    return positiveInt(given, flag, versionPattern, "an update version such as 4 or v4");
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(given)) {
    throw new UsageError(
      `${flag} "${given}" must be an update version such as 4 or v4, or a release name`,
    );
  }
  return given;
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
