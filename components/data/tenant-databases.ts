import type * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import { assertNoProblems } from "../component-args-error";
import type { DatabasePeer } from "../tenant/network-policy";
import { externalDatabaseServer } from "./database-server";
import {
  type ExternalDatabaseArgs,
  type ResolvedDatabaseTenant,
  resolveDatabaseTenants,
  resolveExternalServerSettings,
  sharedDatabaseProblems,
  type TenantDatabaseTransforms,
} from "./shared-database-args";
import type { ExternalServerSettings } from "./database-server";
import {
  createAdminProvider,
  createTenantDatabases,
  type TenantDatabase,
  tenantUrlOf,
  tenantUrlsOf,
} from "./tenant-database";

export const TENANT_DATABASES_TYPE = "agent-cloud:data:TenantDatabases";

/** Args of {@link TenantDatabases}: an external server and this shard's tenants. */
export interface TenantDatabasesArgs extends Omit<ExternalDatabaseArgs, "mode" | "transform"> {
  /** Adjust the provider and each tenant's Role and Database before they are registered. @default none */
  readonly transform?: TenantDatabaseTransforms;
}

/** TenantDatabases' args, checked and with every default applied. */
export interface ResolvedTenantDatabasesArgs extends ExternalServerSettings {
  readonly environment: string;
  readonly protect: boolean;
  readonly tenants: readonly ResolvedDatabaseTenant[];
  readonly transform: TenantDatabaseTransforms;
}

/**
 * The args checked as SharedDatabase checks an external server's (every problem in one
 * ComponentArgsError, before anything is registered), with every default applied.
 */
export function resolveTenantDatabasesArgs(
  name: string,
  args: TenantDatabasesArgs,
): ResolvedTenantDatabasesArgs {
  assertNoProblems("TenantDatabases", name, sharedDatabaseProblems({ ...args, mode: "external" }));
  return {
    ...resolveExternalServerSettings(args),
    environment: args.environment,
    protect: args.protect,
    tenants: resolveDatabaseTenants(args.tenants),
    transform: args.transform ?? {},
  };
}

/**
 * A shard's tenants' databases on the environment's shared (external) server: the same role,
 * database and PUBLIC revoke per tenant, with the same names, as SharedDatabase creates in an
 * unsharded stack, and its own provider and password key. The server itself stays with the
 * platform stack.
 */
export class TenantDatabases extends pulumi.ComponentResource {
  /** Where the server is, for a tenant's egress rule. */
  public readonly networkPeer: DatabasePeer;
  /** Each tenant's `DATABASE_URL`, secret, keyed by tenant id. */
  public readonly tenantUrls: Readonly<Record<string, pulumi.Output<string>>>;
  /** The provider that manages this shard's roles and databases. */
  public readonly provider: postgresql.Provider;
  /** Each tenant's role, database and hardening, keyed by tenant id. */
  public readonly tenantDatabases: Readonly<Record<string, TenantDatabase>>;

  constructor(name: string, args: TenantDatabasesArgs, opts?: pulumi.ComponentResourceOptions) {
    const resolved = resolveTenantDatabasesArgs(name, args);
    super(TENANT_DATABASES_TYPE, name, {}, opts);
    const server = externalDatabaseServer(resolved);
    this.networkPeer = server.peer;
    this.provider = createAdminProvider(name, this, server, resolved.transform);
    this.tenantDatabases = createTenantDatabases(
      { name, parent: this, provider: this.provider, server },
      resolved,
    );
    this.tenantUrls = tenantUrlsOf(this.tenantDatabases);
    this.registerOutputs({ networkPeer: this.networkPeer, tenantUrls: this.tenantUrls });
  }

  /** The tenant's DATABASE_URL (secret); throws for an id not passed in `tenants`. */
  tenantUrl(tenantId: string): pulumi.Output<string> {
    return tenantUrlOf("TenantDatabases", this.tenantUrls, tenantId);
  }
}
