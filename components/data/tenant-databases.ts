import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import type { DatabasePeer } from "../tenant/network-policy";
import {
  adminConnection,
  type ExternalDatabaseArgs,
  externalServer,
  validate,
} from "./shared-database";
import { passwordKey, tenantDatabase } from "./tenant-database";

export const TENANT_DATABASES_TYPE = "agent-cloud:data:TenantDatabases";

/** Args of {@link TenantDatabases}: an external server and this shard's tenants. */
export type TenantDatabasesArgs = Omit<ExternalDatabaseArgs, "mode">;

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

  constructor(name: string, args: TenantDatabasesArgs, opts?: pulumi.ComponentResourceOptions) {
    validate({ ...args, mode: "external" });
    super(TENANT_DATABASES_TYPE, name, {}, opts);
    const server = externalServer(args);
    this.networkPeer = server.peer;
    const provider = new postgresql.Provider(
      `${name}-provider`,
      { ...server.admin, connectTimeout: 15 },
      { parent: this },
    );
    const connection = adminConnection(server.admin);
    const key = args.tenants.length > 0 ? passwordKey(name, this, args.protect) : undefined;
    const urls: Record<string, pulumi.Output<string>> = {};
    for (const tenant of args.tenants) {
      urls[tenant.id] = tenantDatabase({
        name,
        parent: this,
        provider,
        environment: args.environment,
        tenant,
        protect: args.protect,
        key: key as pulumi.Output<string>,
        server,
        connection,
      });
    }
    this.tenantUrls = urls;
    this.registerOutputs({ networkPeer: this.networkPeer, tenantUrls: this.tenantUrls });
  }

  /** The tenant's DATABASE_URL (secret); throws for an id not passed in `tenants`. */
  tenantUrl(tenantId: string): pulumi.Output<string> {
    const url = this.tenantUrls[tenantId];
    if (url === undefined) throw new Error(`TenantDatabases has no tenant "${tenantId}"`);
    return url;
  }
}
