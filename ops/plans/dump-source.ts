/**
 * Whose data a dump holds: the database its own header names (`pg_restore --list` prints
 * `;     dbname: sp_production_globex`), checked against the database `db restore` would write it
 * into before anything is restored. The file name (`globex-….dump`) is only a hint: a file can be
 * renamed or moved, its header cannot.
 *
 * A dump of another database (`--from-database`) is also read for code: pg_restore runs as the
 * target tenant's role, so the functions, triggers and the like that the other database's owner
 * wrote would run with the target's privileges. Such a dump is refused unless the operator
 * accepts that (`--run-source-code`).
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

/**
 * Entry kinds of a table of contents whose code runs as the role that restores the dump, during
 * the restore (a trigger, a rule or a CHECK's function as COPY loads the rows, a materialized
 * view's query as it is refreshed) or after it, whenever the tenant's role uses the object.
 */
const RUNS_CODE = [
  "FUNCTION",
  "PROCEDURE",
  "AGGREGATE",
  "TRIGGER",
  "EVENT TRIGGER",
  "RULE",
  "OPERATOR",
  "CAST",
  "TRANSFORM",
  "MATERIALIZED VIEW",
];

/**
 * Entry kinds that may call functions the table of contents does not show: counted only when the
 * dump defines functions or procedures of its own (outside pg_catalog), which they may call.
 * Without them they can call only the server's built-in functions (a serial column's DEFAULT
 * calls nextval), which run nothing the dump's owner wrote.
 */
const MAY_CALL_CODE = ["DEFAULT", "CHECK CONSTRAINT", "CONSTRAINT", "FK CONSTRAINT", "INDEX"];

/**
 * A table of contents line: `{dumpId}; {tableoid} {oid} {kind} {schema} {name} {owner}`. Its `s`
 * flag lets a name hold any character: without it a U+2028 in a function's name would hide it.
 */
const TOC_ENTRY = /^\d+; \d+ \d+ (.*?)\s*$/s;

/**
 * Whether `entry` (a table of contents line without its ids) could be of one of `kinds`, matched
 * as a prefix, so a doubt counts as code: a schema can be named `CLASS`, so `OPERATOR CLASS x`
 * counts as an OPERATOR. Kinds that start with one of `kinds` count as it too: OPERATOR CLASS
 * and OPERATOR FAMILY (a superuser's), MATERIALIZED VIEW DATA (the view's refresh), DEFAULT ACL
 * and INDEX ATTACH.
 */
const startsAs = (entry: string, kinds: readonly string[]) =>
  kinds.some((kind) => entry.startsWith(`${kind} `));

/**
 * The entries of a `pg_restore --list` table of contents that hold code which would run as the
 * role restoring it ({@link RUNS_CODE}, and {@link MAY_CALL_CODE} beside the dump's own functions),
 * each as its line without the ids (`FUNCTION public valid_sku(text) sp_dev_acme`), in order.
 */
export function dumpCodeEntries(listing: string): string[] {
  const entries = listing.split(/\r?\n/).flatMap((line) => {
    const entry = TOC_ENTRY.exec(line)?.[1];
    return entry === undefined ? [] : [entry];
  });
  // A schema named `pg_...` is reserved to the server: only its own functions are in pg_catalog.
  const definesFunctions = entries.some(
    (entry) => startsAs(entry, ["FUNCTION", "PROCEDURE"]) && !/^\S+ pg_catalog /.test(entry),
  );
  return entries.filter(
    (entry) => startsAs(entry, RUNS_CODE) || (definesFunctions && startsAs(entry, MAY_CALL_CODE)),
  );
}

/** How many entries of code are shown by name; the rest are counted. */
const SHOWN_ENTRIES = 5;

/** `3 entries (FUNCTION public f() x; TRIGGER public t tt x; ...)`: the first few, and a count. */
export function describeCodeEntries(entries: readonly string[]): string {
  const rest = entries.length - SHOWN_ENTRIES;
  const shown = entries.slice(0, SHOWN_ENTRIES).join("; ") + (rest > 0 ? `; and ${rest} more` : "");
  return `${entries.length} ${entries.length === 1 ? "entry" : "entries"} (${shown})`;
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
  /** The role pg_restore runs as: its DATABASE_URL's user, the tenant's own role. */
  readonly role: string;
}

/** The database a dump holds; `foreign` when it is not the target's (allowed by --from-database). */
export interface DumpSource {
  readonly database: string;
  readonly foreign: boolean;
  /**
   * A foreign dump's entries of code ({@link dumpCodeEntries}), which run as the target's role
   * (allowed by --run-source-code); empty for the tenant's own dump, whose code is its own.
   */
  readonly code: readonly string[];
}

const NOTHING = "Nothing was restored";

/**
 * Checks a dump's header (what `pg_restore --list` gave) against where it would be restored.
 * Refuses, naming the dump, the database it holds, the tenant and environment and how to go on:
 * a header it cannot read, a dump of another database unless `fromDatabase` names that database,
 * a `fromDatabase` that is not the database the header names, and a dump of another database that
 * holds code ({@link dumpCodeEntries}) unless `runSourceCode`: that code would run as the target
 * tenant's role, with its privileges (a function can change the role's password).
 */
export function checkDumpSource(
  file: string,
  header: ToolResult,
  target: RestoreTarget,
  fromDatabase?: string,
  runSourceCode = false,
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
  const foreign = database !== target.database;
  const code = foreign ? dumpCodeEntries(header.stdout) : [];
  if (code.length > 0 && !runSourceCode) {
    const role = target.role;
    throw new OpsError(
      `${file} holds database ${database} and code that would run as tenant "${target.tenant}"'s role ${role} if restored into ${target.database}: ${describeCodeEntries(code)}. ${NOTHING}. ` +
        `Whoever controls ${database} wrote that code; run as ${role}, it can do whatever ${role} can (change its password, read or change its data). ` +
        `Read it first (pg_restore --file=- ${file} prints the dump's SQL); to restore it knowing that its code runs as ${role}, pass --run-source-code`,
    );
  }
  return { database, foreign, code };
}
