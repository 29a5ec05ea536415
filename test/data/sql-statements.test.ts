import { describe, expect, it } from "vitest";
import { ComponentArgsError } from "../../components/component-args-error";
import {
  ADMIN_SESSION_OPTIONS,
  assertAdminSession,
  resolveSqlStatementsArgs,
  SQL_STATEMENTS_TYPE,
  SqlStatements,
  sqlStatementsProvider,
} from "../../components/data/sql-statements";
import { runSqlStatements } from "../../components/data/sql-runner";
import { runProgram } from "../../testkit/mocks";

const connection = {
  host: "localhost",
  port: 5432,
  user: "postgres",
  password: "pw",
  database: "postgres",
  sslmode: "disable" as const,
};

describe("SqlStatements' args", () => {
  it.each([
    [[{ sql: "SELECT 1", required: true }], []],
    [[], ["statements []: must list at least one statement"]],
    [
      [
        { sql: "SELECT 1", required: true },
        { sql: "  ", required: false },
        { sql: "", required: true },
      ],
      [
        `statements[1].sql "": must be a SQL statement`,
        `statements[2].sql "": must be a SQL statement`,
      ],
    ],
  ])("%j: %j", (statements, problems) => {
    const resolve = () => resolveSqlStatementsArgs("hardening", { connection, statements });
    if (problems.length === 0) {
      expect(resolve()).toEqual({ connection, statements });
      return;
    }
    let error: unknown;
    try {
      resolve();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ComponentArgsError);
    expect((error as ComponentArgsError).problems).toEqual(problems);
  });

  it("refuses an empty list before the resource is registered", async () => {
    let error: unknown;
    const run = await runProgram(() => {
      try {
        new SqlStatements("hardening", { connection, statements: [] });
      } catch (caught) {
        error = caught;
      }
    });
    expect(run.resources.filter((r) => r.type === SQL_STATEMENTS_TYPE)).toEqual([]);
    expect((error as Error).message).toBe(
      `SqlStatements "hardening": statements []: must list at least one statement`,
    );
  });
});

describe("SqlStatements' diff", () => {
  const statements = [
    { sql: "GRANT r TO CURRENT_USER", required: true },
    { sql: "ALTER DATABASE d RESET ALL", required: true },
  ];
  const olds = { connection, statements, skipped: [] };

  it.each([
    ["the same statements", { connection, statements }, false],
    [
      "the same statements, another admin login",
      { connection: { ...connection, password: "rotated", host: "db2" }, statements },
      false,
    ],
    ["one statement changed", { connection, statements: [statements[0]!] }, true],
    [
      "the same SQL, now optional",
      { connection, statements: [statements[0]!, { ...statements[1]!, required: false }] },
      true,
    ],
  ])("%s: changes %s", async (_label, news, changes) => {
    // An update runs the statements only on a change; the same list runs again only on a replace.
    expect(await sqlStatementsProvider.diff!("sql-2", olds, news)).toEqual({ changes });
  });
});

describe("the admin's session in a tenant's database", () => {
  it("connects with settings that outrank the database's own", () => {
    expect(ADMIN_SESSION_OPTIONS).toBe(
      "-c search_path=pg_catalog,pg_temp -c role=none -c local_preload_libraries= -c client_min_messages=notice -c exit_on_error=off -c standard_conforming_strings=on -c default_transaction_read_only=off -c statement_timeout=0 -c idle_in_transaction_session_timeout=0 -c idle_session_timeout=0 -c lock_timeout=60s",
    );
  });

  const POOLER =
    "its options startup parameter was dropped (a pooler such as PgBouncer with ignore_startup_parameters = options), so the tenant's own database settings would apply to the hardening; connect the admin to the server directly, or through a pooler that passes options";
  it.each([
    ["the settings taken, as the server reports them", "pg_catalog,pg_temp", "admin", undefined],
    ["the settings taken, spaced", "pg_catalog, pg_temp", "admin", undefined],
    [
      "dropped by a pooler: the server's default",
      '"$user", public',
      "admin",
      `the admin's session in the tenant's database has search_path ""$user", public", not "pg_catalog, pg_temp": ${POOLER}`,
    ],
    [
      "dropped: the tenant's own",
      "public, pg_catalog",
      "admin",
      `the admin's session in the tenant's database has search_path "public, pg_catalog", not "pg_catalog, pg_temp": ${POOLER}`,
    ],
    [
      "running as a tenant's role",
      "pg_catalog,pg_temp",
      "sp_dev_globex",
      `the admin's session in the tenant's database runs as role "sp_dev_globex", not as its login "admin": a role setting of the database or the login was taken; clear it (ALTER DATABASE <name> RESET role) and run again`,
    ],
  ])("%s (%s, as %s)", (_name, searchPath, currentUser, refused) => {
    const check = () => assertAdminSession({ searchPath, currentUser, sessionUser: "admin" });
    if (refused === undefined) expect(check).not.toThrow();
    else expect(check).toThrow(new Error(refused));
  });
});

describe("the hardening's runner", () => {
  /** A client whose queries fail with `error` from the second statement on. */
  function failingClient(error: Error) {
    let n = 0;
    return {
      query: () => (n++ === 0 ? Promise.resolve({}) : Promise.reject(error)),
      on: () => undefined,
      removeListener: () => undefined,
    };
  }

  it("says what to do when a statement waited for a tenant's lock", async () => {
    const timeout = Object.assign(new Error("canceling statement due to lock timeout"), {
      code: "55P03",
    });
    await expect(
      runSqlStatements(failingClient(timeout), [
        { sql: "GRANT a TO CURRENT_USER", required: true },
        { sql: `ALTER DATABASE "sp_dev_acme" RESET ALL`, required: true },
      ]),
    ).rejects.toThrow(
      new Error(
        `ALTER DATABASE "sp_dev_acme" RESET ALL: canceling statement due to lock timeout: waited 60s for a lock that a session of the tenant's database holds in a transaction it keeps open; end that session (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '<database>' AND state LIKE 'idle in transaction%') and run the update again`,
      ),
    );
  });

  it("reports any other failure as PostgreSQL words it", async () => {
    const denied = Object.assign(new Error("permission denied for database x"), { code: "42501" });
    await expect(
      runSqlStatements(failingClient(denied), [
        { sql: "SELECT 1", required: true },
        { sql: "REVOKE ALL ON DATABASE x FROM PUBLIC", required: true },
      ]),
    ).rejects.toThrow(
      new Error("REVOKE ALL ON DATABASE x FROM PUBLIC: permission denied for database x"),
    );
  });
});
