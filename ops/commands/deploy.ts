/** `deploy`: preview or update one stack, optionally only some tenant groups. */
import { defineCommand } from "../command-line/command";
import { stackFlag } from "../command-line/flags";
import type { OpsContext } from "../context";
import type { GitState, RunOptions, StackConfig, StackOutputs } from "../engine";
import { IMAGE_TAG, IMAGE_TAG_RULE } from "../../model/patterns";
import { OpsError, UnknownStackError, UsageError } from "../errors";
import { describeChanges, println, shortSha } from "../format/text";
import { checkGroups, type GroupTargets, groupTargets } from "../plans/groups";
import { apiKeyGenerationOf, holdsApiKeySeed } from "../plans/api-keys";
import {
  deployGroupAcrossShards,
  environmentSettings,
  type GroupDeployOptions,
  otherEnvironmentStacks,
  platformOf,
} from "../plans/shards";
import {
  actorOf,
  checkReleaseName,
  releaseMessage,
  imagesBefore,
  releasesOf,
  type ImageSet,
  type Release,
  type ReleaseFacts,
  type TenantImages,
} from "../plans/release";
import {
  databaseProtectedOf,
  environmentOf,
  imageRefOf,
  type TenantEntry,
  tenantsOf,
} from "../stack-config";
import { runningImages } from "../plans/running-images";
import { imageRefOutput, tenantsOutput } from "../stack-outputs";
import { planRemoval } from "../plans/tenant-removal";
import { OVERRIDE_ENV } from "../../stacks/config/overrides";
import { assertCarriable, carriedPins, sourceStackImage } from "../plans/carried-images";
import {
  assertSameEnvironment,
  checkDatabaseServer,
  databaseMovedEnv,
  databaseServerOf,
} from "../plans/stack-identity";
import {
  adoptionEnv,
  adoptedKeysLine,
  adoptionLine,
  chooseAdoptions,
  retainedDatabases,
  unseenHistoryNote,
} from "../plans/adoption";
import { type OtherStack, refuseRunningElsewhere } from "../plans/tenant-moves";

/** `deploy` flags. */
export interface DeployOptions extends GroupDeployOptions {
  readonly stack: string;
  readonly dryRun: boolean;
  readonly skipBuild: boolean;
  readonly force: boolean;
  readonly tag?: string;
  readonly groups: readonly string[];
  /** Policy pack folders enforced on the preview or update. */
  readonly policyPacks?: readonly string[];
  /** Name for this release (`rollback --to NAME`). */
  readonly release?: string;
  /** Deploy the images this stack's last successful update ran (build nothing). */
  readonly imageFrom?: string;
  /** Tenants this deploy may remove from a stack that protects its databases. */
  readonly removeTenants?: readonly string[];
  /** Tenants created again that take their retained role and database over. */
  readonly adoptDatabases?: readonly string[];
  /** Tenants created again with a new role and database (the retained ones were dropped). */
  readonly newDatabases?: readonly string[];
  /** The tenants' data was moved to the stack file's new database server (or need not be). */
  readonly databaseMoved?: boolean;
}

/** `deploy`: its flags, their help, and the options they give. */
export const deployCommand = defineCommand({
  spec: {
    name: "deploy",
    summary: "preview or update a stack, streaming progress",
    usage:
      "deploy --stack S [--dry-run] [--skip-build | --image-from S2] [--force] [--tag T] [--group G ...] [--release NAME] [--remove-tenant ID ...] [--adopt-database ID ... | --new-database ID ...] [--database-moved] [--policy-pack DIR ...]",
    flags: {
      stack: stackFlag("stack to deploy (local, dev, production)"),
      "dry-run": { type: "boolean", doc: "preview only: show what would change" },
      "skip-build": {
        type: "boolean",
        doc: "do not build; redeploy the stack's last imageRef by digest",
      },
      force: { type: "boolean", doc: "rebuild the image even if its context did not change" },
      tag: { type: "string", value: "T", doc: "tag to push the built image under" },
      group: {
        type: "string",
        multiple: true,
        value: "G",
        doc: "roll out to tenants labelled G (repeatable) only: their objects and\ndatabases, the image and the proxy's route table; other tenants keep\nthe exact image they run",
      },
      "image-from": {
        type: "string",
        value: "S2",
        doc: "build nothing: run the images stack S2's last successful update ran\n(refused when S2's latest update failed, when an image is on a\nregistry this stack does not pull from, or when S2 built it for fewer\nplatforms than this stack's image.platforms)",
      },
      release: { type: "string", value: "NAME", doc: "name this release (rollback --to NAME)" },
      "remove-tenant": {
        type: "string",
        multiple: true,
        value: "ID",
        doc: "allow removing tenant ID (gone from the stack file) from a stack that\nprotects its databases; its database and role are retained",
      },
      "adopt-database": {
        type: "string",
        multiple: true,
        value: "ID",
        doc: "tenant ID, removed before (or run by another shard stack of the\nenvironment) and in the stack file again, takes its retained role and\ndatabase over, data included",
      },
      "new-database": {
        type: "string",
        multiple: true,
        value: "ID",
        doc: "tenant ID, removed before (or run by another shard stack of the\nenvironment) and in the stack file again, starts with a new role and\ndatabase (drop the retained ones on the server first)",
      },
      "database-moved": {
        type: "boolean",
        doc: "the stack file names another database server than the last update\nran on: its tenants' data was moved there (db backup, then db restore\nafter this deploy); without it such a deploy is refused (it sets\nAGENT_CLOUD_DATABASE_MOVED=1, which a hand-run pulumi up takes)",
      },
      "policy-pack": {
        type: "string",
        multiple: true,
        value: "DIR",
        doc: "enforce the CrossGuard policy pack in DIR (repeatable), e.g. policy",
      },
    },
  },
  parse: (args): DeployOptions => ({
    stack: args.required("stack"),
    dryRun: args.flag("dry-run"),
    skipBuild: args.flag("skip-build"),
    force: args.flag("force"),
    tag: args.text("tag"),
    groups: args.list("group"),
    policyPacks: args.list("policy-pack"),
    release: args.text("release"),
    imageFrom: args.text("image-from"),
    removeTenants: args.list("remove-tenant"),
    adoptDatabases: args.list("adopt-database"),
    newDatabases: args.list("new-database"),
    databaseMoved: args.flag("database-moved"),
  }),
  run: deploy,
});

/** Contradictory or malformed flags, found before anything runs. */
export function checkDeployOptions(options: DeployOptions): void {
  if (options.skipBuild && options.force) {
    throw new UsageError(
      "--skip-build and --force contradict each other: --force rebuilds the image, --skip-build redeploys the last one",
    );
  }
  if (options.skipBuild && options.tag !== undefined) {
    throw new UsageError(
      "--tag names the image a build pushes; it cannot be combined with --skip-build",
    );
  }
  if (options.groups.length > 0 && (options.removeTenants ?? []).length > 0) {
    throw new UsageError(
      `--remove-tenant cannot be combined with --group: a --group deploy updates only the group's tenants and the route table and deletes nothing; remove tenants with a whole-stack deploy`,
    );
  }
  if (options.tag !== undefined && !IMAGE_TAG.test(options.tag)) {
    throw new UsageError(`--tag "${options.tag}": ${IMAGE_TAG_RULE}`);
  }
  if (options.imageFrom !== undefined) {
    const clash = [
      options.skipBuild && "--skip-build",
      options.force && "--force",
      options.tag !== undefined && "--tag",
    ].filter((x): x is string => typeof x === "string");
    if (clash.length > 0) {
      throw new UsageError(
        `--image-from deploys the images stack "${options.imageFrom}" ran and builds nothing; it cannot be combined with ${clash.join(", ")}`,
      );
    }
    if (options.imageFrom === options.stack) {
      throw new UsageError(
        `--image-from "${options.imageFrom}" is the stack being deployed; name another stack`,
      );
    }
  }
}

/**
 * The images `stack`'s last update ran (its stack image and each tenant's), for a deploy of `to`;
 * refuses when that update did not succeed or the stack image is not known.
 */
async function testedImages(
  ctx: OpsContext,
  stack: string,
  to: string,
): Promise<{ version: number; image: string; tenants: TenantImages; releases: Release[] }> {
  const { engine } = ctx;
  await engine.selectStack(stack);
  const history = await engine.history(stack);
  const latest = history.find((u) => u.kind === "update");
  if (latest === undefined || latest.result !== "succeeded") {
    throw new OpsError(
      latest === undefined
        ? `--image-from ${stack}: stack "${stack}" has never been deployed; deploy and test it first`
        : `--image-from ${stack}: the latest update of stack "${stack}" (v${latest.version}) ${latest.result}; only images of a successful update can be carried`,
    );
  }
  const outputs = await engine.outputs(stack);
  const image = sourceStackImage({ what: `--image-from ${stack}`, from: stack, to }, outputs);
  const tenants = await runningImages(engine, stack, outputs);
  return { version: latest.version, image, tenants, releases: releasesOf(history, tenants) };
}

/**
 * The other stacks of `stack`'s environment (ops/plans/shards.ts otherEnvironmentStacks), each
 * with its history and the tenants its `tenants` output names; none for an unsharded stack. A
 * stack the platform lists that does not exist yet has run nothing and is left out. Read one
 * after another, as every engine call selects its stack.
 */
export async function otherStacks(
  ctx: OpsContext,
  stack: string,
  config: StackConfig,
): Promise<OtherStack[]> {
  const { engine } = ctx;
  const read: OtherStack[] = [];
  for (const other of await otherEnvironmentStacks(engine, stack, config)) {
    try {
      const history = await engine.history(other);
      const running = tenantsOutput(await engine.outputs(other)).map((tenant) => tenant.id);
      read.push({ stack: other, configFile: engine.configFileName(other), history, running });
    } catch (error) {
      if (!(error instanceof UnknownStackError)) throw error;
    }
  }
  return read;
}

/** Runs a deploy; returns the exit code. */
export async function deploy(ctx: OpsContext, options: DeployOptions): Promise<number> {
  checkDeployOptions(options);
  // A group on a sharded environment: each shard holding it, then the platform's routes.
  const across = await deployGroupAcrossShards(ctx.engine, options, (one) => deploy(ctx, one));
  if (across !== undefined) return across;
  const { engine, stdout } = ctx;
  await engine.ensureCli();
  await engine.selectStack(options.stack);
  // A shard stack's environment, database and image are its platform's.
  const config = await environmentSettings(engine, await engine.readConfig(options.stack));
  const history = await engine.history(options.stack);
  if (options.release !== undefined) {
    const problem = checkReleaseName(options.release, history, options.stack);
    if (problem !== undefined) throw new UsageError(problem);
  }
  const outputs = await engine.outputs(options.stack);
  // A shard's environment and database are its platform's, in its platform's file.
  const platform = platformOf(config);
  assertSameEnvironment(
    options.stack,
    config,
    outputs,
    engine.configFileName(platform ?? options.stack),
  );
  const running = await runningImages(engine, options.stack, outputs);
  const tenants = tenantsOf(config);

  const source = await imageSource(ctx, options, config, outputs, tenants);
  const group = await groupTarget(ctx, options, tenants, running, source.pins);
  const target = group?.targets;
  if (Object.keys(source.pins).length > 0) {
    source.env[OVERRIDE_ENV.tenantImages] = JSON.stringify(source.pins);
  }
  // Tenants this deploy creates (a --group deploy only its group's) that an earlier update ran:
  // their role and database were retained when they were removed; the operator says whether the
  // program takes them over or they were dropped.
  const created = (group?.tenantIds ?? tenants.map((tenant) => tenant.id)).filter(
    (id) => running[id] === undefined,
  );
  const environment = environmentOf(config) ?? options.stack;
  // With shards, another stack of the environment may run or have run a tenant created here:
  // its role and database are the environment's, whichever stack runs it.
  const others = created.length === 0 ? [] : await otherStacks(ctx, options.stack, config);
  refuseRunningElsewhere(created, others, {
    stack: options.stack,
    environment,
    configFile: engine.configFileName(options.stack),
    platform: platform ?? options.stack,
  });
  const seen = retainedDatabases(history, running, created, others);
  const retained = chooseAdoptions(
    seen,
    { adopt: options.adoptDatabases ?? [], fresh: options.newDatabases ?? [] },
    {
      stack: options.stack,
      environment,
      ...(options.groups.length === 0 ? { creatable: created } : {}),
      ci: (ctx.env ?? process.env).CI === "true",
    },
  );
  Object.assign(
    source.env,
    adoptionEnv(retained),
    databaseMovedEnv(options.databaseMoved === true),
  );
  const removal = planRemoval({
    stack: options.stack,
    environment,
    deployed: Object.keys(running),
    configured: tenants.map((tenant) => tenant.id),
    requested: options.removeTenants ?? [],
    protectedDatabases: databaseProtectedOf(config),
    resources: removalNeedsState(running, tenants) ? await engine.resources(options.stack) : [],
    configFile: engine.configFileName(options.stack),
    groups: options.groups,
  });
  for (const note of removal.notes) println(stdout, note);
  if (retained.length > 0) {
    println(stdout, adoptionLine(retained));
    const generations = Object.fromEntries(
      retained.map((r) => [r.id, apiKeyGenerationOf(config, r.id)]),
    );
    const keySeedKept = Object.values(generations).some((g) => g >= 1)
      ? holdsApiKeySeed(await engine.resources(options.stack))
      : false;
    println(stdout, adoptedKeysLine(options.stack, retained, generations, keySeedKept));
  }
  const unseen = unseenHistoryNote(
    history,
    created,
    [...seen.map((r) => r.id), ...(options.adoptDatabases ?? []), ...(options.newDatabases ?? [])],
    others,
  );
  if (unseen !== undefined) println(stdout, unseen);
  const move = checkDatabaseServer({
    stack: options.stack,
    history,
    config,
    running: Object.keys(running),
    shard: platform !== undefined,
    moved: options.databaseMoved === true,
    dryRun: options.dryRun,
  });
  if (move !== undefined) println(stdout, move);
  const changing = changedTenants(running, tenants, source.pins, source.images);
  if (changing.length > 0) println(stdout, `tenants whose image changes: ${changing.join(", ")}`);
  const git = await gitStateWithWarnings(ctx);

  const run: RunOptions = {
    env: source.env,
    ...(options.policyPacks !== undefined && options.policyPacks.length > 0
      ? { policyPacks: options.policyPacks }
      : {}),
    target,
    targetDependents: target === undefined ? undefined : true,
    onOutput: (text) => stdout.write(text),
  };
  if (options.dryRun) {
    const preview = await engine.preview(options.stack, run);
    println(
      stdout,
      `preview of stack "${options.stack}": ${describeChanges(preview.changeSummary)}`,
    );
    return 0;
  }

  if (removal.unprotect.length > 0) {
    println(
      stdout,
      `lifting protection from ${removal.unprotect.length} retained database resources of ${removal.removed.join(", ")}`,
    );
    await engine.unprotect(options.stack, removal.unprotect);
  }
  const facts: ReleaseFacts = {
    action: "deploy",
    name: options.release,
    actor: actorOf(ctx.env ?? process.env, git.user),
    commit: git.commit,
    dirty: git.dirty,
    images:
      source.images ?? (Object.keys(source.pins).length > 0 ? { pins: source.pins } : undefined),
    skipBuild: options.skipBuild,
    rebuild: options.force,
    tag: options.tag,
    groups: options.groups,
    imageFrom: source.imageFrom,
    removed: removal.removed.filter((id) => (options.removeTenants ?? []).includes(id)),
    database: databaseServerOf(config),
    before: imagesBefore(history, running),
  };
  const outcome = await engine.up(options.stack, { ...run, message: releaseMessage(facts) });
  println(
    stdout,
    `stack "${options.stack}" update v${outcome.version} ${outcome.result}: ${describeChanges(outcome.resourceChanges)}`,
  );
  const image = imageRefOutput(outcome.outputs);
  if (image !== undefined) println(stdout, `image: ${image}`);
  return outcome.result === "succeeded" ? 0 : 1;
}

/** Where a deploy's images come from: the program's overrides and what the release records. */
interface ImageSource {
  /** Environment variables for the program (OVERRIDE_ENV). */
  readonly env: Record<string, string>;
  /** Tenants that run exactly this image (`AGENT_CLOUD_TENANT_IMAGES`). */
  readonly pins: Record<string, string>;
  /** The images the release records, when known before the update runs. */
  readonly images?: ImageSet;
  /** `stack@vN` for `--image-from`. */
  readonly imageFrom?: string;
}

/**
 * Build, `--skip-build` (the last imageRef) or `--image-from` (another stack's tested images).
 * A stack file that pins `image.ref` runs that digest: `--force`, `--tag` and `--skip-build`
 * beside it are refused.
 */
async function imageSource(
  ctx: OpsContext,
  options: DeployOptions,
  config: StackConfig,
  outputs: StackOutputs,
  tenants: readonly TenantEntry[],
): Promise<ImageSource> {
  const { stdout } = ctx;
  const env: Record<string, string> = {};
  const pins: Record<string, string> = {};
  let images: ImageSet | undefined;
  const configured = imageRefOf(config);
  if (configured !== undefined) images = { image: configured, pins: {} };
  const pinnedIn = ctx.engine.configFileName(options.stack);
  const building = [options.force && "--force", options.tag !== undefined && "--tag"].filter(
    (flag): flag is string => typeof flag === "string",
  );
  if (configured !== undefined && building.length > 0) {
    throw new UsageError(
      `${building.join(" and ")} ${building.length > 1 ? "ask" : "asks"} for a build, but ${pinnedIn} sets image.ref ${configured} (as promote writes it), so this deploy builds nothing and runs that image; remove image.ref to build from the context, or deploy without ${building.join(" and ")}`,
    );
  }
  if (configured !== undefined && options.skipBuild) {
    throw new UsageError(
      `--skip-build redeploys the stack's last imageRef output, but ${pinnedIn} sets image.ref ${configured} (as promote writes it), so it would run another image than the stack file says; deploy without --skip-build to run that pinned digest (it builds nothing), or remove image.ref to redeploy the last imageRef`,
    );
  }
  let imageFrom: string | undefined;
  if (options.skipBuild) {
    const ref = imageRefOutput(outputs);
    if (ref === undefined) {
      throw new OpsError(
        `--skip-build: stack "${options.stack}" has no imageRef output, so there is no built image to redeploy; run deploy without --skip-build first`,
      );
    }
    env[OVERRIDE_ENV.skipBuild] = "1";
    env[OVERRIDE_ENV.imageRef] = ref;
    images = { image: ref, pins: {} };
    println(stdout, `skipping the build: redeploying ${ref}`);
  }
  if (options.imageFrom !== undefined) {
    const tested = await testedImages(ctx, options.imageFrom, options.stack);
    assertCarriable({
      what: `--image-from ${options.imageFrom}`,
      from: options.imageFrom,
      to: options.stack,
      target: config,
      refs: [tested.image, ...tenants.flatMap((t) => tested.tenants[t.id] ?? [])],
      sourceReleases: tested.releases,
    });
    env[OVERRIDE_ENV.skipBuild] = "1";
    env[OVERRIDE_ENV.imageRef] = tested.image;
    // A shard runs its platform's image, whatever it is now: each tenant is pinned to its own.
    Object.assign(
      pins,
      carriedPins(
        tested.image,
        tested.tenants,
        tenants.map((tenant) => tenant.id),
        platformOf(config) !== undefined,
      ),
    );
    images = { image: tested.image, pins: { ...pins } };
    imageFrom = `${options.imageFrom}@v${tested.version}`;
    println(
      stdout,
      `building nothing: deploying the images stack "${options.imageFrom}" ran in v${tested.version} (${tested.image})`,
    );
  }
  if (options.force) env[OVERRIDE_ENV.rebuild] = ctx.now().toISOString();
  if (options.tag !== undefined) env[OVERRIDE_ENV.tag] = options.tag;
  return { env, pins, images, imageFrom };
}

/**
 * `--group`: the resources to target (the group's tenants, their databases, the image and the
 * route table) and the group's tenants; every other tenant is pinned in `pins` to exactly the
 * image it runs now, and is not created when it does not run. Undefined (no target: the whole
 * stack) without a group.
 */
async function groupTarget(
  ctx: OpsContext,
  options: DeployOptions,
  tenants: readonly TenantEntry[],
  running: TenantImages,
  pins: Record<string, string>,
): Promise<GroupTargets | undefined> {
  const { engine, stdout } = ctx;
  if (options.groups.length === 0) return undefined;
  const step = options.environmentStep;
  // Across shards the groups were checked against the whole environment.
  if (step === undefined)
    checkGroups(options.groups, tenants, options.stack, engine.configFileName(options.stack));
  const selection = groupTargets(
    step === "routes" ? [] : options.groups,
    tenants,
    await engine.resources(options.stack),
    options.stack,
    { requireProxy: step !== "shard" },
  );
  const target = selection.targets;
  const others = tenants.filter((tenant) => !selection.tenantIds.includes(tenant.id));
  for (const tenant of others) {
    const ref = running[tenant.id];
    if (ref !== undefined && pins[tenant.id] === undefined && tenant.image === undefined)
      pins[tenant.id] = ref;
  }
  const parts = [
    selection.tenantIds.length === 0
      ? "no tenant of this stack"
      : `tenants ${selection.tenantIds.join(", ")}, their databases`,
    ...(step === "shard" ? [] : ["the image and the proxy route table"]),
  ];
  println(
    stdout,
    `group ${options.groups.join(", ")}: ${parts.join(", ")} (${target.length} resources targeted, with their dependents); ${others.length === 0 ? "no other tenant" : `${others.map((tenant) => tenant.id).join(", ")} keep the image they run`}`,
  );
  return selection;
}

/** The work tree's git state, warning when the update could not be rolled back to. */
async function gitStateWithWarnings(ctx: OpsContext): Promise<GitState> {
  const git = await ctx.engine.gitState();
  if (git.commit === undefined) {
    println(
      ctx.stderr,
      "warning: not in a git repository; this update records no commit and cannot be rolled back to",
    );
  } else if (git.dirty) {
    println(
      ctx.stderr,
      `warning: the work tree has uncommitted changes; this update records commit ${shortSha(git.commit)} as dirty and cannot be rolled back to`,
    );
  }
  return git;
}

/** Whether some deployed tenant is missing from the config (only then is the state read). */
function removalNeedsState(running: TenantImages, tenants: readonly { id: string }[]): boolean {
  return Object.keys(running).some((id) => !tenants.some((t) => t.id === id));
}

/**
 * Tenants whose image this deploy changes, as far as known before it runs: a tenant pinned or
 * given an image other than the one it runs. A build's new digest is only known after it.
 */
function changedTenants(
  running: TenantImages,
  tenants: readonly { id: string; image?: string }[],
  pins: TenantImages,
  images: ImageSet | undefined,
): string[] {
  return tenants
    .filter((tenant) => {
      const now = running[tenant.id];
      if (now === undefined) return false;
      const next = pins[tenant.id] ?? tenant.image ?? images?.image;
      return next !== undefined && next !== now;
    })
    .map((t) => t.id);
}
