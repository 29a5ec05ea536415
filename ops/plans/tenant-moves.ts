/**
 * Tenants moving between the stacks of one environment (tenant shards). A tenant's PostgreSQL
 * role and database are named after the environment and the tenant (`sp_{env}_{id}`,
 * model/names.ts) on the environment's one server, whichever stack runs it: a tenant another
 * stack ran is retained there like one this stack ran (ops/plans/adoption.ts), and one another
 * stack still runs would be run twice. The command reads the other stacks; this decides.
 */
import { tenantDatabaseName } from "../../model/names";
import type { UpdateRecord } from "../engine";
import { OpsError } from "../errors";

/** Another stack of the environment (its platform, or a shard), as the command read it. */
export interface OtherStack {
  readonly stack: string;
  /** Its stack file (`Pulumi.<stack>.yaml`). */
  readonly configFile: string;
  /** Its history, newest first. */
  readonly history: readonly UpdateRecord[];
  /** The tenants its `tenants` output names: what it runs now. */
  readonly running: readonly string[];
}

/** Where a deploy or rollback runs, for {@link refuseRunningElsewhere}'s message. */
export interface MoveTarget {
  readonly stack: string;
  readonly environment: string;
  /** The stack's file, which lists the tenants. */
  readonly configFile: string;
  /** The environment's platform stack (the stack itself when it is the platform). */
  readonly platform: string;
  /** Set for `rollback --restore-removed` to this version; unset for a deploy. */
  readonly rollbackTo?: number;
}

/**
 * Refuses, before anything runs, when a tenant the update creates (`created`: in its config, not
 * running in this stack) still runs in another stack of the environment: both would claim its
 * one role and database, from two namespaces. The message names each tenant and stack, and the
 * commands that move it: that stack deployed without it first, then this one taking its retained
 * role and database over.
 */
export function refuseRunningElsewhere(
  created: readonly string[],
  others: readonly OtherStack[],
  where: MoveTarget,
): void {
  const holders = others
    .map((other) => ({
      other,
      ids: [...new Set(created)].filter((id) => other.running.includes(id)),
    }))
    .filter((h) => h.ids.length > 0);
  if (holders.length === 0) return;
  const ids = [...new Set(holders.flatMap((h) => h.ids))];
  const which = holders
    .map(
      ({ other, ids: held }) =>
        `${held.map((id) => `${id} (${tenantDatabaseName(where.environment, id)})`).join(", ")} in stack "${other.stack}"`,
    )
    .join(", ");
  const first = holders
    .map(
      ({ other, ids: held }) =>
        `take ${held.join(", ")} out of ${other.configFile}, then npm run ops -- deploy --stack ${other.stack}${held.map((id) => ` --remove-tenant ${id}`).join("")}`,
    )
    .join("; ");
  const adopt = ids.map((id) => ` --adopt-database ${id}`).join("");
  const platform =
    where.platform === where.stack
      ? ""
      : `, then the platform (npm run ops -- deploy --stack ${where.platform}: the edge's routes and keys)`;
  const deploying = where.rollbackTo === undefined;
  const what = deploying
    ? `this deploy of stack "${where.stack}" creates`
    : `rolling stack "${where.stack}" back to v${where.rollbackTo} brings back`;
  const then = deploying
    ? `then this stack, taking their role and database over with their data (npm run ops -- deploy --stack ${where.stack}${adopt})${platform}; or take them out of ${where.configFile}`
    : `then roll back again, taking their role and database over with their data (npm run ops -- rollback --stack ${where.stack} --to ${where.rollbackTo} --restore-removed)${platform}; or roll back without --restore-removed, which leaves them out`;
  throw new OpsError(
    `${what} tenants that another stack of environment "${where.environment}" still runs (its tenants output names them): ${which}; deployed here too, each would run twice: two namespaces on one PostgreSQL role and database. To ${deploying ? "move" : "bring"} them here, deploy each such stack without them first (${first}), ${then}`,
  );
}

/** A successful update's time, to tell which of two stacks ran a tenant last. */
export function updateTime(update: UpdateRecord): number {
  return (update.endTime ?? update.startTime).getTime();
}
