/**
 * Retained tenant databases to take over. A tenant's PostgreSQL role and database are retained on
 * the server when the tenant is removed (components/data/tenant-database.ts), so an update that
 * creates the tenant again would run CREATE ROLE / CREATE DATABASE for names that exist and fail
 * midway. For a tenant that an earlier successful update of the same stack ran (and so created
 * them), ops sets `AGENT_CLOUD_ADOPT_DATABASES` and the program imports the retained ones instead
 * (stacks/config/overrides.ts).
 */
import { OVERRIDE_ENV } from "../../stacks/config/overrides";
import type { UpdateRecord } from "../engine";
import type { TenantImages } from "./release";
import { successes, tenantsRunBy } from "./tenants-ran";

/** A tenant the update creates again, whose retained database and role it takes over. */
export interface RetainedDatabase {
  readonly id: string;
  /** The newest successful update of the stack that ran the tenant. */
  readonly lastRun: number;
}

/**
 * The tenants of `configured` (those the update runs) that it creates again: not running now, and
 * run by some earlier successful update of this stack (a full update ran every tenant it
 * recorded, a `--group` update only its groups' tenants), which created their role and database.
 * Updates whose tenants cannot be read are skipped. In `configured` order; a tenant no update ran
 * (a new one) is not listed: its database is created.
 */
export function retainedDatabases(
  history: readonly UpdateRecord[],
  running: TenantImages,
  configured: readonly string[],
): RetainedDatabase[] {
  const lastRun = new Map<string, number>();
  for (const update of successes(history)) {
    for (const id of tenantsRunBy(update) ?? []) {
      lastRun.set(id, Math.max(lastRun.get(id) ?? update.version, update.version));
    }
  }
  return [...new Set(configured)].flatMap((id) => {
    const version = lastRun.get(id);
    return running[id] !== undefined || version === undefined ? [] : [{ id, lastRun: version }];
  });
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
  const which = retained.map((r) => `${r.id} (removed after v${r.lastRun})`).join(", ");
  return `taking over the retained database and role of ${which} instead of creating them, data included (${OVERRIDE_ENV.adoptDatabases}=${retained.map((r) => r.id).join(",")})`;
}
