/**
 * Tenant isolation on the real PostgreSQL (Debian's server on loopback, see
 * testkit/postgres.ts). Two tenants' roles, databases and hardening are created with the
 * statements SharedDatabase deploys (tenant-sql.ts, run by the same runner its SqlStatements
 * resource uses), once by a superuser admin and once by a non-superuser admin with CREATEROLE
 * and CREATEDB, which is what managed services (RDS, Cloud SQL) give. Each tenant then connects
 * with its rendered DATABASE_URL and attacks the other.
 */
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { databaseUrl } from "../../components/data/database-url";
import { databaseServerFindings } from "../../components/data/server-checks";
import { runSqlStatements, type SqlRunResult } from "../../components/data/sql-runner";
import { sqlStatementsProvider } from "../../components/data/sql-statements";
import {
  createTenantSql,
  MAINTENANCE_DATABASES,
  quoteIdent,
  quoteLiteral,
  SERVER_ACTIVITY_REVOKES,
  serverHardeningSql,
  tenantHardeningSql,
  tenantSqlSpec,
  type TenantSqlSpec,
} from "../../components/data/tenant-sql";
import type { DatabaseLimits } from "../../model/plans";
import {
  postgresAvailable,
  TEST_POSTGRES_URL,
  uniqueSuffix,
  withClient,
} from "../../testkit/postgres";

let available = false;
const server = new URL(TEST_POSTGRES_URL);

/** Small values, so each limit can be hit within a second. */
const LIMITS: DatabaseLimits = {
  statementTimeoutSeconds: 1,
  idleInTransactionSessionTimeoutSeconds: 1,
  idleSessionTimeoutSeconds: 0,
  workMem: "64kB",
  tempFileLimit: "1MB",
};
const CONNECTION_LIMIT = 3;

interface Tenant {
  readonly id: string;
  readonly spec: TenantSqlSpec;
  readonly url: string;
}

/** The admin's URL; in `database` where given (the tenant hardening runs in the tenant's). */
const adminUrl = (user: string, password: string, database?: string) => {
  const u = new URL(TEST_POSTGRES_URL);
  u.username = user;
  u.password = password;
  if (database !== undefined) u.pathname = `/${database}`;
  return u.toString();
};

async function connect(url: string): Promise<pg.Client> {
  // Room for a busy machine: the limits under test are refusals, which come at once.
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 15_000 });
  client.on("error", () => undefined); // a server-side termination is an expected outcome
  await client.connect();
  return client;
}

/** The error PostgreSQL answers `fn` with; fails the test when it succeeds. */
async function refusal(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected PostgreSQL to refuse, but it succeeded");
}

/** Restores PUBLIC's default rights on the maintenance databases of the shared test server. */
async function restoreMaintenanceDefaults(): Promise<void> {
  await withClient(TEST_POSTGRES_URL, async (c) => {
    await c.query(`GRANT CONNECT, TEMPORARY ON DATABASE postgres TO PUBLIC`);
    await c.query(`GRANT CONNECT ON DATABASE template1 TO PUBLIC`);
  });
}

for (const adminKind of ["superuser", "non-superuser"] as const) {
  describe(`tenant isolation on PostgreSQL, ${adminKind} admin`, () => {
    const suffix = uniqueSuffix();
    const environment = `t${suffix}`;
    const adminRole = `ac_admin_${suffix}`;
    const adminPassword = `admin-${suffix}`;
    const tenants: Tenant[] = [];
    /** Specs created outside {@link tenants}, dropped with them. */
    const cleanup: TenantSqlSpec[] = [];
    const hardening: SqlRunResult[] = [];
    let serverRun: SqlRunResult;
    const open: pg.Client[] = [];
    const client = async (url: string) => {
      const c = await connect(url);
      open.push(c);
      return c;
    };

    beforeAll(async () => {
      available = await postgresAvailable();
      if (!available) return;
      await withClient(TEST_POSTGRES_URL, (c) =>
        c.query(
          `CREATE ROLE ${adminRole} LOGIN ${adminKind === "superuser" ? "SUPERUSER" : "NOSUPERUSER CREATEROLE CREATEDB"} PASSWORD '${adminPassword}'`,
        ),
      );
      await withClient(adminUrl(adminRole, adminPassword), async (admin) => {
        for (const id of ["acme", "globex"]) {
          const spec = tenantSqlSpec(environment, {
            id,
            connectionLimit: CONNECTION_LIMIT,
            limits: LIMITS,
          });
          const password = `pw-${id}-${suffix}`;
          // What the postgresql provider does for the Role and Database resources.
          await runSqlStatements(
            admin,
            createTenantSql(spec, password).map((sql) => ({ sql, required: true })),
          );
          // As SharedDatabase deploys it: connected to the tenant's database.
          hardening.push(
            await withClient(adminUrl(adminRole, adminPassword, spec.database.name), (c) =>
              runSqlStatements(c, tenantHardeningSql(spec)),
            ),
          );
          const url = databaseUrl({
            user: spec.role.name,
            password,
            host: server.hostname,
            port: Number(server.port || 5432),
            database: spec.database.name,
            sslmode: "disable",
          });
          tenants.push({ id, spec, url });
        }
        serverRun = await runSqlStatements(admin, serverHardeningSql());
      });
    });

    // Each test opens its own sessions: the tenants' connection limit is small.
    // Without a server (outside CI, where postgresAvailable fails instead) every test skips.
    beforeEach((ctx) => {
      if (!available) ctx.skip();
    });

    afterEach(async () => {
      await Promise.all(open.splice(0).map((c) => c.end().catch(() => undefined)));
    });

    afterAll(async () => {
      if (!available) return;
      await withClient(TEST_POSTGRES_URL, async (c) => {
        for (const spec of [...tenants.map((t) => t.spec), ...cleanup]) {
          await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(spec.database.name)} WITH (FORCE)`);
          await c.query(`DROP ROLE IF EXISTS ${quoteIdent(spec.role.name)}`);
        }
        await c.query(`DROP ROLE IF EXISTS ${adminRole}`);
      });
      await restoreMaintenanceDefaults();
    });

    const a = () => tenants[0] as Tenant;
    const b = () => tenants[1] as Tenant;
    /**
     * Runs `t`'s hardening as its SqlStatements resource does (its own connection and session)
     * and checks it skipped exactly what the first run did.
     */
    const hardenAsTheResourceDoes = async (t: Tenant) => {
      const { outs } = await sqlStatementsProvider.create({
        connection: {
          host: server.hostname,
          port: Number(server.port || 5432),
          user: adminRole,
          password: adminPassword,
          database: t.spec.database.name,
          sslmode: "disable",
        },
        statements: tenantHardeningSql(t.spec),
      });
      expect(outs?.skipped.map((x) => x.sql)).toEqual(hardening[0]!.skipped.map((x) => x.sql));
    };
    const otherDbUrl = (t: Tenant, database: string) => {
      const u = new URL(t.url);
      u.pathname = `/${database}`;
      return u.toString();
    };

    it("applies every required statement; only superuser-only ones are skipped for a non-superuser", () => {
      for (const run of hardening) {
        const skipped = run.skipped.map((s) => s.sql.replace(/"[^"]+"/, "<role>"));
        // pg_catalog belongs to the bootstrap superuser: a managed server's admin may not revoke.
        expect(skipped).toEqual(
          adminKind === "superuser"
            ? []
            : [...SERVER_ACTIVITY_REVOKES, `ALTER ROLE <role> SET temp_file_limit = '1MB'`],
        );
        // One warning per column and per function: the first, and how many more.
        expect(run.skipped.slice(0, SERVER_ACTIVITY_REVOKES.length).map((s) => s.reason)).toEqual(
          adminKind === "superuser"
            ? []
            : [
                expect.stringMatching(
                  /^no privileges could be revoked for "pg_stat_database" \(\+\d+ more warnings\)$/,
                ),
                expect.stringMatching(
                  /^no privileges could be revoked for "pg_stat_get_db_\w+" \(\+\d+ more warnings\)$/,
                ),
              ],
        );
      }
      expect(serverRun.skipped.map((s) => s.sql)).toEqual(
        adminKind === "superuser"
          ? []
          : MAINTENANCE_DATABASES.map(
              (db) => `REVOKE CONNECT, TEMPORARY ON DATABASE "${db}" FROM PUBLIC`,
            ),
      );
    });

    it.skipIf(adminKind === "superuser")(
      "without membership in the owning role, the admin's REVOKE only warns, and the runner fails it",
      async () => {
        const spec = tenantSqlSpec(environment, {
          id: "legacy",
          connectionLimit: 1,
          limits: LIMITS,
        });
        cleanup.push(spec);
        await withClient(adminUrl(adminRole, adminPassword), async (admin) => {
          await runSqlStatements(
            admin,
            createTenantSql(spec, `pw-${suffix}`).map((sql) => ({ sql, required: true })),
          );
          // The state a provider Grant run as a plain admin leaves: the admin is not the owner.
          await admin.query(`REVOKE ${quoteIdent(spec.role.name)} FROM CURRENT_USER`);
        });
        // In the tenant's database, where the hardening runs (PUBLIC may still connect to it).
        await withClient(adminUrl(adminRole, adminPassword, spec.database.name), async (admin) => {
          const revoke = tenantHardeningSql(spec).filter((s) => s.sql.startsWith("REVOKE"));
          await expect(runSqlStatements(admin, revoke)).rejects.toThrow(
            /no privileges could be revoked/,
          );
          // The platform's order (membership first) does revoke it.
          await runSqlStatements(admin, tenantHardeningSql(spec));
        });
        const findings = await withClient(adminUrl(adminRole, adminPassword), (c) =>
          databaseServerFindings(c, environment),
        );
        const access = findings.filter((f) => f.check === "public-database-access");
        expect(access.map((f) => f.message).join("\n")).not.toContain(spec.database.name);
      },
    );

    it("each tenant works in its own database: tables, rows, TEMP tables, the plan's settings", async () => {
      for (const t of tenants) {
        const c = await client(t.url);
        await c.query(`CREATE TABLE notes (id serial PRIMARY KEY, body text)`);
        await c.query(`INSERT INTO notes (body) VALUES ($1)`, [`hello from ${t.id}`]);
        const rows = await c.query<{ body: string }>(`SELECT body FROM notes`);
        expect(rows.rows).toEqual([{ body: `hello from ${t.id}` }]);
        await c.query(`CREATE TEMP TABLE scratch (x int)`);
        const settings = await c.query<{ name: string; setting: string; unit: string | null }>(
          `SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1) ORDER BY name`,
          [["statement_timeout", "idle_in_transaction_session_timeout", "work_mem"]],
        );
        expect(settings.rows).toEqual([
          { name: "idle_in_transaction_session_timeout", setting: "1000", unit: "ms" },
          { name: "statement_timeout", setting: "1000", unit: "ms" },
          { name: "work_mem", setting: "64", unit: "kB" },
        ]);
      }
    });

    it("no tenant connects to another tenant's database", async () => {
      const message = await refusal(() => connect(otherDbUrl(a(), b().spec.database.name)));
      expect(message).toMatch(/permission denied for database|not have CONNECT privilege/);
      const reverse = await refusal(() => connect(otherDbUrl(b(), a().spec.database.name)));
      expect(reverse).toMatch(/permission denied for database|not have CONNECT privilege/);
    });

    it("reaches postgres and template1 only where the admin may revoke there (superuser)", async () => {
      for (const db of MAINTENANCE_DATABASES) {
        if (adminKind === "superuser") {
          const message = await refusal(() => connect(otherDbUrl(a(), db)));
          expect(message).toMatch(/permission denied for database|not have CONNECT privilege/);
        } else {
          // The admin may not revoke there: the server check names it for the operator.
          const c = await client(otherDbUrl(a(), db));
          if (db === "postgres") {
            await c.query(`CREATE TEMP TABLE probe (x int)`);
          }
        }
      }
      const findings = await withClient(adminUrl(adminRole, adminPassword), (c) =>
        databaseServerFindings(c, environment),
      );
      const access = findings.filter((f) => f.check === "public-database-access");
      expect(access.map((f) => f.message.match(/database "([^"]+)"/)?.[1])).toEqual(
        adminKind === "superuser" ? [] : ["postgres", "template1"],
      );
    });

    it("npm run check-database reports the same findings for the operator", async () => {
      const { spawnSync } = await import("node:child_process");
      const run = spawnSync(
        process.execPath,
        [require.resolve("tsx/cli"), "scripts/check-database.ts", environment],
        {
          env: {
            ...process.env,
            AGENT_CLOUD_DATABASE_ADMIN_URL: adminUrl(adminRole, adminPassword),
          },
          encoding: "utf8",
        },
      );
      if (adminKind === "superuser") {
        expect(run.stdout.trim(), run.stderr).toBe(`no findings for environment "${environment}"`);
        expect(run.status).toBe(0);
      } else {
        expect(run.stdout, run.stderr).toMatch(/^public-database-access: .*database "postgres"/m);
        expect(run.stdout).toMatch(/^tenant-role-settings: .*has no temp_file_limit/m);
        expect(run.stdout).not.toContain(adminPassword);
        expect(run.status).toBe(1);
      }
    });

    it("hides other tenants' sessions' queries, addresses and states in pg_stat_activity", async () => {
      const victim = await client(b().url);
      const marker = `secret-query-${suffix}`;
      const running = victim.query(`SELECT pg_sleep(0.8), '${marker}'`).catch(() => undefined);
      const spy = await client(a().url);
      let rows: { query: string | null; state: string | null; client_addr: string | null }[] = [];
      for (let i = 0; i < 20 && rows.length === 0; i++) {
        rows = (
          await spy.query(
            `SELECT query, state, client_addr FROM pg_stat_activity WHERE usename = $1`,
            [b().spec.role.name],
          )
        ).rows;
      }
      await running;
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        expect(row.query).toBe("<insufficient privilege>");
        expect(row.state).toBeNull();
        expect(row.client_addr).toBeNull();
      }
    });

    it("hides other databases' statistics where the admin owns pg_catalog, and shows the rest the README lists", async () => {
      const victim = await client(b().url);
      await victim.query(`SET application_name = 'billing-worker-${suffix}'`);
      await victim.query(`SELECT pg_advisory_lock(4242)`);
      const spy = await client(a().url);
      const other = b().spec.database.name;
      const otherRole = b().spec.role.name;
      for (const sql of [
        `SELECT datname FROM pg_stat_database WHERE datname = '${other}'`,
        `SELECT datname FROM pg_stat_database_conflicts WHERE datname = '${other}'`,
        `SELECT pg_stat_get_db_xact_commit(oid) FROM pg_database WHERE datname = '${other}'`,
        `SELECT pg_stat_get_db_numbackends(oid) FROM pg_database WHERE datname = '${other}'`,
      ]) {
        if (adminKind === "superuser") {
          expect(await refusal(() => spy.query(sql)), sql).toMatch(
            /^permission denied for (view pg_stat_database|view pg_stat_database_conflicts|function pg_stat_get_db_xact_commit|function pg_stat_get_db_numbackends)$/,
          );
        } else {
          // Skipped on a managed server (reported by the hardening): still readable.
          expect((await spy.query(sql)).rows, sql).toHaveLength(1);
        }
      }
      // What stays readable (components/data/README.md, "What tenants still see").
      const activity = await spy.query(
        `SELECT datname, usename, application_name, pid > 0 AS has_pid, state, query, client_addr,
                backend_start, query_start, wait_event, backend_type
           FROM pg_stat_activity WHERE usename = $1`,
        [otherRole],
      );
      expect(activity.rows).toEqual([
        {
          datname: other,
          usename: otherRole,
          application_name: `billing-worker-${suffix}`,
          has_pid: true,
          state: null,
          query: "<insufficient privilege>",
          client_addr: null,
          backend_start: null,
          query_start: null,
          wait_event: null,
          backend_type: null,
        },
      ]);
      const locks = await spy.query(
        `SELECT l.locktype, l.objid::text AS key, l.mode, l.granted, l.pid > 0 AS has_pid
           FROM pg_locks l JOIN pg_database d ON d.oid = l.database
          WHERE d.datname = $1 AND l.locktype = 'advisory'`,
        [other],
      );
      expect(locks.rows).toEqual([
        { locktype: "advisory", key: "4242", mode: "ExclusiveLock", granted: true, has_pid: true },
      ]);
      const settings = await spy.query<{ setconfig: string[] }>(
        `SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
          WHERE r.rolname = $1 AND s.setdatabase = 0`,
        [otherRole],
      );
      expect(settings.rows).toEqual([
        {
          setconfig: b()
            .spec.settings.filter(
              ([name]) => adminKind === "superuser" || name !== "temp_file_limit",
            )
            .map(([name, value]) => `${name}=${value}`),
        },
      ]);
      // Its own sessions and locks in full: job queues (GoodJob, Que) read their advisory locks.
      await spy.query(`SELECT pg_advisory_lock(7)`);
      const own = await spy.query(
        `SELECT a.query, l.objid::text AS key FROM pg_stat_activity a
           JOIN pg_locks l ON l.pid = a.pid AND l.locktype = 'advisory'
          WHERE a.pid = pg_backend_pid()`,
      );
      expect(own.rows).toEqual([{ query: expect.stringContaining("pg_stat_activity"), key: "7" }]);
    });

    it("still dumps its own database with the backups' pg_dump after the hardening", async () => {
      // pg_dump reads pg_db_role_setting (the database's settings): revoking it would break backups.
      const { execFile } = await import("node:child_process");
      const { mkdtemp, rm } = await import("node:fs/promises");
      const { tmpdir } = await import("node:os");
      const { join } = await import("node:path");
      const { promisify } = await import("node:util");
      const c = await client(a().url);
      await c.query(`CREATE TABLE IF NOT EXISTS kept (v text)`);
      const dir = await mkdtemp(join(tmpdir(), "tenant-dump-"));
      try {
        const file = join(dir, "acme.dump");
        const dumped = await promisify(execFile)("pg_dump", [
          `--dbname=${a().url}`,
          "--format=custom",
          "--no-owner",
          "--no-privileges",
          `--file=${file}`,
        ]);
        expect(dumped.stderr).toBe("");
        const listing = await promisify(execFile)("pg_restore", ["--list", file]);
        expect(listing.stdout).toMatch(/TABLE public kept /);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("refuses every attempt to change another role, the server or the tenant's own powers", async () => {
      const c = await client(a().url);
      const other = quoteIdent(b().spec.role.name);
      const self = quoteIdent(a().spec.role.name);
      const attempts: [string, RegExp][] = [
        [`ALTER ROLE ${other} SET work_mem = '1GB'`, /permission denied/],
        [`ALTER ROLE ${other} PASSWORD 'taken'`, /permission denied/],
        [`ALTER ROLE ${self} CONNECTION LIMIT 1000`, /permission denied/],
        [`ALTER ROLE ${self} CREATEDB`, /permission denied/],
        [`ALTER ROLE ${self} SET temp_file_limit = '-1'`, /permission denied to set parameter/],
        [`SET temp_file_limit = '-1'`, /permission denied to set parameter/],
        [`ALTER SYSTEM SET max_connections = 1000`, /permission denied|must be superuser/],
        [`SET ROLE ${other}`, /permission denied/],
        [`SET SESSION AUTHORIZATION ${other}`, /permission denied/],
        [`GRANT ${other} TO ${self}`, /permission denied|must have admin option/],
        [`CREATE DATABASE escape_${suffix}`, /permission denied/],
        [`CREATE ROLE escape_${suffix}`, /permission denied/],
        [
          `ALTER DATABASE ${quoteIdent(b().spec.database.name)} OWNER TO ${self}`,
          /must be owner|permission denied/,
        ],
        [
          `COPY (SELECT 1) TO PROGRAM 'true'`,
          /permission denied|must be superuser|pg_execute_server_program/,
        ],
        [`SELECT pg_read_file('/etc/passwd')`, /permission denied/],
        [`SELECT * FROM pg_file_settings`, /permission denied/],
      ];
      for (const [sql, expected] of attempts) {
        const message = await refusal(() => c.query(sql));
        expect(message, sql).toMatch(expected);
      }
      // Ending another tenant's session.
      const victim = await client(b().url);
      const pid = (await victim.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid`)).rows[0]
        ?.pid;
      const kill = await refusal(() => c.query(`SELECT pg_terminate_backend($1)`, [pid]));
      expect(kill).toMatch(/permission denied|must be a member/);
      expect((await victim.query(`SELECT 1 AS ok`)).rows).toEqual([{ ok: 1 }]);
    });

    it("enforces the plan: statement and idle-in-transaction timeouts, connection limit", async () => {
      const c = await client(a().url);
      expect(await refusal(() => c.query(`SELECT pg_sleep(3)`))).toMatch(/statement timeout/);
      const idle = await client(a().url);
      await idle.query("BEGIN");
      await new Promise((r) => setTimeout(r, 2500));
      expect(await refusal(() => idle.query("SELECT 1"))).toMatch(
        /idle-in-transaction|terminat|Connection terminated|not queryable/i,
      );

      const extra: pg.Client[] = [];
      try {
        for (let i = 0; i < CONNECTION_LIMIT + 1; i++) extra.push(await connect(b().url));
        throw new Error(`opened ${extra.length} connections with a limit of ${CONNECTION_LIMIT}`);
      } catch (error) {
        expect((error as Error).message).toMatch(/too many connections for role/);
      } finally {
        await Promise.all(extra.map((x) => x.end().catch(() => undefined)));
      }
    });

    it(`${adminKind === "superuser" ? "enforces" : "cannot set"} temp_file_limit, which the tenant may not raise`, async () => {
      const c = await client(a().url);
      // The plan's 1 s statement timeout is not what this test is about (a loaded machine).
      await c.query(`SET statement_timeout = '60s'`);
      const spill = () =>
        c.query(
          `SELECT count(*) FROM (SELECT g FROM generate_series(1, 300000) g ORDER BY g DESC) s`,
        );
      if (adminKind === "superuser") {
        expect(await refusal(spill)).toMatch(/temporary file size exceeds temp_file_limit/);
      } else {
        await spill();
        const findings = await withClient(adminUrl(adminRole, adminPassword), (x) =>
          databaseServerFindings(x, environment),
        );
        const unset = findings.filter((f) => f.check === "tenant-role-settings");
        for (const t of tenants) {
          expect(unset.some((f) => f.message.includes(`"${t.spec.role.name}"`))).toBe(true);
        }
      }
    });

    it("undoes, when the hardening runs again, plan settings a tenant overrode for every future session", async () => {
      const t = a();
      const c = await client(t.url);
      const self = quoteIdent(t.spec.role.name);
      const own = quoteIdent(t.spec.database.name);
      // A tenant may change its own role's defaults, and as its database's owner the database's:
      // the role-in-database level outranks the role level the platform sets.
      await c.query(`ALTER ROLE ${self} IN DATABASE ${own} SET statement_timeout = 0`);
      await c.query(`ALTER ROLE ${self} IN DATABASE ${own} SET work_mem = '1GB'`);
      await c.query(`ALTER DATABASE ${own} SET idle_in_transaction_session_timeout = 0`);
      await c.query(`ALTER ROLE ${self} RESET ALL`);
      const settings = async () => {
        const fresh = await client(t.url);
        return (
          await fresh.query<{ name: string; setting: string }>(
            `SELECT name, setting FROM pg_settings WHERE name = ANY($1) ORDER BY name`,
            [["statement_timeout", "idle_in_transaction_session_timeout", "work_mem"]],
          )
        ).rows;
      };
      expect((await settings()).find((r) => r.name === "statement_timeout")?.setting).toBe("0");
      const overrides = async () =>
        (
          await withClient(adminUrl(adminRole, adminPassword), (x) =>
            databaseServerFindings(x, environment),
          )
        ).filter((f) => f.check === "tenant-settings-override");
      expect((await overrides()).map((f) => f.message)).toEqual([
        `tenant role "${t.spec.role.name}" overrides its plan in database "${t.spec.database.name}" (statement_timeout=0, work_mem=1GB); it stays until that tenant's hardening runs again (an update runs it only when its statements change; to run it now: pulumi up --target-replace <URN of ${environment}-database-<id>-hardening>), or run: ALTER ROLE "${t.spec.role.name}" IN DATABASE "${t.spec.database.name}" RESET ALL`,
        `tenant database "${t.spec.database.name}" overrides its plan (idle_in_transaction_session_timeout=0); it stays until that tenant's hardening runs again (an update runs it only when its statements change; to run it now: pulumi up --target-replace <URN of ${environment}-database-<id>-hardening>), or run: ALTER DATABASE "${t.spec.database.name}" RESET ALL`,
      ]);
      await withClient(adminUrl(adminRole, adminPassword, t.spec.database.name), (admin) =>
        runSqlStatements(admin, tenantHardeningSql(t.spec)),
      );
      expect(await settings()).toEqual([
        { name: "idle_in_transaction_session_timeout", setting: "1000" },
        { name: "statement_timeout", setting: "1000" },
        { name: "work_mem", setting: "64" },
      ]);
      expect(await overrides()).toEqual([]);
    });

    it("a tenant's own database settings cannot turn the admin's hardening run against another tenant", async () => {
      const t = a();
      const me = quoteIdent(t.spec.role.name);
      const other = quoteIdent(b().spec.role.name);
      const c = await client(t.url);
      // The trap: pg_catalog after the tenant's schema for every session in its database, and a
      // format() the hardening's DO block would call with the admin's rights.
      await c.query(
        `ALTER DATABASE ${quoteIdent(t.spec.database.name)} SET search_path = public, pg_catalog`,
      );
      await c.query(`CREATE FUNCTION public.format(text, regprocedure) RETURNS text
        LANGUAGE plpgsql AS $f$
        BEGIN
          IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
            EXECUTE 'ALTER ROLE ${me} SUPERUSER';
          ELSE
            BEGIN EXECUTE 'GRANT ${other} TO ${me}'; EXCEPTION WHEN others THEN NULL; END;
          END IF;
          RETURN pg_catalog.format($1, $2);
        END $f$`);
      await hardenAsTheResourceDoes(t);
      const powers = await withClient(
        TEST_POSTGRES_URL,
        async (x) =>
          (
            await x.query<{ rolsuper: boolean; member: boolean }>(
              `SELECT rolsuper, pg_has_role($1, $2, 'MEMBER') AS member FROM pg_roles WHERE rolname = $1`,
              [t.spec.role.name, b().spec.role.name],
            )
          ).rows,
      );
      expect(powers).toEqual([{ rolsuper: false, member: false }]);
      expect(await refusal(() => client(otherDbUrl(t, b().spec.database.name)))).toMatch(
        /^permission denied for database/,
      );
      // The hardening's RESET ALL took the search_path off the database again.
      const fresh = await client(t.url);
      expect((await fresh.query<{ search_path: string }>("SHOW search_path")).rows).toEqual([
        { search_path: '"$user", public' },
      ]);
      await fresh.query("DROP FUNCTION public.format(text, regprocedure)");
    });

    it("a tenant's database settings can neither make the hardening run as another role nor stop it", async () => {
      const t = a();
      const db = quoteIdent(t.spec.database.name);
      const c = await client(t.url);
      // Every session in the database would run as the other tenant's role (the admin is a
      // member of it), fail to log in, end at the first error or idle moment, or read the
      // statements' backslashes as escapes.
      for (const setting of [
        `role = ${quoteLiteral(b().spec.role.name)}`,
        `local_preload_libraries = 'none'`,
        `exit_on_error = on`,
        `idle_session_timeout = 1`,
        `standard_conforming_strings = off`,
      ]) {
        await c.query(`ALTER DATABASE ${db} SET ${setting}`);
      }
      await hardenAsTheResourceDoes(t);
      // It ran as the admin: the database's settings are gone and the other role untouched.
      const left = await withClient(
        TEST_POSTGRES_URL,
        async (x) =>
          (
            await x.query<{ setconfig: string[] }>(
              `SELECT setconfig FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = $1 AND s.setrole = 0`,
              [t.spec.database.name],
            )
          ).rows,
      );
      expect(left).toEqual([]);
      const fresh = await client(t.url);
      expect((await fresh.query<{ cu: string }>("SELECT current_user AS cu")).rows[0]?.cu).toBe(
        t.spec.role.name,
      );
    });

    it("documented limit: a session may still raise work_mem and statement_timeout for itself", async () => {
      // USERSET parameters: PostgreSQL has no privilege that stops a role from SETting them.
      // What bounds a tenant is its connection limit, temp_file_limit and the server's memory.
      const c = await client(a().url);
      await c.query(`SET work_mem = '256MB'`);
      expect((await c.query<{ work_mem: string }>(`SHOW work_mem`)).rows[0]?.work_mem).toBe(
        "256MB",
      );
    });
  });
}
