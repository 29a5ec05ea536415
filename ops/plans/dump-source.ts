/**
 * Whose data a dump holds: the database its own header names (`pg_restore --list` prints
 * `;     dbname: sp_production_globex`), checked against the database `db restore` would write it
 * into before anything is restored. The file name (`globex-….dump`) is only a hint: a file can be
 * renamed or moved, its header cannot.
 */
import type { ToolResult } from "../adapters/db-tools";
import { OpsError } from "../errors";

/** `pg_restore` arguments that print a dump's header and table of contents, restoring nothing. */
export function dumpHeaderArgs(file: string): string[] {
  return ["--list", file];
}

/** The header's `dbname:` line; the table of contents after it has none. */
const DBNAME = /^;[ \t]+dbname: (.*)$/m;
const TOC_START = "; Selected TOC Entries:";

/** The database a `pg_restore --list` header names, if it names one. */
export function dumpDatabase(listing: string): string | undefined {
  const header = listing.split(TOC_START)[0] ?? "";
  const name = DBNAME.exec(header)?.[1]?.trim();
  return name === undefined || name === "" ? undefined : name;
}

/** Where a restore would write: the tenant, its environment, and its database (from its Secret). */
export interface RestoreTarget {
  /** The stack the command was given. */
  readonly stack: string;
  readonly tenant: string;
  readonly environment: string;
  /**
   * The database the restore writes into: its DATABASE_URL's, which on a deployed stack is
   * `sp_{environment}_{tenant}` (tenantDatabaseName, model/names.ts).
   */
  readonly database: string;
}

/** The database a dump holds; `foreign` when it is not the target's (allowed by --from-database). */
export interface DumpSource {
  readonly database: string;
  readonly foreign: boolean;
}

const NOTHING = "Nothing was restored";

/**
 * Checks a dump's header (what `pg_restore --list` gave) against where it would be restored.
 * Refuses, naming the dump, the database it holds, the tenant and environment and how to go on:
 * a header it cannot read, a dump of another database unless `fromDatabase` names that database,
 * and a `fromDatabase` that is not the database the header names.
 */
export function checkDumpSource(
  file: string,
  header: ToolResult,
  target: RestoreTarget,
  fromDatabase?: string,
): DumpSource {
  const into = `tenant "${target.tenant}" in environment "${target.environment}"`;
  const unknown = `without it there is no telling whose database the dump holds; pass --from a custom-format dump, as db backup writes them`;
  if (header.code !== 0) {
    throw new OpsError(
      `cannot read the header of ${file}: pg_restore --list failed (exit ${header.code}): ${header.stderr}. ${NOTHING}: ${unknown}`,
    );
  }
  const database = dumpDatabase(header.stdout);
  if (database === undefined) {
    throw new OpsError(
      `the header of ${file} names no database (pg_restore --list printed no "dbname:" line). ${NOTHING}: ${unknown}`,
    );
  }
  if (fromDatabase !== undefined && fromDatabase !== database) {
    throw new OpsError(
      `--from-database ${fromDatabase} is not the database ${file} holds: its header says ${database}. ${NOTHING}; to restore it into ${into} (database ${target.database}), pass --from-database ${database}`,
    );
  }
  if (database !== target.database && fromDatabase === undefined) {
    throw new OpsError(
      `${file} holds database ${database}, not ${target.database}, the database of ${into} it would be restored into. ${NOTHING}. ` +
        `To restore one of "${target.tenant}"'s own dumps, pick one from db list --stack ${target.stack} --tenant ${target.tenant}; to put this other database's data into "${target.tenant}" deliberately, pass --from-database ${database}`,
    );
  }
  return { database, foreign: database !== target.database };
}
