/**
 * Retained tenant databases to take over. A tenant's PostgreSQL role and database are retained on
 * the server when the tenant is removed (components/data/tenant-database.ts), so an update that
 * creates the tenant again would run CREATE ROLE / CREATE DATABASE for names that exist and fail
 * midway. For a tenant that an earlier successful update of the same stack ran (and so created
 * them), or of another stack of its environment (a tenant moved between shards: the names are the
 * environment's, ops/plans/tenant-moves.ts), ops sets `AGENT_CLOUD_ADOPT_DATABASES` and the
 * program imports the retained ones instead (stacks/config/overrides.ts).
 */
import { tenantDatabaseName } from "../../model/names";
import { OVERRIDE_ENV } from "../../stacks/config/overrides";
import type { UpdateRecord } from "../engine";
import { OpsError, UsageError } from "../errors";
import type { TenantImages } from "./release";
import { type OtherStack, updateTime } from "./tenant-moves";
import { successes, tenantsRunBy } from "./tenants-ran";
import { NEW_GENERATION_0_KEY } from "./api-keys";

/** A tenant the update creates again, whose retained database and role it takes over. */
export interface RetainedDatabase {
  readonly id: string;
  /**
   * The newest successful update that ran the tenant, of this stack or of {@link stack}; undefined
   * for one the operator named that no readable update of the environment's stacks ran (run by
   * updates recorded as a secret, or by a stack ops did not read).
   */
  readonly lastRun?: number;
  /** The other stack of the environment that ran the tenant last; undefined for this stack. */
  readonly stack?: string;
}

/** The newest successful update of `history` that ran each tenant. */
function newestRuns(history: readonly UpdateRecord[]): Map<string, UpdateRecord> {
  const newest = new Map<string, UpdateRecord>();
  for (const update of successes(history)) {
    for (const id of tenantsRunBy(update) ?? []) {
      const known = newest.get(id);
      if (known === undefined || update.version > known.version) newest.set(id, update);
    }
  }
  return newest;
}

/**
 * The tenants of `configured` (those the update runs) that it creates again: not running now, and
 * run by some earlier successful update of this stack, or of one of `others` (the environment's
 * other stacks, whose tenants' roles and databases carry the same names): a full update ran every
 * tenant it recorded, a `--group` update only its groups' tenants, and either created their role
 * and database. Updates whose tenants cannot be read are skipped. Each names the stack that ran
 * it last (by time; this stack on a tie). In `configured` order; a tenant no update ran (a new
 * one) is not listed: its database is created.
 */
export function retainedDatabases(
  history: readonly UpdateRecord[],
  running: TenantImages,
  configured: readonly string[],
  others: readonly OtherStack[] = [],
): RetainedDatabase[] {
  const own = newestRuns(history);
  const elsewhere = others.map((other) => ({
    stack: other.stack,
    runs: newestRuns(other.history),
  }));
  return [...new Set(configured)].flatMap((id): RetainedDatabase[] => {
    if (running[id] !== undefined) return [];
    const mine = own.get(id);
    let last: RetainedDatabase | undefined =
      mine === undefined ? undefined : { id, lastRun: mine.version };
    let time = mine === undefined ? -Infinity : updateTime(mine);
    for (const { stack, runs } of elsewhere) {
      const update = runs.get(id);
      if (update === undefined || updateTime(update) <= time) continue;
      last = { id, lastRun: update.version, stack };
      time = updateTime(update);
    }
    return last === undefined ? [] : [last];
  });
}

/**
 * A note for the tenants a deploy creates that history cannot clear: a successful update (of this
 * stack, or of one of `others`) whose tenants cannot be read (recorded as a secret, or no config
 * recorded) may have run them and left their role and database retained, which
 * {@link retainedDatabases} cannot see. Undefined when every successful update can be read, or
 * every created tenant is accounted for (seen in history or named by the operator).
 */
export function unseenHistoryNote(
  history: readonly UpdateRecord[],
  created: readonly string[],
  accounted: readonly string[],
  others: readonly OtherStack[] = [],
): string | undefined {
  const unreadIn = (updates: readonly UpdateRecord[]) =>
    successes(updates)
      .filter((update) => tenantsRunBy(update) === undefined)
      .map((update) => `v${update.version}`);
  const stacks = [
    { where: "this stack", unread: unreadIn(history) },
    ...others.map((o) => ({ where: `stack "${o.stack}"`, unread: unreadIn(o.history) })),
  ].filter((s) => s.unread.length > 0);
  const count = stacks.reduce((n, s) => n + s.unread.length, 0);
  const unknown = [...new Set(created)].filter((id) => !accounted.includes(id));
  if (count === 0 || unknown.length === 0) return undefined;
  const unread = stacks.map((s) => `${s.unread.join(", ")} of ${s.where}`).join(" and ");
  return `note: ${unread} cannot be read (tenants recorded as a secret, or no config recorded), so whether ${count === 1 ? "it" : "they"} ran ${unknown.join(", ")} is unknown; for one that ran, the PostgreSQL role and database are retained and creating it again fails: pass --adopt-database ID or --new-database ID for it`;
}

/** What the operator said about tenants created again (`deploy --adopt-database/--new-database`). */
export interface AdoptionChoices {
  /** Take their retained role and database over, data included: the same tenant coming back. */
  readonly adopt: readonly string[];
  /** Create them anew: the operator dropped the retained ones (a new tenant reusing the id). */
  readonly fresh: readonly string[];
}

/**
 * The retained databases a deploy takes over: each tenant it creates again must be named in
 * `--adopt-database` or `--new-database`, since the same id may be a new customer who must not
 * get the old one's data, and nothing in a preview shows the difference. Throws before anything
 * runs, naming each tenant, its role and database and both ways on. The operator may also name
 * a tenant no readable update of the environment's stacks ran (history cannot see every retained
 * database); with `creatable` (the tenants the deploy creates: not with `--group`, whose stacks
 * differ), a flag naming any other is refused.
 */
export function chooseAdoptions(
  retained: readonly RetainedDatabase[],
  choices: AdoptionChoices,
  where: {
    readonly stack: string;
    readonly environment: string;
    readonly creatable?: readonly string[];
    /** Running in CI, where flags come from the deploy workflow's inputs. */
    readonly ci?: boolean;
  },
): RetainedDatabase[] {
  const both = choices.adopt.filter((id) => choices.fresh.includes(id));
  if (both.length > 0) {
    throw new UsageError(
      `--adopt-database and --new-database both name ${both.join(", ")}: take its retained database over, or start it with a new one, not both`,
    );
  }
  const { creatable } = where;
  if (creatable !== undefined) {
    const stray = [...choices.adopt, ...choices.fresh].filter((id) => !creatable.includes(id));
    if (stray.length > 0) {
      throw new UsageError(
        `--adopt-database/--new-database ${stray.join(", ")}: not a tenant this deploy creates (in the stack file and not running now: ${creatable.length === 0 ? "none" : creatable.join(", ")})`,
      );
    }
  }
  const undecided = retained.filter(
    (r) => !choices.adopt.includes(r.id) && !choices.fresh.includes(r.id),
  );
  if (undecided.length > 0) {
    // A tenant another stack ran: the environment's names, so the message speaks of it.
    const moved = undecided.some((r) => r.stack !== undefined);
    const ranBy = (r: RetainedDatabase) =>
      r.stack !== undefined
        ? `v${r.lastRun} of stack "${r.stack}"`
        : `v${r.lastRun}${moved ? " of this stack" : ""}`;
    const which = undecided
      .map(
        (r) => `${r.id} (${tenantDatabaseName(where.environment, r.id)}, last run by ${ranBy(r)})`,
      )
      .join(", ");
    const lead = moved
      ? `this deploy of stack "${where.stack}" creates tenants that ran in environment "${where.environment}" before`
      : `this deploy creates again tenants that ran in stack "${where.stack}" before`;
    throw new OpsError(
      `${lead} and whose PostgreSQL role and database are retained on the server: ${which}; creating them again would fail. For each, pass --adopt-database ID to take them over with their data (the same tenant coming back${moved ? ", or moved here from another stack" : ""}), or back them up and drop them on the server (DROP DATABASE <name>; DROP ROLE <name>) and pass --new-database ID to start it with an empty one (a new tenant reusing the id)${where.ci === true ? "; in CI, run the deploy by hand with the ids (the workflow_dispatch inputs <stack>_adopt_databases / <stack>_new_databases of .github/workflows/deploy.yml, or the <STACK>_ADOPT_DATABASES / <STACK>_NEW_DATABASES variables of docs/ci-gitlab.md)" : ""}`,
    );
  }
  const seen = retained.map((r) => r.id);
  return [
    ...retained.filter((r) => choices.adopt.includes(r.id)),
    ...choices.adopt.filter((id) => !seen.includes(id)).map((id) => ({ id })),
  ];
}

/** The program file that reads the override (from the project folder). */
export const ADOPTION_READER = "stacks/config/overrides.ts";

/**
 * Whether a commit's program takes retained databases over, from its {@link ADOPTION_READER}
 * (undefined when the commit has none): a program from before the override ignores it and runs
 * CREATE ROLE, which fails midway on a name the server has.
 */
export function programAdopts(readerSource: string | undefined): boolean {
  return readerSource?.includes(OVERRIDE_ENV.adoptDatabases) === true;
}

/** The program's override for `retained` (none when empty), to merge into a run's env. */
export function adoptionEnv(retained: readonly RetainedDatabase[]): Record<string, string> {
  return retained.length === 0
    ? {}
    : { [OVERRIDE_ENV.adoptDatabases]: retained.map((r) => r.id).join(",") };
}

/** What the update does with `retained` (non-empty), for the operator, before it runs. */
export function adoptionLine(retained: readonly RetainedDatabase[]): string {
  const which = retained
    .map(
      (r) =>
        `${r.id} (${r.lastRun === undefined ? "named by the operator" : `removed${r.stack === undefined ? "" : ` from stack "${r.stack}"`} after v${r.lastRun}`})`,
    )
    .join(", ");
  return `taking over the retained database and role of ${which} instead of creating them, data included (${OVERRIDE_ENV.adoptDatabases}=${retained.map((r) => r.id).join(",")})`;
}

/**
 * What each tenant taken over (`retained`, non-empty) gets as its API key: the update creates its
 * app anew (ops/plans/api-keys.ts), so generation 0's random key is new, and so is a rotated one
 * derived from another stack's seed (a tenant moved between shards) or from a seed this stack
 * creates anew (`keySeedKept` false); only a rotated key that comes back to the stack whose kept
 * seed derived it is the same. The operator hands new keys to the tenant's clients.
 */
export function adoptedKeysLine(
  stack: string,
  retained: readonly RetainedDatabase[],
  generations: Readonly<Record<string, number>>,
  keySeedKept: boolean,
): string {
  const each = retained.map((r) => {
    const generation = generations[r.id] ?? 0;
    const key =
      generation === 0
        ? NEW_GENERATION_0_KEY
        : r.stack !== undefined
          ? `a new generation-${generation} API key: this stack's key seed derives it, not stack "${r.stack}"'s`
          : keySeedKept
            ? `its generation-${generation} API key again, derived from this stack's key seed (unless that seed was created anew since)`
            : `a new generation-${generation} API key: this stack's key seed is created anew`;
    return `${r.id} (${key})`;
  });
  return `API keys: ${each.join(", ")}; once the update has run, give their clients the key npm run ops -- keys show --stack ${stack} --tenant <id> --reveal shows`;
}
