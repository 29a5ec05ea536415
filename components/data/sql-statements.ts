/**
 * A dynamic resource that runs a fixed list of SQL statements as the database admin, for what
 * the postgresql provider has no resource for (role settings such as `work_mem`) or does not do
 * reliably (revoking PUBLIC's rights on a database the admin does not own: its Grant runs as the
 * admin, which only warns on managed servers, and shows a diff on every preview). The statements
 * come from tenant-sql.ts; the diff is the statement list, so a preview is quiet when nothing
 * changed. Deleting it runs nothing: revoked rights stay revoked.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as PgModule from "pg";
import type { SslMode } from "../../model/database-defaults";
import { assertNoProblems } from "../component-args-error";
import { pgSslOptions } from "./pg-ssl";
import type { SqlStatement } from "./tenant-sql";
import { ADMIN_LOCK_TIMEOUT, runSqlStatements, type SqlRunResult } from "./sql-runner";

/** Dynamic resources' type tokens are fixed by the SDK: `pulumi-nodejs:dynamic/<module>:<type>`. */
export const SQL_STATEMENTS_TYPE = "pulumi-nodejs:dynamic/agent-cloud:SqlStatements";

/** Where the admin logs in (the postgresql provider's own settings). */
export interface AdminConnection {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  readonly sslmode: SslMode;
}

/** What the provider is given: the admin's login and the statements. */
interface SqlStatementsInputs {
  readonly connection: AdminConnection;
  readonly statements: readonly SqlStatement[];
}

/** What the provider records: the inputs, and which optional statements were skipped. */
interface SqlStatementsOutputs extends SqlStatementsInputs {
  readonly skipped: SqlRunResult["skipped"];
}

/**
 * Session settings the admin connects with, which outrank the settings of the database it
 * connects to. The statements run in a tenant's database, whose owner (the tenant) may `ALTER
 * DATABASE … SET` anything a user may set, and a connection takes those at login, before the
 * `RESET ALL` among the statements runs. So the session fixes what would let the tenant act
 * through the admin or stop it:
 * - `search_path`: naming the tenant's schema before `pg_catalog` would run the tenant's own
 *   `format` or `~~` in a DO block with the admin's rights (a red team made its role superuser
 *   that way);
 * - `role`: a database's `role` setting makes every session in it `SET ROLE` at login, so the
 *   admin (a member of every tenant's role) would run the hardening as that role, another
 *   tenant's included; `none` keeps the admin itself ({@link assertAdminSession} checks it);
 * - `local_preload_libraries`: a library the server cannot load fails the login;
 * - `client_min_messages` above WARNING would hide the warnings that say a REVOKE did nothing
 *   (sql-runner.ts); `exit_on_error` would end the session at an optional statement the admin may
 *   not run; `standard_conforming_strings` off would read the statements' backslashes as escapes;
 * - `default_transaction_read_only`, `statement_timeout` and the idle timeouts would fail the
 *   hardening or end its session between statements;
 * - `lock_timeout`: {@link ADMIN_LOCK_TIMEOUT}, so a tenant's transaction left open on what the
 *   hardening changes fails the update with a message (sql-runner.ts) instead of hanging it.
 */
/** The schemas the admin's session searches, pg_catalog first (see ADMIN_SESSION_OPTIONS). */
const ADMIN_SCHEMAS = ["pg_catalog", "pg_temp"];

export const ADMIN_SESSION_OPTIONS = [
  `search_path=${ADMIN_SCHEMAS.join(",")}`,
  "role=none",
  "local_preload_libraries=",
  "client_min_messages=notice",
  "exit_on_error=off",
  "standard_conforming_strings=on",
  "default_transaction_read_only=off",
  "statement_timeout=0",
  "idle_in_transaction_session_timeout=0",
  "idle_session_timeout=0",
  `lock_timeout=${ADMIN_LOCK_TIMEOUT}`,
]
  .map((setting) => `-c ${setting}`)
  .join(" ");

/** The `search_path` a session opened with {@link ADMIN_SESSION_OPTIONS} reports, spaced. */
export const ADMIN_SEARCH_PATH = ADMIN_SCHEMAS.join(", ");

/** What the admin's session reports about itself once connected. */
export interface AdminSessionFacts {
  /** `SHOW search_path`. */
  readonly searchPath: string;
  readonly currentUser: string;
  readonly sessionUser: string;
}

/**
 * Refuses a session that did not take {@link ADMIN_SESSION_OPTIONS}: a pooler that drops the
 * `options` startup parameter (PgBouncer's `ignore_startup_parameters = options`) would leave the
 * tenant's own settings in force, so the hardening would run exposed to them. The server reports
 * the text it was given (`pg_catalog,pg_temp`), so the schemas are compared, not the spacing.
 * And a session that runs as another role than the admin's login (the database's `role`
 * setting, had `role=none` not been taken) would harden as that role.
 */
export function assertAdminSession(facts: AdminSessionFacts): void {
  const schemas = facts.searchPath.split(",").map((schema) => schema.trim());
  if (schemas.join(", ") !== ADMIN_SEARCH_PATH) {
    throw new Error(
      `the admin's session in the tenant's database has search_path "${facts.searchPath}", not "${ADMIN_SEARCH_PATH}": its options startup parameter was dropped (a pooler such as PgBouncer with ignore_startup_parameters = options), so the tenant's own database settings would apply to the hardening; connect the admin to the server directly, or through a pooler that passes options`,
    );
  }
  if (facts.currentUser !== facts.sessionUser) {
    throw new Error(
      `the admin's session in the tenant's database runs as role "${facts.currentUser}", not as its login "${facts.sessionUser}": a role setting of the database or the login was taken; clear it (ALTER DATABASE <name> RESET role) and run again`,
    );
  }
}

async function runStatements(inputs: SqlStatementsInputs): Promise<SqlStatementsOutputs> {
  // Loaded when the provider runs, not when the program is evaluated (or serialized).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pg = require("pg") as typeof PgModule;
  const login = inputs.connection;
  const client = new pg.Client({
    host: login.host,
    port: login.port,
    user: login.user,
    password: login.password,
    database: login.database,
    ssl: pgSslOptions(login.sslmode),
    connectionTimeoutMillis: 15_000,
    options: ADMIN_SESSION_OPTIONS,
  });
  await client.connect();
  try {
    const { rows } = await client.query<{ search_path: string; cu: string; su: string }>(
      "SELECT pg_catalog.current_setting('search_path') AS search_path, current_user AS cu, session_user AS su",
    );
    const [facts] = rows;
    assertAdminSession({
      searchPath: facts?.search_path ?? "",
      currentUser: facts?.cu ?? "",
      sessionUser: facts?.su ?? "",
    });
    const result = await runSqlStatements(client, inputs.statements);
    return { ...inputs, skipped: result.skipped };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Runs the statements on create and on update; the diff is the statement list alone, so an
 * unchanged list is no change (a new admin password or host is not either), and running the
 * same statements again takes a replace (`pulumi up --target-replace <urn>`, see the README).
 */
export const sqlStatementsProvider: pulumi.dynamic.ResourceProvider<
  SqlStatementsInputs,
  SqlStatementsOutputs
> = {
  async create(inputs) {
    return { id: `sql-${inputs.statements.length}`, outs: await runStatements(inputs) };
  },
  diff(_id, olds, news) {
    const changed = JSON.stringify(olds.statements) !== JSON.stringify(news.statements);
    return Promise.resolve({ changes: changed });
  },
  async update(_id, _olds, news) {
    return { outs: await runStatements(news) };
  },
  delete() {
    // Nothing to undo: re-granting PUBLIC would reopen the tenant's database.
    return Promise.resolve();
  },
};

export interface SqlStatementsArgs {
  /** The admin's connection; the password is kept secret in the state. */
  readonly connection: pulumi.Input<AdminConnection>;
  /** Statements in order (tenant-sql.ts); at least one, none empty. */
  readonly statements: readonly SqlStatement[];
}

/**
 * The args checked before anything is registered (every problem in one ComponentArgsError): a
 * resource with no statement, or an empty one, would fail only when `pulumi up` runs it.
 */
export function resolveSqlStatementsArgs(name: string, args: SqlStatementsArgs): SqlStatementsArgs {
  const problems =
    args.statements.length === 0
      ? ["statements []: must list at least one statement"]
      : args.statements.flatMap((statement, index) =>
          statement.sql.trim() === ""
            ? [`statements[${index}].sql "": must be a SQL statement`]
            : [],
        );
  assertNoProblems("SqlStatements", name, problems);
  return args;
}

/**
 * Runs `statements` as the admin when created, whenever the list changes, and when replaced on
 * purpose; never on an update that leaves the list as it was.
 */
export class SqlStatements extends pulumi.dynamic.Resource {
  /** Optional statements the admin was not allowed to run, with PostgreSQL's reason. */
  declare public readonly skipped: pulumi.Output<SqlRunResult["skipped"]>;

  constructor(name: string, args: SqlStatementsArgs, opts?: pulumi.CustomResourceOptions) {
    const resolved = resolveSqlStatementsArgs(name, args);
    super(
      sqlStatementsProvider,
      name,
      { connection: resolved.connection, statements: resolved.statements, skipped: undefined },
      { ...opts, additionalSecretOutputs: ["connection"] },
      "agent-cloud",
      "SqlStatements",
    );
  }
}
