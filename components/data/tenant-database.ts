/**
 * One tenant's database on the shared server: a login role with its plan's settings, a database
 * it owns, and the hardening statements (PUBLIC revoked, role settings). Shared by SharedDatabase
 * (unsharded stacks) and TenantDatabases (shard stacks), so both name and configure them alike.
 */
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { BUILTIN_PLANS, type DatabaseLimits } from "../../model/plans";
import { databaseUrl, type SslMode } from "./database-url";
import { derivePassword } from "./derived-password";
import type { DatabaseTenant } from "./shared-database";
import { seconds } from "./shared-database";
import { type AdminConnection, SqlStatements } from "./sql-statements";
import { tenantHardeningSql, tenantSqlSpec } from "./tenant-sql";

/** Where tenant pods reach the server. */
export interface TenantServer {
  readonly host: string;
  readonly port: number;
  readonly sslmode: SslMode;
}

/**
 * The stack-level key tenant passwords derive from (secret): one resource per stack instead of
 * one RandomPassword per tenant. Kept like the data it unlocks.
 */
export function passwordKey(
  name: string,
  parent: pulumi.Resource,
  protect: boolean,
): pulumi.Output<string> {
  const key = new random.RandomPassword(
    `${name}-password-key`,
    { length: 64, special: false },
    { parent, protect, retainOnDelete: protect },
  );
  return pulumi.secret(key.result);
}

/**
 * Creates `${name}-${id}-role`, `-database` and `-hardening` under `parent` on `provider` and
 * returns the tenant's DATABASE_URL (secret).
 */
export function tenantDatabase(args: {
  readonly name: string;
  readonly parent: pulumi.Resource;
  readonly provider: postgresql.Provider;
  readonly environment: string;
  readonly tenant: DatabaseTenant;
  readonly protect: boolean;
  readonly key: pulumi.Output<string>;
  readonly server: TenantServer;
  readonly connection: pulumi.Output<AdminConnection>;
}): pulumi.Output<string> {
  const { tenant, environment } = args;
  const spec = tenantSqlSpec(environment, {
    id: tenant.id,
    connectionLimit: tenant.connectionLimit,
    limits:
      tenant.limits ??
      (BUILTIN_PLANS.standard as { databaseLimits: DatabaseLimits }).databaseLimits,
  });
  const prefix = `${args.name}-${tenant.id}`;
  // A tenant's role and database are never dropped by Pulumi, in any environment: removing a
  // tenant or rolling back to before it existed leaves its data on the server.
  const keep = { protect: args.protect, retainOnDelete: true };
  const onServer = { parent: args.parent, provider: args.provider };
  const password = pulumi.secret(args.key.apply((k) => derivePassword(k, environment, tenant.id)));
  const role = new postgresql.Role(
    `${prefix}-role`,
    {
      ...spec.role,
      password,
      // The same values SqlStatements sets with ALTER ROLE, so the two never fight.
      statementTimeout: seconds(spec, "statement_timeout"),
      idleInTransactionSessionTimeout: seconds(spec, "idle_in_transaction_session_timeout"),
    },
    // The role owns the tenant's data: dropping it would reassign or drop what it owns.
    { ...onServer, ...keep },
  );
  const database = new postgresql.Database(
    `${prefix}-database`,
    { ...spec.database, owner: role.name },
    { ...onServer, ...keep },
  );
  // PostgreSQL grants CONNECT and TEMP on every new database to PUBLIC, i.e. to every other
  // tenant's role. Revoked as a member of the owning role (see tenant-sql.ts), with the role's
  // settings from the plan.
  new SqlStatements(
    `${prefix}-hardening`,
    { connection: args.connection, statements: tenantHardeningSql(spec) },
    { parent: args.parent, dependsOn: [role, database] },
  );
  return pulumi.secret(
    pulumi
      .all([role.name, password, database.name])
      .apply(([user, pass, db]) =>
        databaseUrl({ user, password: pass, ...args.server, database: db }),
      ),
  );
}
