/**
 * Pure decisions of a rollback: which update to return to, the commit its program is at, and the
 * config to run it with. The recorded config carries no secret values (history is read without
 * them), so secret keys keep the ciphertext the stack file holds now.
 */
import type { StackConfig, UpdateRecord } from "../engine";
import { OpsError } from "../errors";
import { parseRelease, splitImages, type ImageSet, type TenantImages } from "./release";
import { fromRecorded, KEY } from "../stack-config";
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
    const named = history.filter((u) => parseRelease(u.message).name === to);
    const names = history.flatMap((update) => {
      const name = parseRelease(update.message).name;
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

/**
 * The config the target ran, with exactly the images it ran pinned (`image.ref` for the one most
 * tenants ran, `tenants[].image` for the others), so the rollback builds nothing; after a
 * `--group` update its other tenants as they ran then (ops/plans/tenants-ran.ts). Tenants added
 * since are kept as they run now, pinned to the image they run, unless `prune`.
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
  const images = splitImages(all);
  const entries = [...tenants, ...kept.map((id) => laterEntries.get(id) ?? { id })].map((entry) => {
    const id = entry.id as string;
    const { image: _image, ...rest } = entry;
    void _image;
    const pin = images.pins[id];
    return pin === undefined ? rest : { ...rest, image: pin };
  });

  const config: Record<string, unknown> = { ...base.config };
  const image = config[KEY.image];
  config[KEY.image] = {
    ...(typeof image === "object" && image !== null ? image : {}),
    ref: images.image,
  };
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
