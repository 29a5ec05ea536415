/**
 * The tenants' databases on the shared server, made the same way by SharedDatabase (unsharded
 * stacks) and TenantDatabases (shard stacks): one stack-level password key, then per tenant a
 * login role with its plan's settings, a database it owns, and the hardening statements (PUBLIC
 * revoked, role settings), all named `{name}-{id}-…` under the calling component.
 */
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { tenantDatabaseResourceName } from "../../model/names";
import { applyTransform } from "../transform";
import { databaseUrl } from "./database-url";
import { adminConnection, adminProviderArgs, type DatabaseServer } from "./database-server";
import { derivePassword } from "./derived-password";
import type { ResolvedDatabaseTenant, TenantDatabaseTransforms } from "./shared-database-args";
import { SqlStatements } from "./sql-statements";
import {
  settingMilliseconds,
  tenantHardeningSql,
  tenantSqlSpec,
  type TenantSqlSpec,
} from "./tenant-sql";

/** What the server holds for one tenant, and how the tenant reaches it. */
export interface TenantDatabase {
  readonly role: postgresql.Role;
  readonly database: postgresql.Database;
  /** PUBLIC revoked and the role's plan settings (tenant-sql.ts). */
  readonly hardening: SqlStatements;
  /** The tenant's `DATABASE_URL` (secret). */
  readonly url: pulumi.Output<string>;
}

/** The component that owns the tenants' databases, and the server they live on. */
export interface TenantDatabasesOwner {
  /** The component's name: children are `{name}-password-key` and `{name}-{id}-…`. */
  readonly name: string;
  readonly parent: pulumi.Resource;
  readonly provider: postgresql.Provider;
  readonly server: DatabaseServer;
}

/** What the owner's resolved args say about its tenants' databases. */
export interface TenantDatabasesSettings {
  readonly environment: string;
  readonly protect: boolean;
  readonly tenants: readonly ResolvedDatabaseTenant[];
  readonly transform: TenantDatabaseTransforms;
}

/**
 * The provider `{name}-provider` that manages roles and databases, logged in as the admin. It
 * runs where `pulumi up` runs, and connects only once `server.ready` is.
 */
export function createAdminProvider(
  name: string,
  parent: pulumi.Resource,
  server: DatabaseServer,
  transform: TenantDatabaseTransforms,
): postgresql.Provider {
  const providerName = `${name}-provider`;
  const [args, opts] = applyTransform(
    transform.provider,
    providerName,
    adminProviderArgs(server.admin),
    server.ready.length > 0 ? { parent, dependsOn: server.ready } : { parent },
  );
  return new postgresql.Provider(providerName, args, opts);
}

/**
 * The stack-level key tenant passwords derive from (secret): one resource per stack instead of
 * one RandomPassword per tenant. Kept like the data it unlocks.
 */
function createPasswordKey(
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

/** Every tenant's role, database and hardening, keyed by tenant id (none: no password key). */
export function createTenantDatabases(
  owner: TenantDatabasesOwner,
  settings: TenantDatabasesSettings,
): Readonly<Record<string, TenantDatabase>> {
  if (settings.tenants.length === 0) return {};
  const passwordKey = createPasswordKey(owner.name, owner.parent, settings.protect);
  const connection = adminConnection(owner.server.admin);
  const databases: Record<string, TenantDatabase> = {};
  for (const tenant of settings.tenants) {
    databases[tenant.id] = createTenantDatabase(owner, settings, tenant, {
      passwordKey,
      connection,
    });
  }
  return databases;
}

/** What every tenant's resources share: the password key and the admin's login. */
interface SharedTenantInputs {
  readonly passwordKey: pulumi.Output<string>;
  readonly connection: ReturnType<typeof adminConnection>;
}

/** One tenant's role, database and hardening, named `{name}-{id}-…`. */
function createTenantDatabase(
  owner: TenantDatabasesOwner,
  settings: TenantDatabasesSettings,
  tenant: ResolvedDatabaseTenant,
  shared: SharedTenantInputs,
): TenantDatabase {
  const spec = tenantSqlSpec(settings.environment, tenant);
  const password = pulumi.secret(
    shared.passwordKey.apply((key) => derivePassword(key, settings.environment, tenant.id)),
  );
  // A tenant's role and database are never dropped by Pulumi, in any environment: removing a
  // tenant or rolling back to before it existed leaves its data on the server.
  const alwaysRetained: pulumi.CustomResourceOptions = {
    parent: owner.parent,
    provider: owner.provider,
    protect: settings.protect,
    retainOnDelete: true,
  };
  // So a removed tenant that comes back takes over what it left (each is imported by its name).
  const adopted = (name: string) => (tenant.adopt ? { import: name } : {});
  const role = createTenantRole(
    tenantDatabaseResourceName(owner.name, tenant.id, "role"),
    spec,
    password,
    settings.transform,
    { ...alwaysRetained, ...adopted(spec.role.name) },
  );
  const databaseName = tenantDatabaseResourceName(owner.name, tenant.id, "database");
  const database = new postgresql.Database(
    databaseName,
    ...applyTransform(
      settings.transform.database,
      databaseName,
      { ...spec.database, owner: role.name },
      { ...alwaysRetained, ...adopted(spec.database.name) },
    ),
  );
  // PostgreSQL grants CONNECT and TEMP on every new database to PUBLIC, i.e. to every other
  // tenant's role. Revoked as a member of the owning role (see tenant-sql.ts), with the role's
  // settings from the plan, connected to the tenant's database: the server-wide statistics are
  // revoked in that database's catalog.
  const connection = shared.connection.apply((admin) => ({
    ...admin,
    database: spec.database.name,
  }));
  const hardening = new SqlStatements(
    tenantDatabaseResourceName(owner.name, tenant.id, "hardening"),
    { connection, statements: tenantHardeningSql(spec) },
    { parent: owner.parent, dependsOn: [role, database] },
  );
  const url = tenantDatabaseUrl(owner.server, role, password, database);
  return { role, database, hardening, url };
}

/** The tenant's login role; it owns the tenant's data, so dropping it would drop what it owns. */
function createTenantRole(
  name: string,
  spec: TenantSqlSpec,
  password: pulumi.Output<string>,
  transform: TenantDatabaseTransforms,
  opts: pulumi.CustomResourceOptions,
): postgresql.Role {
  const args: postgresql.RoleArgs = {
    ...spec.role,
    password,
    // The same values SqlStatements sets with ALTER ROLE, so the two never fight.
    statementTimeout: settingMilliseconds(spec, "statement_timeout"),
    idleInTransactionSessionTimeout: settingMilliseconds(
      spec,
      "idle_in_transaction_session_timeout",
    ),
  };
  return new postgresql.Role(name, ...applyTransform(transform.role, name, args, opts));
}

/** `postgres://role:password@host:port/database?sslmode=…` (secret). */
function tenantDatabaseUrl(
  server: DatabaseServer,
  role: postgresql.Role,
  password: pulumi.Output<string>,
  database: postgresql.Database,
): pulumi.Output<string> {
  return pulumi.secret(
    pulumi.all([role.name, password, database.name]).apply(([user, rolePassword, databaseName]) =>
      databaseUrl({
        user,
        password: rolePassword,
        host: server.host,
        port: server.port,
        sslmode: server.sslmode,
        database: databaseName,
      }),
    ),
  );
}

/** Each tenant's `DATABASE_URL`, keyed by tenant id. */
export function tenantUrlsOf(
  databases: Readonly<Record<string, TenantDatabase>>,
): Readonly<Record<string, pulumi.Output<string>>> {
  return Object.fromEntries(Object.entries(databases).map(([id, database]) => [id, database.url]));
}

/** The tenant's DATABASE_URL (secret); throws, naming the ids there are, for any other id. */
export function tenantUrlOf(
  component: string,
  urls: Readonly<Record<string, pulumi.Output<string>>>,
  tenantId: string,
): pulumi.Output<string> {
  const url = urls[tenantId];
  if (url === undefined) {
    throw new Error(
      `${component} has no tenant "${tenantId}" (tenants: ${Object.keys(urls).join(", ") || "none"})`,
    );
  }
  return url;
}
