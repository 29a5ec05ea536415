/**
 * Which PostgreSQL server a stack's tenant databases live on, named the same way by the program
 * (its `databaseServer` output, and its check of a hand-run `pulumi up`) and by `ops` (each
 * release's `database=`), so both compare like with like.
 */
import { POSTGRES_PORT } from "./database-defaults";

/** The parts of `database` that say where the server is (its other settings do not move it). */
export interface DatabaseLocation {
  readonly mode?: string;
  readonly host?: unknown;
  readonly port?: unknown;
}

/**
 * `in-cluster`, or `external host:port` with the schema's defaults filled in (no `mode` is
 * in-cluster, no port is 5432, the host in lower case). Undefined when `database` does not say.
 */
export function databaseServerName(database: DatabaseLocation): string | undefined {
  if (database.mode === undefined || database.mode === "in-cluster") return "in-cluster";
  if (database.mode !== "external" || typeof database.host !== "string") return undefined;
  const port = typeof database.port === "number" ? database.port : POSTGRES_PORT;
  return `external ${database.host.toLowerCase()}:${port}`;
}

/** Why a stack's environment never changes: the explanation both refusals give. */
export const ENVIRONMENT_KEPT =
  "every tenant's namespace, PostgreSQL role and database are named after it, so this update would delete each tenant's namespace and start it on a new, empty database (the old ones stay on the server)";

/** The start of every database-move refusal and note: which servers, and that data stays. */
export function databaseMoveSummary(input: {
  /** What ran on `from`, e.g. `v12` or `the last update`. */
  readonly ran: string;
  readonly from: string;
  /** What runs on `to`, e.g. `this deploy`. */
  readonly runs: string;
  readonly to: string;
}): string {
  return `the database server changes (${input.ran} ran ${input.from}, ${input.runs} runs ${input.to}), and tenant data does not move with it`;
}
