/**
 * What an update ran, tenant by tenant. Every update records the whole stack file as its config,
 * but a `deploy --group` update (`groups=` in its release record) runs only the tenants of those
 * groups: every other tenant keeps what an earlier update left it running, whatever the stack
 * file said for it then. Promotion and rollback take tenants' entries from here, never straight
 * from an update's recorded config.
 */
import { SET_SECRET_COMMAND } from "../../stacks/config/rules/clear-text-secrets";
import type { UpdateRecord } from "../engine";
import { OpsError } from "../errors";
import { fromRecorded, KEY, tenantsOf } from "../stack-config";
import { inGroups } from "./groups";
import { releaseOf } from "./release";

/** One entry of `agent-cloud:tenants` as an update recorded it. */
export type TenantConfig = Readonly<Record<string, unknown>> & { readonly id: string };

/** What to tell the operator to do instead when an update's run cannot be reconstructed. */
export interface Unreconstructed {
  readonly stack: string;
  /** E.g. `roll back to a full update (one deployed without --group) instead: v3`. */
  readonly instead: string;
}

/**
 * What to do about `keys` (not secret keys) that updates recorded as a secret: config validation
 * refuses `--secret` there now, and only a value set in clear is recorded readably.
 */
export function setInClear(keys: readonly string[]): string {
  return `set ${keys.join(", ")} without --secret (secrets belong in tenantSecrets: ${SET_SECRET_COMMAND.tenantSecrets}) and deploy, so later updates can be read`;
}

/** The stack's successful updates (no refresh, no failure), in the history's order. */
export function successes(history: readonly UpdateRecord[]): UpdateRecord[] {
  return history.filter((u) => u.kind === "update" && u.result === "succeeded");
}

/** The groups an update was limited to (`deploy --group`); empty for a full update. */
function groupsOf(update: UpdateRecord): readonly string[] {
  return releaseOf(update).groups ?? [];
}

/** Successful updates that were not limited to groups, newest first. */
export function fullUpdates(history: readonly UpdateRecord[]): UpdateRecord[] {
  return successes(history)
    .filter((u) => groupsOf(u).length === 0)
    .sort((a, b) => b.version - a.version);
}

/**
 * The tenant entries an update recorded, in file order; undefined when they cannot be read: no
 * config recorded at all (every stack has an environment), or `tenants` recorded as a secret.
 */
export function recordedEntries(update: UpdateRecord): TenantConfig[] | undefined {
  if (Object.keys(update.config).length === 0) return undefined;
  const recorded = update.config[KEY.tenants];
  if (recorded === undefined) return [];
  if (recorded.secret) return undefined;
  const value = fromRecorded(recorded);
  if (!Array.isArray(value)) return undefined;
  return value.filter(
    (t): t is TenantConfig =>
      typeof t === "object" && t !== null && typeof (t as { id?: unknown }).id === "string",
  );
}

/** Whether an update recorded no config at all (one run outside `ops` by an old CLI, say). */
export function recordedNoConfig(update: UpdateRecord): boolean {
  return Object.keys(update.config).length === 0;
}

/**
 * The ids of the tenants an update ran itself, in file order: every entry a full update recorded,
 * only its groups' entries for a `deploy --group` update (it records the whole stack file but
 * targets only those tenants). Undefined when its tenants cannot be read ({@link recordedEntries}).
 */
export function tenantsRunBy(update: UpdateRecord): string[] | undefined {
  const entries = recordedEntries(update);
  if (entries === undefined) return undefined;
  const groups = groupsOf(update);
  return entries.filter((t) => groups.length === 0 || entryInGroups(t, groups)).map((t) => t.id);
}

/** Whether a recorded tenant entry is in one of `groups` (what `deploy --group` selects). */
function entryInGroups(entry: TenantConfig, groups: readonly string[]): boolean {
  const [tenant] = tenantsOf({ [KEY.tenants]: [entry] });
  return tenant !== undefined && inGroups(tenant, groups);
}

/**
 * The entry tenant `id` ran with after the first of `updates` (successful, newest first): the
 * newest that ran it (a full update, or a group update including it); "not run" when a full
 * update without it comes first; undefined when no readable record answers.
 */
function lastRun(id: string, updates: readonly ReadUpdate[]): TenantConfig | "not run" | undefined {
  for (const { byId, groups } of updates) {
    if (byId === undefined) return undefined;
    const entry = byId.get(id);
    if (groups.length === 0) return entry ?? "not run";
    if (entry !== undefined && entryInGroups(entry, groups)) return entry;
  }
  return undefined;
}

/** An update's recorded tenants by id (undefined when unreadable) and its groups. */
interface ReadUpdate {
  readonly byId?: ReadonlyMap<string, TenantConfig>;
  readonly groups: readonly string[];
}

/** Each update read once, so looking back for every tenant costs a lookup per update. */
function readUpdate(update: UpdateRecord): ReadUpdate {
  const entries = recordedEntries(update);
  return {
    byId: entries === undefined ? undefined : new Map(entries.map((t) => [t.id, t])),
    groups: groupsOf(update),
  };
}

/**
 * The tenants `update` left running, each with the entry it ran: the tenants its config lists
 * (only those in `only`, when given), in file order. A full update ran every entry it recorded.
 * After a group update, a tenant of the groups ran the update's entry, and any other tenant the
 * entry of the newest earlier successful update that ran it; a tenant no update ran is left out.
 * Refuses, naming the update, its groups and what to do `instead`, when the history does not
 * say what some tenant ran, or when `update`'s own tenants cannot be read (no config recorded,
 * or `tenants` recorded as a secret: ops never decrypts history).
 */
export function tenantsRan(
  history: readonly UpdateRecord[],
  update: UpdateRecord,
  refusal: Unreconstructed,
  only?: readonly string[],
): TenantConfig[] {
  const recorded = recordedEntries(update);
  if (recorded === undefined) {
    const secret = !recordedNoConfig(update);
    const why = secret
      ? `recorded ${KEY.tenants} as a secret (a value under it was set with --secret) and ops never decrypts history`
      : "recorded no config";
    throw new OpsError(
      `update v${update.version} of stack "${refusal.stack}" ${why}, so what it ran cannot be read; ${refusal.instead}` +
        (secret ? `; ${setInClear([KEY.tenants])}` : ""),
    );
  }
  const entries = recorded.filter((t) => only === undefined || only.includes(t.id));
  const groups = groupsOf(update);
  if (groups.length === 0) return entries;
  const earlier = successes(history)
    .filter((u) => u.version < update.version)
    .sort((a, b) => b.version - a.version)
    .map(readUpdate);
  const ran: TenantConfig[] = [];
  const unknown: string[] = [];
  for (const entry of entries) {
    const run = entryInGroups(entry, groups) ? entry : lastRun(entry.id, earlier);
    if (run === undefined) unknown.push(entry.id);
    else if (run !== "not run") ran.push(run);
  }
  if (unknown.length > 0) {
    const selected = entries.filter((t) => entryInGroups(t, groups)).map((t) => t.id);
    const flags = groups.map((g) => `--group ${g}`).join(" ");
    const scope = selected.length === 0 ? "no tenant" : `tenants ${selected.join(", ")}`;
    const which = `${unknown.length === 1 ? "tenant" : "tenants"} ${unknown.join(", ")}`;
    throw new OpsError(
      `update v${update.version} of stack "${refusal.stack}" was deployed with ${flags} (${scope}) ` +
        `and no earlier update in the stack's history records what ${which} ran then, so what ` +
        `v${update.version} ran cannot be reconstructed; ${refusal.instead}`,
    );
  }
  return ran;
}
