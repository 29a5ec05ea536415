/**
 * What a tenant's role and database are on the server, as plain data and SQL. SharedDatabase
 * maps these specs to provider resources (Role, Database, and a `SqlStatements` resource for the
 * hardening), and the PostgreSQL suite runs the very same statements on a real server, so what is
 * tested is what is deployed.
 */
import type { DatabaseLimits } from "../../model/plans";
import { tenantDatabaseName } from "../../model/names";

/** Databases every server has, which PUBLIC may connect to (and create TEMP objects in) by default. */
export const MAINTENANCE_DATABASES: readonly string[] = ["postgres", "template1"];

/** Attributes of a tenant's login role, as `postgresql.Role` takes them. */
export interface TenantRoleSpec {
  readonly name: string;
  readonly login: true;
  readonly connectionLimit: number;
  readonly superuser: false;
  readonly createDatabase: false;
  readonly createRole: false;
  readonly replication: false;
  readonly bypassRowLevelSecurity: false;
}

/** A tenant's database, as `postgresql.Database` takes it. */
export interface TenantDatabaseSpec {
  readonly name: string;
  readonly owner: string;
  readonly template: "template0";
  readonly encoding: "UTF8";
}

/** Everything the server holds for one tenant. */
export interface TenantSqlSpec {
  readonly role: TenantRoleSpec;
  readonly database: TenantDatabaseSpec;
  /** Role defaults (`ALTER ROLE ... SET name = value`), in a stable order. */
  readonly settings: readonly (readonly [string, string])[];
}

/**
 * One statement of the hardening. A `required` one that fails or only warns fails the update;
 * an optional one that the admin may not run (managed servers) is reported as skipped, and
 * `databaseServerFindings` shows what it leaves open.
 */
export interface SqlStatement {
  readonly sql: string;
  readonly required: boolean;
}

/** One tenant's id, connection limit and the plan's per-role settings. */
export interface TenantSqlInput {
  readonly id: string;
  readonly connectionLimit: number;
  readonly limits: DatabaseLimits;
}

/** `"name"`, with embedded quotes doubled. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `'value'`, with embedded quotes doubled. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** The role, database and settings of one tenant in an environment. */
export function tenantSqlSpec(environment: string, tenant: TenantSqlInput): TenantSqlSpec {
  const name = tenantDatabaseName(environment, tenant.id);
  const limits = tenant.limits;
  return {
    role: {
      name,
      login: true,
      connectionLimit: tenant.connectionLimit,
      superuser: false,
      createDatabase: false,
      createRole: false,
      replication: false,
      bypassRowLevelSecurity: false,
    },
    database: { name, owner: name, template: "template0", encoding: "UTF8" },
    settings: [
      ["statement_timeout", `${limits.statementTimeoutSeconds}s`],
      ["idle_in_transaction_session_timeout", `${limits.idleInTransactionSessionTimeoutSeconds}s`],
      ["idle_session_timeout", `${limits.idleSessionTimeoutSeconds}s`],
      ["work_mem", limits.workMem],
      ["temp_file_limit", limits.tempFileLimit],
    ],
  };
}

/**
 * What the postgresql provider runs for the Role and Database resources (the suite runs it to
 * stand in for the provider; the component passes the same spec to the provider).
 */
export function createTenantSql(spec: TenantSqlSpec, password: string): string[] {
  const role = quoteIdent(spec.role.name);
  return [
    `CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS ` +
      `CONNECTION LIMIT ${spec.role.connectionLimit} PASSWORD ${quoteLiteral(password)}`,
    // The provider makes a non-superuser admin a member of the owner before CREATE DATABASE
    // ... OWNER, which PostgreSQL requires; the hardening below keeps that membership.
    `GRANT ${role} TO CURRENT_USER`,
    `CREATE DATABASE ${quoteIdent(spec.database.name)} OWNER ${quoteIdent(spec.database.owner)} ` +
      `TEMPLATE ${spec.database.template} ENCODING ${quoteLiteral(spec.database.encoding)}`,
  ];
}

/**
 * Catalog views and functions every role may read in every database that report on ALL the
 * server's databases: `pg_stat_database` and `pg_stat_database_conflicts` (each database's
 * sessions, transactions, rows read and written, temp bytes), and the `pg_stat_get_db_*`
 * functions behind them, which take any database's oid. The tenant hardening revokes them from
 * PUBLIC in the tenant's database, where it runs; pg_catalog's privileges are per database, so
 * this changes nothing in any other. Only their owner (a superuser) may: a managed server's admin
 * gets a WARNING, and the statements are reported as skipped. What stays readable, and why
 * (pg_locks, pg_db_role_setting, pg_stat_activity), is in components/data/README.md.
 */
export const SERVER_ACTIVITY_REVOKES: readonly string[] = [
  "REVOKE SELECT ON pg_catalog.pg_stat_database, pg_catalog.pg_stat_database_conflicts FROM PUBLIC",
  // The functions differ between major versions, so they are found, not listed.
  // Every name qualified, though the admin's session already puts pg_catalog first
  // (sql-statements.ts ADMIN_SESSION_OPTIONS): it runs in the tenant's database.
  "DO $$DECLARE f pg_catalog.regprocedure; BEGIN " +
    "FOR f IN SELECT p.oid::pg_catalog.regprocedure FROM pg_catalog.pg_proc p " +
    "WHERE p.pronamespace OPERATOR(pg_catalog.=) 'pg_catalog'::pg_catalog.regnamespace " +
    "AND p.proname OPERATOR(pg_catalog.~~) 'pg\\_stat\\_get\\_db\\_%' " +
    "ORDER BY 1 LOOP EXECUTE pg_catalog.format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f); END LOOP; END$$",
];

/**
 * Run by the admin, connected to the tenant's database (the catalog revokes act on the database
 * they run in), after the role and database exist. Membership in the owning role first: on a
 * managed server (RDS, Cloud SQL) the admin is neither superuser nor the database's owner, and
 * PostgreSQL performs a member's REVOKE as the owner, where a stranger's only warns "no
 * privileges could be revoked". Idempotent, so it runs again safely: when the list changes, or
 * when the operator replaces the resource to run it on purpose (components/data/README.md).
 */
export function tenantHardeningSql(spec: TenantSqlSpec): SqlStatement[] {
  const role = quoteIdent(spec.role.name);
  const required = (sql: string): SqlStatement => ({ sql, required: true });
  return [
    required(`GRANT ${role} TO CURRENT_USER`),
    required(`REVOKE ALL ON DATABASE ${quoteIdent(spec.database.name)} FROM PUBLIC`),
    ...SERVER_ACTIVITY_REVOKES.map((sql) => ({ sql, required: false })),
    required(`ALTER ROLE ${role} CONNECTION LIMIT ${spec.role.connectionLimit}`),
    // A tenant may set its own role's defaults in its database, and (as owner) its database's;
    // the role-in-database level outranks the role settings below, so clear both first.
    required(`ALTER ROLE ${role} IN DATABASE ${quoteIdent(spec.database.name)} RESET ALL`),
    required(`ALTER DATABASE ${quoteIdent(spec.database.name)} RESET ALL`),
    ...spec.settings.map(([k, v]) => ({
      sql: `ALTER ROLE ${role} SET ${k} = ${quoteLiteral(v)}`,
      // Only a superuser, or an admin granted SET on it (PostgreSQL 15+), may set it for a role.
      required: !SUPERUSER_SETTINGS.has(k),
    })),
  ];
}

/** Settings only a superuser may change (context `superuser`), hence enforced on tenants. */
export const SUPERUSER_SETTINGS: ReadonlySet<string> = new Set(["temp_file_limit"]);

/**
 * Server-wide: no PUBLIC CONNECT or TEMP on the maintenance databases, so a tenant role reaches
 * only its own database. Needs the databases' owner (or a member of it): a superuser anywhere;
 * on managed servers the admin usually owns `postgres` but not `template1` (see the README).
 */
export function serverHardeningSql(
  maintenance: readonly string[] = MAINTENANCE_DATABASES,
): SqlStatement[] {
  return maintenance.map((db) => ({
    sql: `REVOKE CONNECT, TEMPORARY ON DATABASE ${quoteIdent(db)} FROM PUBLIC`,
    required: false,
  }));
}

/**
 * A role setting of the spec in milliseconds (`60s` → 60000), as `postgresql.Role` takes its
 * timeouts; 0 when the spec has no such setting.
 */
export function settingMilliseconds(spec: TenantSqlSpec, setting: string): number {
  const value = spec.settings.find(([name]) => name === setting)?.[1] ?? "0s";
  return Number.parseInt(value, 10) * 1000;
}
