/**
 * What a running server leaves open to an environment's tenants, read from its catalogs. For the
 * servers the platform cannot configure (managed ones: max_connections, template1 owned by the
 * provider's own superuser), this is the check to run, by hand or from an operations command,
 * with the admin's credentials. Read-only.
 */
import { tenantDatabaseName } from "../../model/names";
import { connectionBudget, RESERVED_CONNECTIONS } from "../../model/rules/connection-budget";
import { MAINTENANCE_DATABASES, SUPERUSER_SETTINGS } from "./tenant-sql";

/**
 * When a tenant's override goes away by itself: its hardening (which resets it) runs only when
 * created or when its statements change, not on every update (components/data/README.md).
 */
function untilHardeningRuns(environment: string): string {
  return (
    "it stays until that tenant's hardening runs again (an update runs it only when its " +
    `statements change; to run it now: pulumi up --target-replace <URN of ${environment}-database-<id>-hardening>)`
  );
}

/** The part of a `pg.Client` the checks need. */
export interface QueryClient {
  query<R extends object>(sql: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

/** One problem, worded for an operator. */
export interface ServerFinding {
  readonly check: string;
  readonly message: string;
}

/**
 * Findings for the tenants of `environment` on the server `client` is logged in to: PUBLIC's
 * CONNECT/TEMP on the maintenance databases and on tenant databases, tenant roles with powers
 * or without a connection limit or `temp_file_limit`, settings a tenant gave its own role in its
 * database or its database (they outrank the plan's), and summed connection limits above
 * `max_connections`.
 */
export async function databaseServerFindings(
  client: QueryClient,
  environment: string,
): Promise<ServerFinding[]> {
  const findings: ServerFinding[] = [];
  // Role and database names are `sp_{environment}_{id}`; `_` is a LIKE wildcard, so escape it.
  const pattern = `${tenantDatabaseName(environment, "").replace(/_/g, "\\_")}%`;

  const dbs = await client.query<{ datname: string; connect: boolean; temp: boolean }>(
    `SELECT datname,
            has_database_privilege('public', oid, 'CONNECT') AS connect,
            has_database_privilege('public', oid, 'TEMPORARY') AS temp
       FROM pg_database
      WHERE datname = ANY($1) OR datname LIKE $2
      ORDER BY datname`,
    [[...MAINTENANCE_DATABASES], pattern],
  );
  for (const database of dbs.rows) {
    const open = [database.connect ? "CONNECT" : "", database.temp ? "TEMPORARY" : ""].filter(
      (privilege) => privilege,
    );
    if (open.length === 0) continue;
    findings.push({
      check: "public-database-access",
      message: `PUBLIC (every role, so every tenant) has ${open.join(" and ")} on database "${database.datname}"; run as its owner: REVOKE CONNECT, TEMPORARY ON DATABASE "${database.datname}" FROM PUBLIC`,
    });
  }

  const roles = await client.query<{
    rolname: string;
    rolconnlimit: number;
    powers: string[];
    settings: string[] | null;
  }>(
    `SELECT r.rolname, r.rolconnlimit,
            array_remove(ARRAY[
              CASE WHEN r.rolsuper THEN 'SUPERUSER' END,
              CASE WHEN r.rolcreaterole THEN 'CREATEROLE' END,
              CASE WHEN r.rolcreatedb THEN 'CREATEDB' END,
              CASE WHEN r.rolreplication THEN 'REPLICATION' END,
              CASE WHEN r.rolbypassrls THEN 'BYPASSRLS' END], NULL) AS powers,
            (SELECT s.setconfig FROM pg_db_role_setting s
              WHERE s.setrole = r.oid AND s.setdatabase = 0) AS settings
       FROM pg_roles r
      WHERE r.rolname LIKE $1
      ORDER BY r.rolname`,
    [pattern],
  );
  const connectionLimits: number[] = [];
  for (const role of roles.rows) {
    if (role.powers.length > 0) {
      findings.push({
        check: "tenant-role-powers",
        message: `tenant role "${role.rolname}" has ${role.powers.join(", ")}; run: ALTER ROLE "${role.rolname}" NO${role.powers.join(" NO")}`,
      });
    }
    if (role.rolconnlimit < 0) {
      findings.push({
        check: "tenant-role-connection-limit",
        message: `tenant role "${role.rolname}" has no connection limit, so it can take every connection of the server`,
      });
    } else {
      connectionLimits.push(role.rolconnlimit);
    }
    const settingNames = new Set(
      (role.settings ?? []).map((setting) => setting.slice(0, setting.indexOf("="))),
    );
    for (const name of SUPERUSER_SETTINGS) {
      if (settingNames.has(name)) continue;
      findings.push({
        check: "tenant-role-settings",
        message: `tenant role "${role.rolname}" has no ${name}: the admin may not set it here; a superuser can run GRANT SET ON PARAMETER ${name} TO <admin> (PostgreSQL 15+), or set it server-wide`,
      });
    }
  }

  // Settings a tenant gave itself where they outrank the plan's role settings.
  const overrides = await client.query<{
    rolname: string | null;
    datname: string;
    setconfig: string[];
  }>(
    `SELECT r.rolname, d.datname, s.setconfig
       FROM pg_db_role_setting s
       JOIN pg_database d ON d.oid = s.setdatabase
       LEFT JOIN pg_roles r ON r.oid = s.setrole
      WHERE d.datname LIKE $1 AND (s.setrole = 0 OR r.rolname LIKE $1)
      ORDER BY s.setrole = 0, r.rolname, d.datname`,
    [pattern],
  );
  for (const override of overrides.rows) {
    const what = override.setconfig.join(", ");
    findings.push({
      check: "tenant-settings-override",
      message:
        override.rolname === null
          ? `tenant database "${override.datname}" overrides its plan (${what}); ${untilHardeningRuns(environment)}, or run: ALTER DATABASE "${override.datname}" RESET ALL`
          : `tenant role "${override.rolname}" overrides its plan in database "${override.datname}" (${what}); ${untilHardeningRuns(environment)}, or run: ALTER ROLE "${override.rolname}" IN DATABASE "${override.datname}" RESET ALL`,
    });
  }

  const max = await client.query<{ setting: string }>(
    `SELECT setting FROM pg_settings WHERE name = 'max_connections'`,
  );
  const maxConnections = Number(max.rows[0]?.setting ?? "0");
  const budget = connectionBudget(connectionLimits, maxConnections);
  if (!budget.fits) {
    findings.push({
      check: "connection-budget",
      message: `tenant roles of "${environment}" may open ${budget.total - RESERVED_CONNECTIONS} connections (+${RESERVED_CONNECTIONS} reserved) but max_connections is ${maxConnections}: one busy tenant can lock the others out; raise max_connections or lower plans' databaseConnections`,
    });
  }
  return findings;
}
