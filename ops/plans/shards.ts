/**
 * Tenant shards for the ops commands: an environment's tenants may live in its platform stack
 * or in its shard stacks (`agent-cloud:shards` lists them, each `Pulumi.<stack>-<shard>.yaml`).
 * A command given the environment's stack and a tenant or a group finds the stacks that hold
 * them, from the stack files alone (nothing is decrypted, no backend is read).
 */
import { ENVIRONMENT_KEYS } from "../../stacks/config/shards";
import type { ReleaseEngine, StackConfig } from "../engine";
import { OpsError } from "../errors";
import { configKey, imageRefOf, KEY, sectionOf, tenantsOf } from "../stack-config";
import { checkGroups, inGroups } from "./groups";

/** The shard names a platform stack's config lists (`agent-cloud:shards`). */
export function shardsOf(config: StackConfig): string[] {
  const shards = config[KEY.shards];
  return Array.isArray(shards) ? shards.filter((shard) => typeof shard === "string") : [];
}

/** The platform stack a shard stack's config names (`shard.platform`), or undefined. */
export function platformOf(config: StackConfig): string | undefined {
  const platform = sectionOf(config, "shard").platform;
  return typeof platform === "string" && platform !== "" ? platform : undefined;
}

/**
 * A stack's settings as its program reads them: a shard stack's own config with its platform's
 * environment-wide settings in place (ENVIRONMENT_KEYS in stacks/config/shards.ts; the
 * platform's file wins, as there), any other stack's config as it is. For reading settings
 * (environment, database, image, app, ...); never write it back or compare it with an update's
 * recorded config, which holds the shard's own file only.
 */
export async function environmentSettings(
  engine: Pick<ReleaseEngine, "readConfig">,
  config: StackConfig,
): Promise<StackConfig> {
  const platform = platformOf(config);
  if (platform === undefined) return config;
  const base = await engine.readConfig(platform);
  const inherited = ENVIRONMENT_KEYS.map((field) => configKey(field)).filter(
    (key) => base[key] !== undefined,
  );
  return { ...config, ...Object.fromEntries(inherited.map((key) => [key, base[key]])) };
}

/**
 * How to apply a change to `stack`'s file: deploy it, and for a shard stack its platform after it,
 * whose edge reads the shard's routes and keys.
 */
export function deployHint(stack: string, config: StackConfig, flags = ""): string {
  const own = `npm run ops -- deploy --stack ${stack}${flags}`;
  const platform = platformOf(config);
  return platform === undefined
    ? own
    : `${own}, then npm run ops -- deploy --stack ${platform} (the edge's routes and keys)`;
}

/** The stack itself, then each of its shard stacks: `{stack}-{shard}`. */
export async function environmentStacks(
  engine: Pick<ReleaseEngine, "readConfig">,
  stack: string,
): Promise<{ readonly stack: string; readonly config: StackConfig }[]> {
  const config = await engine.readConfig(stack);
  const shards = shardsOf(config).map((s) => `${stack}-${s}`);
  return [
    { stack, config },
    ...(await Promise.all(
      shards.map(async (s) => ({ stack: s, config: await engine.readConfig(s) })),
    )),
  ];
}

/**
 * The other stacks of `stack`'s environment, whose tenants' roles and databases carry the same
 * names: for a shard stack its platform and every other shard the platform lists, for a platform
 * with shards those shards; none for an unsharded stack (nothing is read then). `config` is the
 * stack's config (its file, or its {@link environmentSettings}: `shard` and `shards` are its own).
 */
export async function otherEnvironmentStacks(
  engine: Pick<ReleaseEngine, "readConfig">,
  stack: string,
  config: StackConfig,
): Promise<string[]> {
  const platform = platformOf(config) ?? stack;
  const shards = shardsOf(platform === stack ? config : await engine.readConfig(platform));
  if (platform === stack && shards.length === 0) return [];
  return [platform, ...shards.map((shard) => `${platform}-${shard}`)].filter((s) => s !== stack);
}

/**
 * The stack holding `tenant`, with its config: `stack` itself when it lists no shards, else the
 * one stack of the environment (the platform or a shard) that lists the tenant. Fails naming
 * where it looked.
 */
export async function tenantStack(
  engine: Pick<ReleaseEngine, "readConfig">,
  stack: string,
  tenant: string,
): Promise<{ readonly stack: string; readonly config: StackConfig }> {
  const stacks = await environmentStacks(engine, stack);
  const [own] = stacks;
  if (stacks.length === 1 && own !== undefined) return own;
  const holders = stacks.filter((s) => tenantsOf(s.config).some((t) => t.id === tenant));
  const [holder] = holders;
  if (holders.length === 1 && holder !== undefined) return holder;
  throw new OpsError(
    holders.length === 0
      ? `no stack of environment "${stack}" has tenant "${tenant}" (looked in ${stacks.map((s) => s.stack).join(", ")})`
      : `tenant "${tenant}" is listed by ${holders.map((s) => s.stack).join(" and ")}; a tenant lives in one stack`,
  );
}

/** The shard stacks of `stack` that hold a tenant of one of `groups`, in shard order. */
export async function groupShardStacks(
  engine: Pick<ReleaseEngine, "readConfig">,
  stack: string,
  groups: readonly string[],
): Promise<string[]> {
  const [, ...shards] = await environmentStacks(engine, stack);
  return holdingGroups(shards, groups);
}

/** Those of `stacks` that hold a tenant of one of `groups`, in order. */
function holdingGroups(
  stacks: readonly { readonly stack: string; readonly config: StackConfig }[],
  groups: readonly string[],
): string[] {
  return stacks
    .filter((s) => tenantsOf(s.config).some((t) => inGroups(t, groups)))
    .map((s) => s.stack);
}

/**
 * Which part of an environment-wide `deploy --group` one stack's update is: the platform stack
 * (the image, its own tenants of the group, the route table), a shard holding the group (its
 * tenants of the group and their databases), or the platform's route and key tables again after
 * the shards, which they read.
 */
export type EnvironmentStep = "platform" | "shard" | "routes";

/** The deploy flags an environment-wide group deploy passes on or sets per step. */
export interface GroupDeployOptions {
  readonly stack: string;
  readonly groups: readonly string[];
  readonly dryRun: boolean;
  readonly skipBuild: boolean;
  readonly force: boolean;
  readonly tag?: string;
  readonly release?: string;
  readonly imageFrom?: string;
  /** Set on each step's own deploy; undefined for the command the user ran. */
  readonly environmentStep?: EnvironmentStep;
}

/**
 * `deploy --group` on a platform stack with shards, in the order the parts depend on each other:
 * the platform first (it builds the image the shards' tenants run and holds tenants of its own),
 * then each shard holding the group, then the platform's route and key tables once more (no
 * build), which read the shards' `tenants` and secret `apiKeys` outputs. Undefined when the stack
 * has no shards or this is already one step, so the caller deploys as usual.
 */
export async function deployGroupAcrossShards<Options extends GroupDeployOptions>(
  engine: Pick<ReleaseEngine, "readConfig" | "configFileName">,
  options: Options,
  deployOne: (stackOptions: Options) => Promise<number>,
): Promise<number | undefined> {
  if (options.groups.length === 0 || options.environmentStep !== undefined) return undefined;
  const stacks = await environmentStacks(engine, options.stack);
  const [, ...shards] = stacks;
  if (shards.length === 0) return undefined;
  checkGroups(
    options.groups,
    stacks.flatMap((s) => tenantsOf(s.config)),
    options.stack,
    stacks.map((s) => engine.configFileName(s.stack)).join(", "),
  );
  const holding = holdingGroups(shards, options.groups);
  let code = await deployOne({ ...options, environmentStep: "platform" });
  if (code !== 0) return code;
  for (const shard of holding) {
    code = await deployOne({ ...options, stack: shard, environmentStep: "shard" });
    if (code !== 0) return code;
  }
  if (options.dryRun || holding.length === 0) return 0;
  const [platform] = stacks;
  return deployOne({
    ...options,
    // Nothing is built: the last image again, or the image.ref the platform's file pins, which
    // a deploy runs as it is (and refuses --skip-build beside, deploy.ts imageSource).
    skipBuild: platform === undefined || imageRefOf(platform.config) === undefined,
    force: false,
    tag: undefined,
    imageFrom: undefined,
    release: undefined,
    environmentStep: "routes",
  });
}
