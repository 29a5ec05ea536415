/**
 * The stack's PostgreSQL on this machine: the roles, databases, grants and hardening the program declares
 * (postgresql provider resources, with their rendered names, passwords and limits) created on the
 * Debian PostgreSQL on loopback, whatever server the stack names (an external host or the
 * in-cluster one). One run per stack at a time (an advisory lock), and everything it made is
 * dropped at the end (and before it starts, should an earlier run have died).
 */
import pg from "pg";
import { pgSslOptions } from "../../components/data/pg-ssl";
import { runSqlStatements, type SqlRunResult } from "../../components/data/sql-runner";
import { ADMIN_SESSION_OPTIONS } from "../../components/data/sql-statements";
import { SQL_STATEMENTS_TYPE } from "../../components/data/sql-statements";
import type { SqlStatement } from "../../components/data/tenant-sql";
import { SSL_MODES, type SslMode } from "../../model/database-defaults";
import type { RenderedObjects } from "./objects";
import { POSTGRESQL } from "../../testkit/type-tokens";

export const ADMIN_URL =
  process.env.AGENT_CLOUD_TEST_DATABASE_URL ??
  "postgres://agent_cloud_test:agent-cloud-test@127.0.0.1:5432/postgres";

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

export interface DeclaredDatabase {
  readonly role: string;
  readonly database: string;
}

export class StackDatabase {
  private admin?: pg.Client;
  readonly declared: DeclaredDatabase[] = [];
  readonly statements: string[] = [];
  /** The program's SQL not run here, with why. */
  readonly leftOut: string[] = [];

  constructor(
    readonly stack: string,
    private readonly objects: RenderedObjects,
  ) {}

  /** Address of this machine's server, for DATABASE_URL rewriting. */
  get address(): { host: string; port: number } {
    const url = new URL(ADMIN_URL);
    return { host: url.hostname, port: Number(url.port || 5432) };
  }

  async create(): Promise<void> {
    const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
    await admin.connect();
    this.admin = admin;
    await admin.query("SELECT pg_advisory_lock(hashtext($1))", [`agent-cloud-e2e-${this.stack}`]);
    const roles = this.objects.ofType(POSTGRESQL.Role).map((r) => r.inputs);
    const databases = this.objects.ofType(POSTGRESQL.Database).map((r) => r.inputs);
    await this.drop(
      roles.map((r) => String(r.name)),
      databases.map((d) => String(d.name)),
    );
    const run = async (sql: string, shown = sql) => {
      this.statements.push(shown);
      await admin.query(sql);
    };
    for (const r of roles) {
      const options = [
        r.login ? "LOGIN" : "NOLOGIN",
        r.superuser ? "SUPERUSER" : "NOSUPERUSER",
        r.createDatabase ? "CREATEDB" : "NOCREATEDB",
        r.createRole ? "CREATEROLE" : "NOCREATEROLE",
        r.replication ? "REPLICATION" : "NOREPLICATION",
        r.bypassRowLevelSecurity ? "BYPASSRLS" : "NOBYPASSRLS",
        `CONNECTION LIMIT ${Number(r.connectionLimit ?? -1)}`,
      ].join(" ");
      const password = r.password === undefined ? "" : ` PASSWORD ${literal(String(r.password))}`;
      await run(
        `CREATE ROLE ${ident(r.name)} ${options}${password}`,
        `CREATE ROLE ${ident(r.name)} ${options}${password === "" ? "" : " PASSWORD [secret]"}`,
      );
    }
    for (const d of databases) {
      await run(
        `CREATE DATABASE ${ident(d.name)} OWNER ${ident(d.owner)} ENCODING ${literal(d.encoding ?? "UTF8")} TEMPLATE ${ident(d.template ?? "template0")}`,
      );
      this.declared.push({ role: String(d.owner), database: String(d.name) });
    }
    // The hardening SharedDatabase declares (REVOKE PUBLIC, role settings), run by the same
    // runner as its SqlStatements resources. The server-wide part (PUBLIC's rights on postgres
    // and template1) is left out: this is a shared test server, and test/data covers it.
    for (const h of this.objects.ofType(SQL_STATEMENTS_TYPE)) {
      if (h.name.endsWith("-server-hardening")) continue;
      const statements = h.inputs.statements as SqlStatement[];
      this.statements.push(...statements.map((x) => x.sql));
      await runInDeclaredDatabase(admin, h.inputs, statements);
    }
    for (const g of this.objects.ofType(POSTGRESQL.Grant).map((x) => x.inputs)) {
      if (g.objectType !== "database")
        throw new Error(`grant on ${g.objectType}: only database grants run here`);
      const role = g.role === "public" ? "PUBLIC" : ident(g.role);
      // The provider makes the role's privileges on the object exactly the listed ones.
      await run(`REVOKE ALL ON DATABASE ${ident(g.database)} FROM ${role}`);
      if ((g.privileges ?? []).length > 0)
        await run(
          `GRANT ${(g.privileges as string[]).join(", ")} ON DATABASE ${ident(g.database)} TO ${role}`,
        );
    }
    await this.runDeclaredSql(
      admin,
      new Set([...roles.map((r) => String(r.name)), ...databases.map((d) => String(d.name))]),
    );
  }

  /**
   * The program's own SQL (SqlStatements resources: hardening, PUBLIC revoked), run with the
   * project's runner. Statements on objects this stack does not declare (the server's `postgres`
   * and `template1`) are left out: this server is shared with other suites.
   */
  private async runDeclaredSql(admin: pg.Client, names: ReadonlySet<string>): Promise<void> {
    for (const r of this.objects.resources.filter((x) => x.type === SQL_STATEMENTS_TYPE)) {
      const statements = (r.inputs.statements ?? []) as SqlStatement[];
      const ours = statements.filter((st) =>
        [...st.sql.matchAll(/"((?:[^"]|"")+)"/g)].every((m) =>
          names.has((m[1] as string).replace(/""/g, '"')),
        ),
      );
      for (const st of statements) if (!ours.includes(st)) this.leftOut.push(st.sql);
      const result = await runInDeclaredDatabase(admin, r.inputs, ours);
      this.statements.push(...result.applied);
      this.leftOut.push(...result.skipped.map((x) => `${x.sql} (${x.reason})`));
    }
  }

  private async drop(roles: string[], databases: string[]): Promise<void> {
    const admin = this.admin;
    if (admin === undefined) return;
    for (const d of databases)
      await admin.query(`DROP DATABASE IF EXISTS ${ident(d)} WITH (FORCE)`);
    for (const r of roles) await admin.query(`DROP ROLE IF EXISTS ${ident(r)}`);
  }

  async close(): Promise<void> {
    const admin = this.admin;
    if (admin === undefined) return;
    try {
      await this.drop(
        this.declared.map((d) => d.role),
        this.declared.map((d) => d.database),
      );
      await admin.query("SELECT pg_advisory_unlock(hashtext($1))", [
        `agent-cloud-e2e-${this.stack}`,
      ]);
    } finally {
      await admin.end().catch(() => undefined);
    }
  }
}

/**
 * Runs a SqlStatements resource's statements as the admin in the database its connection names
 * (a tenant's hardening runs in the tenant's database: its catalog revokes act there), with the
 * project's runner and, in a tenant's database, the provider's session settings.
 */
async function runInDeclaredDatabase(
  admin: pg.Client,
  inputs: { readonly connection?: { readonly database?: string } },
  statements: readonly SqlStatement[],
): Promise<SqlRunResult> {
  const database = inputs.connection?.database;
  const url = new URL(ADMIN_URL);
  if (database === undefined || url.pathname === `/${database}`) {
    return runSqlStatements(admin, statements);
  }
  url.pathname = `/${database}`;
  // With the session settings the SqlStatements provider opens a tenant's database with.
  const client = new pg.Client({
    connectionString: url.toString(),
    connectionTimeoutMillis: 5000,
    options: ADMIN_SESSION_OPTIONS,
  });
  await client.connect();
  try {
    return await runSqlStatements(client, statements);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** DATABASE_URL pointed at this machine's server; user, password, database and options kept. */
export function toLocalServer(url: string, address: { host: string; port: number }): string {
  const u = new URL(url);
  u.hostname = address.host;
  u.port = String(address.port);
  return u.toString();
}

/**
 * Connects as a tenant with its DATABASE_URL and reports who it is and what else it can reach:
 * `sslmode` as libpq reads it, through the same mapping SqlStatements uses
 * (components/data/pg-ssl.ts). Every URL the program renders names one of SSL_MODES.
 */
export async function connectAsTenant(
  url: string,
  others: readonly string[],
): Promise<{ user: string; database: string; ssl: boolean; reachesOthers: string[] }> {
  const u = new URL(url);
  const sslmode = u.searchParams.get("sslmode");
  if (!SSL_MODES.some((mode) => mode === sslmode)) {
    throw new Error(
      `tenant DATABASE_URL sslmode ${JSON.stringify(sslmode)}: must be one of ${SSL_MODES.join(", ")}`,
    );
  }
  u.searchParams.delete("sslmode");
  const ssl = pgSslOptions(sslmode as SslMode);
  const client = new pg.Client({
    connectionString: u.toString(),
    ssl,
    connectionTimeoutMillis: 5000,
  });
  await client.connect();
  try {
    const row = (
      await client.query<{ u: string; d: string; ssl: boolean }>(
        "SELECT current_user AS u, current_database() AS d, coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false) AS ssl",
      )
    ).rows[0];
    const reachesOthers: string[] = [];
    for (const db of others) {
      const r = await client.query<{ ok: boolean }>(
        "SELECT has_database_privilege($1, 'CONNECT') AS ok",
        [db],
      );
      if (r.rows[0]?.ok) reachesOthers.push(db);
    }
    return { user: row?.u ?? "", database: row?.d ?? "", ssl: row?.ssl ?? false, reachesOthers };
  } finally {
    await client.end().catch(() => undefined);
  }
}
