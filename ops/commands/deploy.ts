/** `deploy`: preview or update one stack, optionally only some tenant groups. */
import type { OpsContext } from "../context";
import type { RunOptions } from "../engine";
import { OpsError, UsageError } from "../errors";
import { describeChanges, println, shortSha } from "../format";
import { checkGroups, groupTargets } from "../groups";
import { imageRefOf, tenantsOf } from "../stack-config";
import { imageRefOutput } from "../stack-outputs";
import { updateMessage } from "../update-meta";

/** Environment variables the Pulumi program reads for per-deploy overrides. */
export const DEPLOY_ENV = {
  /** `1`: do not build; deploy `AGENT_CLOUD_IMAGE_REF`. */
  skipBuild: "AGENT_CLOUD_SKIP_BUILD",
  /** The digest-pinned image to deploy with `AGENT_CLOUD_SKIP_BUILD`. */
  imageRef: "AGENT_CLOUD_IMAGE_REF",
  /** A new value forces a rebuild even when the build context did not change. */
  rebuild: "AGENT_CLOUD_REBUILD",
  /** Tag to push the built image under. */
  imageTag: "AGENT_CLOUD_IMAGE_TAG",
} as const;

/** `deploy` flags. */
export interface DeployOptions {
  readonly stack: string;
  readonly dryRun: boolean;
  readonly skipBuild: boolean;
  readonly force: boolean;
  readonly tag?: string;
  readonly groups: readonly string[];
  /** Policy pack folders enforced on the preview or update. */
  readonly policyPacks?: readonly string[];
}

const DOCKER_TAG = /^[\w][\w.-]{0,127}$/;

/** Contradictory or malformed flags, found before anything runs. */
export function checkDeployOptions(o: DeployOptions): void {
  if (o.skipBuild && o.force) {
    throw new UsageError(
      "--skip-build and --force contradict each other: --force rebuilds the image, --skip-build redeploys the last one",
    );
  }
  if (o.skipBuild && o.tag !== undefined) {
    throw new UsageError(
      "--tag names the image a build pushes; it cannot be combined with --skip-build",
    );
  }
  if (o.tag !== undefined && !DOCKER_TAG.test(o.tag)) {
    throw new UsageError(
      `--tag "${o.tag}": must be a Docker tag (A-Z, a-z, 0-9, '_', '.', '-', at most 128 characters, not starting with '.' or '-')`,
    );
  }
}

/** Runs a deploy; returns the exit code. */
export async function deploy(ctx: OpsContext, o: DeployOptions): Promise<number> {
  checkDeployOptions(o);
  const { engine, stdout, stderr } = ctx;
  await engine.ensureCli();
  await engine.selectStack(o.stack);
  const config = await engine.readConfig(o.stack);

  const env: Record<string, string> = {};
  let knownImage = imageRefOf(config);
  if (o.skipBuild) {
    const ref = imageRefOutput(await engine.outputs(o.stack));
    if (ref === undefined) {
      throw new OpsError(
        `--skip-build: stack "${o.stack}" has no imageRef output, so there is no built image to redeploy; run deploy without --skip-build first`,
      );
    }
    env[DEPLOY_ENV.skipBuild] = "1";
    env[DEPLOY_ENV.imageRef] = ref;
    knownImage = ref;
    println(stdout, `skipping the build: redeploying ${ref}`);
  }
  if (o.force) env[DEPLOY_ENV.rebuild] = ctx.now().toISOString();
  if (o.tag !== undefined) env[DEPLOY_ENV.imageTag] = o.tag;

  let target: readonly string[] | undefined;
  if (o.groups.length > 0) {
    const tenants = tenantsOf(config);
    checkGroups(o.groups, tenants, o.stack, engine.configFileName(o.stack));
    const selection = groupTargets(o.groups, tenants, await engine.resources(o.stack), o.stack);
    target = selection.targets;
    println(
      stdout,
      `group ${o.groups.join(", ")}: tenants ${selection.tenantIds.join(", ")} and the proxy route table (${target.length} resources targeted, with their dependents)`,
    );
  }

  const git = await engine.gitState();
  if (git.commit === undefined) {
    println(
      stderr,
      "warning: not in a git repository; this update records no commit and cannot be rolled back to",
    );
  } else if (git.dirty) {
    println(
      stderr,
      `warning: the work tree has uncommitted changes; this update records commit ${shortSha(git.commit)} as dirty and cannot be rolled back to`,
    );
  }

  const run: RunOptions = {
    env,
    ...(o.policyPacks !== undefined && o.policyPacks.length > 0
      ? { policyPacks: o.policyPacks }
      : {}),
    target,
    targetDependents: target === undefined ? undefined : true,
    onOutput: (text) => stdout.write(text),
  };
  if (o.dryRun) {
    const preview = await engine.preview(o.stack, run);
    println(stdout, `preview of stack "${o.stack}": ${describeChanges(preview.changeSummary)}`);
    return 0;
  }

  const message = updateMessage("deploy", {
    commit: git.commit,
    dirty: git.dirty,
    image: knownImage,
    groups: o.groups,
    tag: o.tag,
    rebuild: o.force,
  });
  const outcome = await engine.up(o.stack, { ...run, message });
  println(
    stdout,
    `stack "${o.stack}" update v${outcome.version} ${outcome.result}: ${describeChanges(outcome.resourceChanges)}`,
  );
  const image = imageRefOutput(outcome.outputs);
  if (image !== undefined) println(stdout, `image: ${image}`);
  return outcome.result === "succeeded" ? 0 : 1;
}
