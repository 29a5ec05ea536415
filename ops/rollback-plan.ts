/**
 * Pure decisions of a rollback: which update to return to, the commit its program is at, and the
 * config to run it with. The recorded config carries no secret values (history is read without
 * them), so secret keys keep the ciphertext the stack file holds now.
 */
import type { StackConfig, UpdateRecord } from "./engine";
import { OpsError } from "./errors";
import { fromRecorded } from "./stack-config";
import { commitOf } from "./update-meta";

function successes(history: readonly UpdateRecord[]): UpdateRecord[] {
  return history.filter((u) => u.kind === "update" && u.result === "succeeded");
}

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
  to?: number,
): UpdateRecord {
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
  /** Keys whose value differs from the stack file now (added, removed or changed). */
  readonly changedKeys: readonly string[];
}

/** The target's recorded config, with the current ciphertext for its secret keys. */
export function rollbackConfig(target: UpdateRecord, current: StackConfig): RollbackConfig {
  const config: Record<string, unknown> = {};
  const keptSecrets: string[] = [];
  const missing: string[] = [];
  for (const key of Object.keys(target.config).sort()) {
    const recorded = target.config[key];
    if (recorded === undefined) continue;
    if (recorded.secret) {
      if (current[key] === undefined) missing.push(key);
      else {
        config[key] = current[key];
        keptSecrets.push(key);
      }
    } else {
      config[key] = fromRecorded(recorded);
    }
  }
  if (missing.length > 0) {
    throw new OpsError(
      `update v${target.version} used secret ${missing.join(", ")}, which the stack config no longer has; set ${missing.length === 1 ? "it" : "them"} again with pulumi config set --secret, then retry`,
    );
  }
  const keys = [...new Set([...Object.keys(config), ...Object.keys(current)])].sort();
  const changedKeys = keys.filter((k) => JSON.stringify(config[k]) !== JSON.stringify(current[k]));
  return { config, keptSecrets, changedKeys };
}
