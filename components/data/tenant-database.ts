/**
 * One tenant's database on the shared server: a login role, a database it owns and no CONNECT
 * for anyone else. Shared by SharedDatabase (unsharded stacks) and TenantDatabases (shard
 * stacks), so both name and configure the resources the same way.
 */
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { tenantDatabaseName } from "../../stacks/config/names";
import { databaseUrl, type SslMode } from "./database-url";
import { derivePassword } from "./derived-password";

/** One tenant's database: its id (names derive from it) and its role's connection limit. */
export interface DatabaseTenant {
  readonly id: string;
  readonly connectionLimit: number;
}

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
 * Creates `${name}-${id}-role`, `-database` and `-revoke-public` under `parent` on `provider`
 * and returns the tenant's DATABASE_URL (secret).
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
}): pulumi.Output<string> {
  const { tenant, environment } = args;
  const dbName = tenantDatabaseName(environment, tenant.id);
  const prefix = `${args.name}-${tenant.id}`;
  // A tenant's role and database are never dropped by Pulumi, in any environment: removing a
  // tenant or rolling back to before it existed leaves its data on the server.
  const keep = { protect: args.protect, retainOnDelete: true };
  const onServer = { parent: args.parent, provider: args.provider };
  const password = pulumi.secret(args.key.apply((k) => derivePassword(k, environment, tenant.id)));
  const role = new postgresql.Role(
    `${prefix}-role`,
    {
      name: dbName,
      login: true,
      password,
      connectionLimit: tenant.connectionLimit,
      superuser: false,
      createDatabase: false,
      createRole: false,
      replication: false,
      bypassRowLevelSecurity: false,
    },
    // The role owns the tenant's data: dropping it would reassign or drop what it owns.
    { ...onServer, ...keep },
  );
  const database = new postgresql.Database(
    `${prefix}-database`,
    { name: dbName, owner: role.name, template: "template0", encoding: "UTF8" },
    { ...onServer, ...keep },
  );
  // PostgreSQL grants CONNECT and TEMP on every new database to PUBLIC, i.e. to every other
  // tenant's role. An empty privilege list for `public` revokes them; the owner keeps its rights.
  new postgresql.Grant(
    `${prefix}-revoke-public`,
    { database: database.name, role: "public", objectType: "database", privileges: [] },
    onServer,
  );
  return pulumi.secret(
    pulumi
      .all([role.name, password, database.name])
      .apply(([user, pass, db]) =>
        databaseUrl({ user, password: pass, ...args.server, database: db }),
      ),
  );
}
