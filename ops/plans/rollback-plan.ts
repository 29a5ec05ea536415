/**
 * Pure decisions of a rollback: which update to return to, the commit its program is at, and the
 * config to run it with. The recorded config carries no secret values (history is read without
 * them), so secret keys keep the ciphertext the stack file holds now.
 */
import type { StackConfig, UpdateRecord } from "../engine";
import { OpsError } from "../errors";
import { releaseOf, splitImages, type ImageSet, type TenantImages } from "./release";
import { fromRecorded, KEY, sectionOf } from "../stack-config";
import { CONFIG_NAMESPACE, isSecretKey } from "../../model/config-schema";
import {
  fullUpdates,
  recordedEntries,
  recordedNoConfig,
  setInClear,
  successes,
  type TenantConfig,
  tenantsRan,
  tenantsRunBy,
} from "./tenants-ran";
import { commitOf } from "./update-meta";
import { type RetainedDatabase, retainedDatabases } from "./adoption";
import type { OtherStack } from "./tenant-moves";
import { apiKeyRotationOf, NEW_GENERATION_0_KEY } from "./api-keys";
import { carriedPins, unpullable } from "./carried-images";

function listVersions(updates: readonly UpdateRecord[]): string {
  return updates.length === 0 ? "none" : updates.map((u) => `v${u.version}`).join(", ");
}

/**
 * The update to roll back to: `to` when given, else the newest successful update before the
 * latest update (so after a failed update, the last one that worked).
 */
export function chooseRollbackTarget(
  history: readonly UpdateRecord[],
  stack: string,
  to?: number | string,
): UpdateRecord {
  if (typeof to === "string") {
    const named = history.filter((u) => releaseOf(u).name === to);
    const names = history.flatMap((update) => {
      const name = releaseOf(update).name;
      return name === undefined ? [] : [`${name} (v${update.version})`];
    });
    if (named.length === 0) {
      throw new OpsError(
        `stack "${stack}" has no release named "${to}"; named releases: ${names.join(", ") || "none"}`,
      );
    }
    return chooseRollbackTarget(history, stack, (named[0] as UpdateRecord).version);
  }
  const latest = history.find((u) => u.kind === "update");
  const earlier = successes(history).filter(
    (u) => latest !== undefined && u.version < latest.version,
  );
  if (to === undefined) {
    const target = earlier[0];
    if (target === undefined) {
      throw new OpsError(
        `stack "${stack}" has no earlier successful update to roll back to` +
          (latest === undefined ? " (it has no updates)" : ` (latest is v${latest.version})`),
      );
    }
    return target;
  }
  const chosen = history.find((u) => u.version === to);
  if (chosen === undefined) {
    throw new OpsError(
      `stack "${stack}" has no update v${to}; successful updates it can roll back to: ${listVersions(earlier)}`,
    );
  }
  if (chosen.kind !== "update") {
    throw new OpsError(
      `v${to} of stack "${stack}" was a ${chosen.kind}, not an update; roll back to one of: ${listVersions(earlier)}`,
    );
  }
  if (chosen.result !== "succeeded") {
    throw new OpsError(
      `update v${to} of stack "${stack}" ${chosen.result === "failed" ? "failed" : `is ${chosen.result}`}; roll back to a successful update: ${listVersions(earlier)}`,
    );
  }
  if (chosen === latest) {
    throw new OpsError(
      `v${to} is the latest update of stack "${stack}" already; roll back to an earlier one: ${listVersions(earlier)}`,
    );
  }
  return chosen;
}

/** The commit the target's program is at; refuses a missing or dirty one. */
export function rollbackCommit(target: UpdateRecord): string {
  const commit = commitOf(target);
  if (commit === undefined) {
    throw new OpsError(
      `update v${target.version} recorded no git commit (it was not run from a git work tree), so its program cannot be recovered; roll back to another update`,
    );
  }
  if (commit.dirty) {
    throw new OpsError(
      `update v${target.version} ran from a dirty work tree at commit ${commit.sha} (uncommitted changes), so its exact program cannot be recovered; roll back to another update`,
    );
  }
  return commit.sha;
}

/** The config a rollback runs with, and what it changes compared with the stack file. */
export interface RollbackConfig {
  /** The complete config to run the target with. */
  readonly config: StackConfig;
  /** Secret keys whose current ciphertext is carried over. */
  readonly keptSecrets: readonly string[];
  /**
   * Keys that are not secret keys but that the target recorded as a secret (a value under them
   * was set with --secret): what it ran there cannot be read, so they run as the stack file has
   * them now.
   */
  readonly unrestored: readonly string[];
  /** Keys whose value differs from the stack file now (added, removed or changed). */
  readonly changedKeys: readonly string[];
}

/** The target's recorded config, with the current ciphertext for its secret keys. */
export function rollbackConfig(target: UpdateRecord, current: StackConfig): RollbackConfig {
  const config: Record<string, unknown> = {};
  const keptSecrets: string[] = [];
  const unrestored: string[] = [];
  const missing: string[] = [];
  for (const key of Object.keys(target.config).sort()) {
    const recorded = target.config[key];
    if (recorded === undefined) continue;
    if (recorded.secret) {
      if (current[key] === undefined) missing.push(key);
      else {
        config[key] = current[key];
        (isPlainKey(key) ? unrestored : keptSecrets).push(key);
      }
    } else {
      config[key] = fromRecorded(recorded);
    }
  }
  // A key that is not a secret key was recorded as a secret only because a value under it was
  // set with --secret, which config validation now refuses: setting it again that way is no fix.
  const plain = missing.filter(isPlainKey);
  if (plain.length > 0) {
    const them = plain.length === 1 ? "it" : "them";
    throw new OpsError(
      `update v${target.version} recorded ${plain.join(", ")} as a secret (a value under ${them} was set with --secret) and the stack config no longer has ${them}; ops never decrypts history, so what v${target.version} ran there cannot be read: roll back to an update that recorded ${them} in clear, and ${setInClear(plain)}`,
    );
  }
  if (missing.length > 0) {
    throw new OpsError(
      `update v${target.version} used secret ${missing.join(", ")}, which the stack config no longer has; set ${missing.length === 1 ? "it" : "them"} again with pulumi config set --secret, then retry`,
    );
  }
  const keys = [...new Set([...Object.keys(config), ...Object.keys(current)])].sort();
  const changedKeys = keys.filter((k) => JSON.stringify(config[k]) !== JSON.stringify(current[k]));
  return { config, keptSecrets, unrestored, changedKeys };
}

/** Everything a rollback plan is computed from. */
export interface RollbackPlanInput {
  readonly stack: string;
  /** The stack's history, newest first: what a `--group` update left its other tenants. */
  readonly history: readonly UpdateRecord[];
  readonly target: UpdateRecord;
  /** The image each of the target's tenants ran when it ended (from its release record). */
  readonly targetImages: Readonly<Record<string, string | undefined>>;
  /** The stack file now (secrets as ciphertext). */
  readonly current: StackConfig;
  /** The newest successful update: the config of tenants deployed since the target. */
  readonly deployed?: UpdateRecord;
  /** The image each tenant runs now (the `tenants` output). */
  readonly running: TenantImages;
  /** Remove tenants added after the target instead of keeping them. */
  readonly prune: boolean;
  /** Bring back tenants the target ran that a later update removed, instead of leaving them out. */
  readonly restoreRemoved?: boolean;
  /**
   * The environment's other stacks (tenant shards), for which of them ran a tenant created again
   * last: {@link RetainedDatabase.stack}.
   */
  readonly others?: readonly OtherStack[];
  /**
   * The stack's `imageRef` output now: kept as the stack image when the target's cannot be told
   * (every tenant it ran had an image of its own, so none ran the image it built).
   */
  readonly stackImage?: string;
  /**
   * A tenant shard, whose program runs its platform's image, whatever that is now, for every
   * tenant without `tenants[].image`: each tenant is pinned to the image it ran.
   */
  readonly shard?: boolean;
}

/** A rollback's config with every image pinned, and what happens to later tenants. */
export interface RollbackPlan extends RollbackConfig {
  /** The images the rollback runs: the target's, and the kept tenants' current ones. */
  readonly images: ImageSet;
  /** The tenants the rollback runs: the target's, as it ran them, then the kept ones. */
  readonly tenants: readonly string[];
  /** Tenants deployed now that the target did not have, kept as they run now. */
  readonly kept: readonly string[];
  /** Tenants deployed now that the target did not have, removed (`--prune`). */
  readonly pruned: readonly string[];
  /** Tenants the target ran that a later update removed, left out (without `--restore-removed`). */
  readonly leftRemoved: readonly string[];
  /** Tenants the target ran that a later update removed, brought back (`--restore-removed`). */
  readonly restored: readonly string[];
  /**
   * Tenants the rollback creates again that an earlier update of the stack ran (the restored
   * ones, and any other it runs that does not run now): their retained role and database are
   * taken over (`AGENT_CLOUD_ADOPT_DATABASES`) instead of created.
   */
  readonly adopted: readonly RetainedDatabase[];
}

/**
 * Tenants `ran` (what the target ran) that a later successful update removed: not run by the
 * newest successful update (a `--group` update runs only its groups' tenants: tenantsRunBy) and
 * not running now; when that record cannot be read, not running now alone. None when that update
 * is the target or earlier.
 */
function removedSince(
  target: UpdateRecord,
  deployed: UpdateRecord | undefined,
  running: TenantImages,
  ran: readonly TenantConfig[],
): string[] {
  if (deployed === undefined || deployed.version <= target.version) return [];
  // What that update ran itself: a --group update records the whole stack file, tenants it never
  // created included.
  const still = new Set(tenantsRunBy(deployed) ?? []);
  return ran.map((t) => t.id).filter((id) => !still.has(id) && running[id] === undefined);
}

/**
 * What a rollback does instead of returning to `target`, whose run cannot be reconstructed: a
 * full update other than the target and the latest whose tenants can be read (one recorded as a
 * secret, or with no config, would be refused the same way), if the history has one.
 */
function insteadOf(history: readonly UpdateRecord[], stack: string, target: UpdateRecord): string {
  const latest = history.find((u) => u.kind === "update");
  const full = fullUpdates(history).filter((u) => u !== latest && u !== target);
  const readable = full.filter((u) => recordedEntries(u) !== undefined);
  if (readable.length > 0) {
    return `roll back to a full update (one deployed without --group) instead: ${listVersions(readable)}`;
  }
  const why = (u: UpdateRecord) =>
    `v${u.version} ${recordedNoConfig(u) ? "recorded no config" : "recorded them as a secret"}`;
  return full.length === 0
    ? `stack "${stack}" has no other full update (one deployed without --group) to roll back to instead`
    : `stack "${stack}" has no other full update (one deployed without --group) whose tenants can be read to roll back to instead (${full.map(why).join(", ")})`;
}

/** `image.ref` of an update's recorded config, if it recorded one in clear. */
function recordedImageRef(update: UpdateRecord): string | undefined {
  const recorded = update.config[KEY.image];
  if (recorded === undefined || recorded.secret) return undefined;
  const ref = sectionOf({ [KEY.image]: fromRecorded(recorded) }, "image").ref;
  return typeof ref === "string" ? ref : undefined;
}

/**
 * The target's stack image (its `imageRef` output then: what it built or took, and ran for every
 * tenant without an image of its own): the `image=` of its release record, else its recorded
 * `image.ref`, else the image the tenants it ran itself (its groups' after a `--group` update)
 * without `tenants[].image` or a `pin.<id>=` ran; else `fallback` (the stack's imageRef now).
 * Never the image most tenants ran: tenants pinned to their own image (or, after a `--group`
 * update, left on the previous one) may outnumber those on the stack image.
 */
function targetStackImage(
  target: UpdateRecord,
  ran: Readonly<Record<string, string | undefined>>,
  fallback: string | undefined,
): string | undefined {
  const facts = releaseOf(target);
  const named = facts.images?.image ?? recordedImageRef(target);
  if (named !== undefined) return named;
  const own = new Set(tenantsRunBy(target) ?? []);
  const pins = facts.images?.pins ?? {};
  const unpinned: Record<string, string> = {};
  for (const entry of recordedEntries(target) ?? []) {
    const image = ran[entry.id];
    const pinned = entry.image !== undefined || pins[entry.id] !== undefined;
    if (own.has(entry.id) && !pinned && image !== undefined) unpinned[entry.id] = image;
  }
  return splitImages(unpinned).image ?? fallback;
}

/**
 * The config the target ran, with exactly the images it ran pinned (`image.ref` for its stack
 * image, `tenants[].image` for each tenant that ran another; in a shard, which runs its
 * platform's image, for every tenant), so the rollback builds nothing; after a `--group` update
 * its other tenants as they ran then (ops/plans/tenants-ran.ts). Tenants added since are kept as
 * they run now, pinned to the image they run when it is not the stack image, unless `prune`.
 */
export function planRollback(input: RollbackPlanInput): RollbackPlan {
  const { target, history, stack } = input;
  // Tenants first: one recorded as a secret is refused naming the updates to return to instead.
  const ran = tenantsRan(history, target, { stack, instead: insteadOf(history, stack, target) });
  const base = rollbackConfig(target, input.current);
  // An offboarded tenant comes back only when asked: its keys and secrets are gone.
  const removed = removedSince(target, input.deployed, input.running, ran);
  const tenants = input.restoreRemoved ? ran : ran.filter((t) => !removed.includes(t.id));
  const targetIds = tenants.map((t) => t.id);
  const unknown = targetIds.filter((id) => input.targetImages[id] === undefined);
  if (unknown.length > 0) {
    throw new OpsError(
      `update v${target.version} has no recorded image for tenant ${unknown.join(", ")} (it ran outside ops, or before releases recorded images), so it cannot be restored exactly; roll back to another update`,
    );
  }
  const targetImages = Object.fromEntries(
    targetIds.map((id) => [id, input.targetImages[id] as string]),
  );
  const later = Object.keys(input.running)
    .filter((id) => !targetIds.includes(id))
    .sort();
  const kept = input.prune ? [] : later;
  const pruned = input.prune ? later : [];
  // The kept tenants as the newest update ran them, else (run outside ops, or its record
  // unreadable) as the file has them.
  const keptRuns =
    input.deployed === undefined ||
    kept.length === 0 ||
    recordedEntries(input.deployed) === undefined
      ? []
      : tenantsRan(
          history,
          input.deployed,
          {
            stack,
            instead: `roll back with --prune, leaving out the tenants added since v${target.version}, or deploy "${stack}" without --group first`,
          },
          kept,
        );
  const laterEntries = new Map<string, Record<string, unknown>>(
    [...tenantsFromConfig(input.current), ...keptRuns].map((t) => [t.id as string, t]),
  );

  const all: Record<string, string> = { ...targetImages };
  for (const id of kept) all[id] = input.running[id] as string;
  const stackImage = targetStackImage(target, input.targetImages, input.stackImage);
  const ids = Object.keys(all).sort();
  if (stackImage === undefined && !input.shard && ids.length > 0) {
    throw new OpsError(
      `update v${target.version} of stack "${stack}" ran every tenant on an image of its own and recorded no stack image (image= or image.ref), and the stack has no imageRef output now, so the rollback would have to build one; roll back to another update`,
    );
  }
  const images: ImageSet = {
    image: stackImage,
    pins: carriedPins(stackImage ?? "", all, ids, input.shard === true),
  };
  const entries = [...tenants, ...kept.map((id) => laterEntries.get(id) ?? { id })].map((entry) => {
    const id = entry.id as string;
    const { image: _image, ...rest } = entry;
    void _image;
    const pin = images.pins[id];
    return pin === undefined ? rest : { ...rest, image: pin };
  });

  const config: Record<string, unknown> = { ...base.config };
  const image = config[KEY.image];
  if (images.image !== undefined) {
    config[KEY.image] = {
      ...(typeof image === "object" && image !== null ? image : {}),
      ref: images.image,
    };
  }
  config[KEY.tenants] = entries;
  const runs = [...targetIds, ...kept];
  const secrets = secretsOfTenants(config[KEY.tenantSecrets], runs);
  if (secrets !== undefined) config[KEY.tenantSecrets] = secrets;
  const keys = [...new Set([...Object.keys(config), ...Object.keys(input.current)])].sort();
  const changedKeys = keys.filter(
    (k) => JSON.stringify(config[k]) !== JSON.stringify(input.current[k]),
  );
  const { keptSecrets, unrestored } = base;
  return {
    config,
    keptSecrets,
    unrestored,
    changedKeys,
    images,
    tenants: runs,
    kept,
    pruned,
    leftRemoved: input.restoreRemoved ? [] : removed,
    restored: input.restoreRemoved ? removed : [],
    adopted: retainedDatabases(history, input.running, runs, input.others),
  };
}

/**
 * Refuses a rollback to an image on a registry the stack does not pull from (the registries of
 * `pullsFrom`, the stack file now, a shard's with its platform's image settings): the same rule
 * as for images carried between stacks (ops/plans/carried-images.ts). The target's images come
 * from the stack's history, which names any registry a record says (an update run outside ops,
 * or a forged record): the cluster's pull credentials are for its own registry, and an image
 * from another one would either never start or run code from outside the stack's supply chain.
 * The kept tenants' images are what the stack runs now, not history's, and are not checked.
 */
export function assertRollbackPullable(
  stack: string,
  target: number,
  pullsFrom: StackConfig,
  plan: Pick<RollbackPlan, "images" | "kept">,
): void {
  const { image, pins } = plan.images;
  const refs = [
    ...(image === undefined ? [] : [image]),
    ...Object.entries(pins).flatMap(([id, ref]) => (plan.kept.includes(id) ? [] : [ref])),
  ];
  const pull = unpullable(pullsFrom, refs);
  if (pull === undefined) return;
  const registries = pull.registries.join(" and ");
  throw new OpsError(
    `rollback to v${target}: stack "${stack}" pulls its images from ${registries}, and its history records v${target} running ${pull.foreign.join(", ")} from another registry; roll back only to an update that ran images from ${registries}`,
  );
}

/** A setting that places a stack's resources: another value is another cluster or DNS zone. */
interface Placement {
  /** What changes: `the cluster`. */
  readonly what: string;
  /** The setting, as the stack file spells it. */
  readonly name: string;
  readonly read: (config: StackConfig) => unknown;
  /** What running the other value would do. */
  readonly effect: (from: string, to: string) => string;
}

const PLACEMENTS: readonly Placement[] = [
  {
    what: "the cluster",
    name: "kubernetes:context",
    read: (config) => config["kubernetes:context"],
    effect: (from, to) =>
      `the stack's resources are on "${from}", and an update run with "${to}" would create every one of them anew there (or fail midway if that cluster is gone) and delete them from "${from}", tenant volumes included`,
  },
  {
    what: "the DNS zone",
    name: "dns.zoneId",
    read: (config) => sectionOf(config, "dns").zoneId,
    effect: (from, to) =>
      `an update run with "${to}" would delete every DNS record of the stack from zone "${from}" and create it in zone "${to}", which the domain may no longer be served from`,
  },
];

/**
 * Refuses a rollback whose config runs the stack on another cluster (`kubernetes:context`) or DNS
 * zone (`dns.zoneId`) than the stack file names now (`current`, a shard's with its platform's
 * settings): as with another environment or database server (stack-identity.ts), a rollback
 * returns a program and its config, not the place the stack's resources live, which the stack
 * moved away from since. A value either side does not set in clear is not compared. `runs` is
 * the config the rollback runs (with a shard's platform's settings), `commit` the target's.
 */
export function assertSamePlacement(input: {
  readonly stack: string;
  readonly history: readonly UpdateRecord[];
  readonly target: UpdateRecord;
  readonly commit: string;
  readonly runs: StackConfig;
  readonly current: StackConfig;
  readonly configFile: string;
}): void {
  const { stack, target } = input;
  for (const placement of PLACEMENTS) {
    const now = placement.read(input.current);
    const then = placement.read(input.runs);
    if (typeof now !== "string" || typeof then !== "string" || now === then) continue;
    const latest = input.history.find((u) => u.kind === "update");
    const same = successes(input.history).filter(
      (u) =>
        u !== latest && commitOf(u)?.dirty === false && recordedPlacement(placement, u) === now,
    );
    const checkout = `check out commit ${input.commit}, set ${placement.name} to "${now}" in its ${input.configFile} and deploy it`;
    const instead =
      same.length === 0
        ? `no other update of stack "${stack}" ran with ${placement.name} "${now}" to roll back to: to run v${target.version}'s program there, ${checkout}`
        : `roll back instead to an update that ran with ${placement.name} "${now}" (${listVersions(same)}), or ${checkout}`;
    throw new OpsError(
      `${placement.what} changes (${input.configFile} sets ${placement.name} "${now}", the rollback to v${target.version} runs "${then}"): ${placement.effect(now, then)}; ${instead}`,
    );
  }
}

/** A placement setting as an update recorded it, if in clear. */
function recordedPlacement(placement: Placement, update: UpdateRecord): unknown {
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(update.config)) {
    if (value !== undefined && !value.secret) config[key] = fromRecorded(value);
  }
  return placement.read(config);
}

/**
 * What each tenant `--restore-removed` brings back gets besides its database (taken over, data
 * included), in `plan.restored` order: `id (…)`. Its API key (components/tenant/api-key.ts):
 * generation 0's is a random one that was deleted with the tenant, so it is new; generation N ≥ 1
 * is derived from the stack's key seed, so it is the same key while the seed the stack holds now
 * (`keySeedKept`) is the one it was derived from, and new when the seed is created anew. Its
 * tenantSecrets are the entries the stack file holds for it now (history holds no secret).
 */
export function restoredTenantNotes(
  plan: RollbackPlan,
  target: number,
  keySeedKept: boolean,
): string[] {
  const secrets = plan.config[KEY.tenantSecrets];
  return plan.restored.map((id) => {
    const { generation, acceptPrevious } = apiKeyRotationOf(plan.config, id);
    const key =
      generation === 0
        ? NEW_GENERATION_0_KEY
        : keySeedKept
          ? `its generation-${generation} API key again, derived from the stack's key seed (unless that seed was created anew since v${target})` +
            (generation === 1 && acceptPrevious
              ? "; the previous key it accepts, generation 0's, is new"
              : "")
          : `a new generation-${generation} API key: the stack's key seed it was derived from is gone and is created anew`;
    const secret =
      typeof secrets !== "object" || secrets === null
        ? "no tenantSecrets"
        : "secure" in secrets
          ? "tenantSecrets as the stack file holds them now"
          : id in secrets
            ? "its tenantSecrets entry in the stack file now"
            : "no tenantSecrets entry in the stack file now";
    return `${id} (${key}; ${secret})`;
  });
}

/**
 * The stack file's `tenantSecrets` (ciphertext leaves under each tenant id) without the entries
 * of tenants the rollback does not run (pruned, or left removed): config validation refuses an
 * entry no tenant has, so they would fail the rollback's preview. Undefined when there is
 * nothing to take out, or the value is one ciphertext whose tenants cannot be told apart.
 */
function secretsOfTenants(value: unknown, tenants: readonly string[]): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value) || "secure" in value) {
    return undefined;
  }
  const entries = Object.entries(value);
  const kept = entries.filter(([id]) => tenants.includes(id));
  return kept.length === entries.length ? undefined : Object.fromEntries(kept);
}

/** An `agent-cloud:` key that is not a secret key (`tenants`, `app`, ...): kept in clear. */
function isPlainKey(key: string): boolean {
  const prefix = `${CONFIG_NAMESPACE}:`;
  return key.startsWith(prefix) && !isSecretKey(key.slice(prefix.length));
}

function tenantsFromConfig(config: StackConfig): Record<string, unknown>[] {
  const raw = config[KEY.tenants];
  return Array.isArray(raw)
    ? raw.filter((t): t is Record<string, unknown> => typeof t === "object" && t !== null)
    : [];
}
