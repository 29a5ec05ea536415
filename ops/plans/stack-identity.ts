/**
 * What a deployed stack keeps for life. Every name the platform gives a tenant (namespace
 * `{env}-tenant-{id}`, role and database `sp_{env}_{id}`, the resources' own names) is made from
 * the environment, so a stack file that renames the environment of a running stack would have
 * the update delete every tenant's namespace and start each on a new, empty database (the old
 * ones are retained on the server). And nothing moves tenant data to a new database server.
 */
import { POSTGRES_PORT } from "../../model/database-defaults";
import type { StackConfig, StackOutputs, UpdateRecord } from "../engine";
import { OpsError } from "../errors";
import { environmentOf, fromRecorded, KEY, sectionOf } from "../stack-config";
import { environmentOutput } from "../stack-outputs";
import { successes } from "./tenants-ran";

/** Refuses a stack file whose environment is not the one the stack runs, before anything runs. */
export function assertSameEnvironment(
  stack: string,
  config: StackConfig,
  outputs: StackOutputs,
  file: string,
): void {
  const running = environmentOutput(outputs);
  const configured = environmentOf(config);
  if (running === undefined || configured === undefined || running === configured) return;
  throw new OpsError(
    `${file} sets environment "${configured}", and stack "${stack}" runs environment "${running}": every tenant's namespace, PostgreSQL role and database are named after it, so this deploy would delete each tenant's namespace and start it on a new, empty database (the old ones stay on the server). An environment keeps its name: set environment back to "${running}", or create a new stack for "${configured}"`,
  );
}

/** Where tenant databases live: `in-cluster`, or `external host:port`. */
function databaseServerOf(database: Record<string, unknown>): string | undefined {
  if (database.mode === "in-cluster") return "in-cluster";
  if (database.mode !== "external" || typeof database.host !== "string") return undefined;
  const port = typeof database.port === "number" ? database.port : POSTGRES_PORT;
  return `external ${database.host.toLowerCase()}:${port}`;
}

/**
 * A note when the stack file's database server is not the one the newest successful update ran
 * with (its recorded `database`): the running tenants' data moves only by backup and restore.
 * Undefined when unchanged or unknown.
 */
export function databaseMoveNote(
  stack: string,
  history: readonly UpdateRecord[],
  config: StackConfig,
  running: readonly string[],
): string | undefined {
  const last = successes(history).sort((a, b) => b.version - a.version)[0];
  const recorded = last?.config[KEY.database];
  if (last === undefined || recorded === undefined || recorded.secret || running.length === 0) {
    return undefined;
  }
  const before = fromRecorded(recorded);
  if (typeof before !== "object" || before === null || Array.isArray(before)) return undefined;
  const from = databaseServerOf(before as Record<string, unknown>);
  const to = databaseServerOf(sectionOf(config, "database"));
  if (from === undefined || to === undefined || from === to) return undefined;
  return `note: the database server changes (v${last.version} ran ${from}, the stack file says ${to}), and tenant data does not move with it: back up each of ${running.join(", ")} before this deploy (npm run ops -- db backup --stack ${stack} --tenant <id>) and restore each after it (db restore)`;
}
