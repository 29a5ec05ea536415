/** `rollback`: redeploy exactly what an earlier update ran: its program, config and images. */
import { defineCommand, type ParsedArgs } from "../command-line/command";
import { stackFlag, yesFlag } from "../command-line/flags";
import { positiveInt } from "../command-line/parse";
import type { OpsContext } from "../context";
import type { RunSource, UpdateRecord } from "../engine";
import { OpsError, UsageError } from "../errors";
import { describeChanges, formatTime, println, shortSha, type Writer } from "../format/text";
import {
  actorOf,
  checkReleaseName,
  releaseMessage,
  type Release,
  releasesOf,
  imagesBefore,
} from "../plans/release";
import {
  assertRollbackPullable,
  assertSamePlacement,
  chooseRollbackTarget,
  planRollback,
  restoredTenantNotes,
  rollbackCommit,
  type RollbackPlan,
  type RollbackPlanInput,
} from "../plans/rollback-plan";
import { refuseRunningElsewhere } from "../plans/tenant-moves";
import { otherStacks } from "./deploy";
import { holdsApiKeySeed } from "../plans/api-keys";
import { databaseProtectedOf, environmentOf } from "../stack-config";
import { runningImages } from "../plans/running-images";
import { planRemoval } from "../plans/tenant-removal";
import { setInClear } from "../plans/tenants-ran";
import { deployHint, environmentSettings, platformOf } from "../plans/shards";
import {
  assertSameEnvironment,
  checkDatabaseServer,
  databaseMovedEnv,
  databaseServerOf,
} from "../plans/stack-identity";
import { OVERRIDE_ENV } from "../../stacks/config/overrides";
import { imageRefOutput } from "../stack-outputs";
import { imagesCell } from "./history";
import { ADOPTION_READER, adoptionEnv, adoptionLine, programAdopts } from "../plans/adoption";

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
  /** Bring back tenants removed after the target instead of leaving them out. */
  readonly restoreRemoved?: boolean;
  /** Name for the rollback's own release. */
  readonly release?: string;
  /** The tenants' data was moved to the database server the earlier update ran on. */
  readonly databaseMoved?: boolean;
  /** Policy packs to enforce. @default ["policy"] when the project has one there */
  readonly policyPacks?: readonly string[];
}

/** `rollback`: its flags, their help, and the options they give. */
export const rollbackCommand = defineCommand({
  spec: {
    name: "rollback",
    summary: "redeploy exactly what an earlier update ran, building nothing",
    usage:
      "rollback --stack S [--to VERSION|NAME | --version NAME] [--prune] [--restore-removed] [--release NAME] [--yes]",
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
      "restore-removed": {
        type: "boolean",
        doc: "bring back tenants removed after that update, as it ran them, taking\nover their retained database and role (default: they stay removed)",
      },
      release: { type: "string", value: "NAME", doc: "name this rollback's own release" },
      "database-moved": {
        type: "boolean",
        doc: "that update ran its tenants on another database server than the\nlast update: their data was moved there (db backup, then db restore\nafter the rollback); without it such a rollback is refused (it sets\nAGENT_CLOUD_DATABASE_MOVED=1 for the program)",
      },
      "policy-pack": {
        type: "string",
        multiple: true,
        value: "DIR",
        doc: "policy packs to enforce (repeatable; default: policy)",
      },
      yes: yesFlag("do not ask before updating"),
    },
    notes: `Runs the update's recorded commit from a git worktree with its recorded config
(secrets as the stack holds them now; after a --group update, each tenant
outside the group as the earlier update that ran it) and exactly the image
digests it ran (image.ref: its stack image; each tenant that ran another, or
in a shard every tenant, pinned), under the policy pack; shows the preview,
asks, then records the update as "rollback to vN". Refused when the history
does not say what a --group update left a tenant running, when that update ran
with another kubernetes:context or dns.zoneId than the stack file sets, or
ran images from a registry the stack does not pull from.`,
  },
  parse: (args): RollbackOptions => {
    const policyPacks = args.list("policy-pack");
    return {
      stack: args.required("stack"),
      to: rollbackTarget(args),
      yes: args.flag("yes"),
      prune: args.flag("prune"),
      restoreRemoved: args.flag("restore-removed"),
      release: args.text("release"),
      databaseMoved: args.flag("database-moved"),
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
export async function rollback(ctx: OpsContext, options: RollbackOptions): Promise<number> {
  const { engine, stdout } = ctx;
  await engine.ensureCli();
  await engine.selectStack(options.stack);
  const history = await engine.history(options.stack);
  if (options.release !== undefined) {
    const problem = checkReleaseName(options.release, history, options.stack);
    if (problem !== undefined) throw new UsageError(problem);
  }
  const target = chooseRollbackTarget(history, options.stack, options.to);
  const commit = rollbackCommit(target);
  if (!(await engine.hasCommit(commit))) {
    throw new OpsError(
      `commit ${commit} recorded by update v${target.version} is not in this repository; fetch it (git fetch --all) and retry`,
    );
  }
  const outputs = await engine.outputs(options.stack);
  const running = await runningImages(engine, options.stack, outputs);
  const release = releasesOf(history, running).find((r) => r.update === target);
  const current = await engine.readConfig(options.stack);
  // A shard stack's environment and database settings are its platform's.
  const settings = await environmentSettings(engine, current);
  const shard = platformOf(current) !== undefined;
  const input: RollbackPlanInput = {
    stack: options.stack,
    history,
    target,
    targetImages: release?.images ?? {},
    current,
    deployed: history.find((u) => u.kind === "update" && u.result === "succeeded"),
    running,
    prune: options.prune === true,
    restoreRemoved: options.restoreRemoved === true,
    stackImage: imageRefOutput(outputs),
    shard,
  };
  let plan = planRollback(input);
  // A tenant it brings back may have moved to another shard since: refused while that one runs
  // it, else its retained role and database are named after the stack that ran it last.
  const created = plan.tenants.filter((id) => running[id] === undefined);
  const others = created.length === 0 ? [] : await otherStacks(ctx, options.stack, current);
  if (others.length > 0) {
    refuseRunningElsewhere(created, others, {
      stack: options.stack,
      environment: environmentOf(settings) ?? options.stack,
      configFile: engine.configFileName(options.stack),
      platform: platformOf(current) ?? options.stack,
      rollbackTo: target.version,
    });
    plan = planRollback({ ...input, others });
  }
  if (plan.adopted.length > 0 && !programAdopts(await engine.fileAt(commit, ADOPTION_READER))) {
    throw new OpsError(
      `rollback to v${target.version} would bring back ${plan.adopted.map((r) => r.id).join(", ")}, whose role and database are retained on the server, but the program of its commit ${shortSha(commit)} predates taking them over (${OVERRIDE_ENV.adoptDatabases}) and would fail midway creating them; bring them back with today's program first (with them in ${engine.configFileName(options.stack)}, ${deployHint(options.stack, current, plan.adopted.map((r) => ` --adopt-database ${r.id}`).join(""))}), then roll back`,
    );
  }
  // What the rollback runs on: the earlier update's own environment and database server, or a
  // shard's platform's as they are now.
  const restored = await environmentSettings(engine, plan.config);
  assertSameEnvironment(options.stack, restored, outputs, `v${target.version}'s config`);
  assertSamePlacement({
    stack: options.stack,
    history,
    target,
    commit,
    runs: restored,
    current: settings,
    configFile: engine.configFileName(options.stack),
  });
  assertRollbackPullable(options.stack, target.version, settings, plan);
  const move = checkDatabaseServer({
    stack: options.stack,
    history,
    config: restored,
    running: Object.keys(running),
    shard,
    moved: options.databaseMoved === true,
    dryRun: false,
    rollbackTo: target.version,
  });
  const removal = planRemoval({
    stack: options.stack,
    environment: environmentOf(settings) ?? options.stack,
    deployed: Object.keys(running),
    configured: plan.tenants,
    requested: plan.pruned,
    protectedDatabases: databaseProtectedOf(settings),
    resources: plan.pruned.length > 0 ? await engine.resources(options.stack) : [],
    configFile: engine.configFileName(options.stack),
  });

  // A restored tenant's rotated API key is derived from the stack's key seed, if it is kept.
  const keySeedKept =
    plan.restored.length > 0 && holdsApiKeySeed(await engine.resources(options.stack));
  printRollbackPlan(stdout, options.stack, { target, commit, release, plan, keySeedKept });
  for (const note of removal.notes) println(stdout, note);
  if (plan.adopted.length > 0) println(stdout, adoptionLine(plan.adopted));
  if (move !== undefined) println(stdout, move);

  const source: RunSource = { commit, config: plan.config };
  const env = { ...adoptionEnv(plan.adopted), ...databaseMovedEnv(options.databaseMoved === true) };
  // The project's policy pack applies to every rollback, as deploy.yml applies it to deploys.
  const policyPacks =
    options.policyPacks ??
    ((await engine.hasPolicyPack(DEFAULT_POLICY_PACK)) ? [DEFAULT_POLICY_PACK] : []);
  const onOutput = (text: string) => stdout.write(text);
  const run = { source, policyPacks, onOutput, ...(Object.keys(env).length > 0 ? { env } : {}) };
  const preview = await engine.preview(options.stack, run);
  println(stdout, `preview: ${describeChanges(preview.changeSummary)}`);

  if (
    !options.yes &&
    !(await ctx.confirm(`Roll back stack "${options.stack}" to v${target.version}?`))
  ) {
    println(stdout, "rollback cancelled; nothing was changed");
    return 1;
  }

  if (removal.unprotect.length > 0) await engine.unprotect(options.stack, removal.unprotect);
  const git = await engine.gitState();
  const message = releaseMessage({
    action: `rollback to v${target.version}`,
    name: options.release,
    actor: actorOf(ctx.env ?? process.env, git.user),
    commit,
    images: plan.images,
    rollbackTo: target.version,
    prune: options.prune,
    removed: plan.pruned,
    database: databaseServerOf(restored),
    before: imagesBefore(history, running),
  });
  const outcome = await engine.up(options.stack, { ...run, message });
  println(
    stdout,
    `stack "${options.stack}" update v${outcome.version} ${outcome.result}: ${describeChanges(outcome.resourceChanges)}`,
  );
  if (outcome.result !== "succeeded") return 1;
  println(
    stdout,
    `note: the work tree still holds the newer program and config; revert them (git revert) before the next deploy, or it rolls forward again`,
  );
  return 0;
}

/** What a rollback returns to, as the operator sees it before saying yes. */
interface RollbackSummary {
  readonly target: UpdateRecord;
  readonly commit: string;
  readonly release: Release | undefined;
  readonly plan: RollbackPlan;
  /** Whether the stack's state holds the API-key seed (rotated keys derive from it). */
  readonly keySeedKept: boolean;
}

/** What the rollback will run: the update, its images, the config it differs in, kept tenants. */
function printRollbackPlan(
  stdout: Writer,
  stack: string,
  { target, commit, release, plan, keySeedKept }: RollbackSummary,
): void {
  const name = release?.facts.name === undefined ? "" : ` "${release.facts.name}"`;
  println(
    stdout,
    `rolling back stack "${stack}" to v${target.version}${name} (${formatTime(target.startTime)}, commit ${shortSha(commit)}); building nothing`,
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
  if (plan.unrestored.length > 0) {
    println(
      stdout,
      `not restored: v${target.version} recorded ${plan.unrestored.join(", ")} as a secret and ops never decrypts history, so ${plan.unrestored.length === 1 ? "it runs" : "they run"} as the stack file has ${plan.unrestored.length === 1 ? "it" : "them"} now; ${setInClear(plan.unrestored)}`,
    );
  }
  if (plan.kept.length > 0) {
    println(
      stdout,
      `tenants added after v${target.version}, kept as they run now (--prune removes them): ${plan.kept.join(", ")}`,
    );
  }
  if (plan.leftRemoved.length > 0) {
    println(
      stdout,
      `tenants removed after v${target.version}, left removed (--restore-removed brings them back): ${plan.leftRemoved.join(", ")}`,
    );
  }
  if (plan.restored.length > 0) {
    println(
      stdout,
      `tenants removed after v${target.version}, brought back as v${target.version} ran them: ${restoredTenantNotes(plan, target.version, keySeedKept).join(", ")}`,
    );
  }
}
