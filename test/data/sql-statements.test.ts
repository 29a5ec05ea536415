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
      "-c search_path=pg_catalog,pg_temp -c client_min_messages=notice -c default_transaction_read_only=off -c statement_timeout=0 -c lock_timeout=0",
    );
  });

  it.each([
    ["the settings taken, as the server reports them", "pg_catalog,pg_temp", undefined],
    ["the settings taken, spaced", "pg_catalog, pg_temp", undefined],
    ["dropped by a pooler: the server's default", '"$user", public', '"$user", public'],
    ["dropped: the tenant's own", "public, pg_catalog", "public, pg_catalog"],
  ])("%s (%s)", (_name, searchPath, refused) => {
    if (refused === undefined) {
      expect(() => assertAdminSession(searchPath)).not.toThrow();
    } else {
      expect(() => assertAdminSession(searchPath)).toThrow(
        `the admin's session in the tenant's database has search_path "${refused}", not "pg_catalog, pg_temp": its options startup parameter was dropped (a pooler such as PgBouncer with ignore_startup_parameters = options), so the tenant's own database settings would apply to the hardening; connect the admin to the server directly, or through a pooler that passes options`,
      );
    }
  });
});
