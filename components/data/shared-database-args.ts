/**
 * The args of SharedDatabase and TenantDatabases, their defaults, and the checks that run before
 * either registers anything. The rules the config validation applies too live in model/rules/.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as postgresql from "@pulumi/postgresql";
import type * as pulumi from "@pulumi/pulumi";
import {
  DEFAULT_ADMIN_DATABASE,
  DEFAULT_ADMIN_USER,
  DEFAULT_SSLMODE,
  IN_CLUSTER_MAX_CONNECTIONS,
  POSTGRES_PORT,
  type SslMode,
} from "../../model/database-defaults";
import { DEFAULT_CLUSTER_DOMAIN, DNS_LABEL } from "../../model/names";
import { DEFAULT_DATABASE_LIMITS, type DatabaseLimits, type Plan } from "../../model/plans";
import { type ConfigProblem, formatConfigProblem } from "../../model/rules/config-problem";
import { connectionBudgetProblems } from "../../model/rules/connection-budget";
import { databaseAdminPasswordProblems } from "../../model/rules/database-admin-password";
import { databaseAdminSourcesProblems } from "../../model/rules/database-admin-sources";
import { environmentNameProblems } from "../../model/rules/environment-name";
import { assertNoProblems } from "../component-args-error";
import type { Transform } from "../transform";
import type { ExternalServerSettings } from "./database-server";

/** One tenant's database: its id (names derive from it) and its role's connection limit. */
export interface DatabaseTenant {
  readonly id: string;
  readonly connectionLimit: number;
  /**
   * The role's settings (timeouts, work_mem, temp_file_limit).
   * @default DEFAULT_DATABASE_LIMITS (model/plans.ts: the standard plan's)
   */
  readonly limits?: DatabaseLimits;
  /**
   * Take over the role and database a removed tenant left on the server (Pulumi's `import`, then
   * updated to these args) instead of creating them: the provider's CREATE ROLE fails on a name
   * that exists. Harmless once they are in the stack's state.
   * @default false
   */
  readonly adopt?: boolean;
}

/**
 * A tenant's database as its plan sets it: the role's connection limit and settings. The platform
 * and the shard stacks both build their tenants' databases from it, so a tenant gets the same
 * role wherever it is deployed.
 */
export function databaseTenantOf(
  tenant: {
    readonly id: string;
    readonly plan: Pick<Plan, "databaseConnections" | "databaseLimits">;
  },
  adopted: readonly string[] = [],
): DatabaseTenant {
  return {
    id: tenant.id,
    connectionLimit: tenant.plan.databaseConnections,
    limits: tenant.plan.databaseLimits,
    adopt: adopted.includes(tenant.id),
  };
}

/** Adjust a tenant's Role and Database before they are registered (each tenant's name is given). */
export interface TenantDatabaseTransforms {
  /** The tenant's login role `{name}-{id}-role`. */
  readonly role?: Transform<postgresql.RoleArgs>;
  /** The tenant's database `{name}-{id}-database`. */
  readonly database?: Transform<postgresql.DatabaseArgs>;
  /** The postgresql provider `{name}-provider` (the admin's login). */
  readonly provider?: Transform<postgresql.ProviderArgs>;
}

/** Adjust SharedDatabase's children before they are registered. */
export interface SharedDatabaseTransforms extends TenantDatabaseTransforms {
  /** In-cluster: the Namespace `{environment}-database`. */
  readonly namespace?: Transform<k8s.core.v1.NamespaceArgs>;
  /** In-cluster: the postgres StatefulSet (image settings, resources, scheduling). */
  readonly statefulSet?: Transform<k8s.apps.v1.StatefulSetArgs>;
  /** In-cluster: the ClusterIP Service tenant pods connect to. */
  readonly service?: Transform<k8s.core.v1.ServiceArgs>;
  /** In-cluster: the admin NodePort Service (only with `nodePort`). */
  readonly adminService?: Transform<k8s.core.v1.ServiceArgs>;
  /** In-cluster: the namespace's NetworkPolicy. */
  readonly networkPolicy?: Transform<k8s.networking.v1.NetworkPolicyArgs>;
}

interface SharedDatabaseCommonArgs {
  /** Environment name; it names the in-cluster namespace (`{environment}-database`). */
  readonly environment: string;
  /**
   * Protect the server's data and every tenant database from `pulumi destroy` and from removal
   * from config, and leave them in place if protection is lifted and they are deleted.
   */
  readonly protect: boolean;
  /** One role and one database each, keyed by id. */
  readonly tenants: readonly DatabaseTenant[];
  /** Adjust the children before they are registered. @default none */
  readonly transform?: SharedDatabaseTransforms;
}

/** PostgreSQL in this cluster: for `local` and `dev`. */
export interface InClusterDatabaseArgs extends SharedDatabaseCommonArgs {
  readonly mode: "in-cluster";
  /** Official postgres image, pinned to a version or digest. */
  readonly image: string;
  /** Size of the data volume. */
  readonly storageSize: string;
  /** StorageClass of the data volume. @default the cluster's default class */
  readonly storageClass?: string;
  /**
   * Node port of the admin Service, which the machine running `pulumi up` connects through.
   * Unset: no NodePort (reach the server through `kubectl port-forward`). @default none
   */
  readonly nodePort?: number;
  /**
   * Where the admin NodePort's connections come from as the pod sees them (the nodes' network;
   * kube-proxy rewrites the source to a node address). Required with {@link nodePort}.
   * @default []
   */
  readonly adminSourceCidrs?: readonly string[];
  /**
   * The server's `max_connections`; the tenants' limits must fit in it.
   * @default IN_CLUSTER_MAX_CONNECTIONS (200, model/database-defaults.ts)
   */
  readonly maxConnections?: number;
  /** Where that machine reaches the node port (kind maps it to localhost). */
  readonly adminHost: string;
  /** Port on {@link adminHost} (kind's extraPortMappings hostPort). */
  readonly adminPort: number;
  /** Requests and limits of the postgres container. @default 250m/512Mi requested, 2/2Gi limit */
  readonly resources?: k8s.types.input.core.v1.ResourceRequirements;
  /** The cluster's DNS domain, for the host tenants connect to. @default {@link DEFAULT_CLUSTER_DOMAIN} (model/names.ts) */
  readonly clusterDomain?: string;
  /**
   * Whether the environment's TenantBackups run (config `database.backup`): the NetworkPolicy
   * then admits their pods in `{environment}-backups` on the postgres port. @default false
   */
  readonly backups?: boolean;
}

/** An existing server (managed PostgreSQL): for `production`. */
export interface ExternalDatabaseArgs extends SharedDatabaseCommonArgs {
  readonly mode: "external";
  /** Address of the server, used both by `pulumi up` and by tenant pods. */
  readonly host: string;
  /** @default POSTGRES_PORT (5432, model/database-defaults.ts) */
  readonly port?: number;
  /** @default DEFAULT_SSLMODE ("require", model/database-defaults.ts) */
  readonly sslmode?: SslMode;
  /** Admin role the provider logs in as. @default DEFAULT_ADMIN_USER ("postgres") */
  readonly adminUser?: string;
  /** Database the admin connects to. @default DEFAULT_ADMIN_DATABASE ("postgres") */
  readonly adminDatabase?: string;
  /**
   * Admin password (secret). Typed to accept the config's optional value; undefined is refused
   * with the command that sets it (model/rules/database-admin-password.ts).
   */
  readonly adminPassword: pulumi.Input<string> | undefined;
  /** Private CIDRs tenant pods reach the server on; empty means a public address. @default [] */
  readonly networkCidrs?: readonly string[];
  /**
   * Whether the admin is a real superuser. Managed services (RDS, Cloud SQL, Azure) give an
   * admin that is not; the provider then works around the features that need one. @default false
   */
  readonly adminIsSuperuser?: boolean;
  /**
   * The server's `max_connections`, when known: the tenants' summed limits are checked against
   * it. Unset: check it on the server (components/data/README.md). @default unchecked
   */
  readonly maxConnections?: number;
}

/** Args of SharedDatabase: the common fields plus one mode's flat settings. */
export type SharedDatabaseArgs = InClusterDatabaseArgs | ExternalDatabaseArgs;

/** A tenant with its role's settings decided. */
export interface ResolvedDatabaseTenant {
  readonly id: string;
  readonly connectionLimit: number;
  readonly limits: DatabaseLimits;
  readonly adopt: boolean;
}

interface ResolvedCommonArgs {
  readonly environment: string;
  readonly protect: boolean;
  readonly tenants: readonly ResolvedDatabaseTenant[];
  readonly transform: SharedDatabaseTransforms;
}

/** In-cluster args with every default applied. */
export interface ResolvedInClusterArgs extends ResolvedCommonArgs {
  readonly mode: "in-cluster";
  readonly image: string;
  readonly storageSize: string;
  readonly storageClass: string | undefined;
  readonly nodePort: number | undefined;
  /** Empty without a node port: no admin path, whatever was listed. */
  readonly adminSourceCidrs: readonly string[];
  readonly maxConnections: number;
  readonly adminHost: string;
  readonly adminPort: number;
  readonly resources: k8s.types.input.core.v1.ResourceRequirements;
  readonly clusterDomain: string;
  readonly backups: boolean;
}

/** External args with every default applied. */
export interface ResolvedExternalArgs extends ResolvedCommonArgs, ExternalServerSettings {
  readonly mode: "external";
}

/** SharedDatabase's args, checked and with every default applied. */
export type ResolvedSharedDatabaseArgs = ResolvedInClusterArgs | ResolvedExternalArgs;

/** The in-cluster postgres container's resources: the standard plan's app profile. */
export const IN_CLUSTER_RESOURCES: k8s.types.input.core.v1.ResourceRequirements = {
  requests: { cpu: "250m", memory: "512Mi" },
  limits: { cpu: "2", memory: "2Gi" },
};

/** Every problem with the tenants: ids that are not DNS labels or repeat, bad connection limits. */
export function databaseTenantProblems(tenants: readonly DatabaseTenant[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [index, tenant] of tenants.entries()) {
    const at = `tenants[${index}]`;
    if (!DNS_LABEL.test(tenant.id)) {
      problems.push(`${at}.id "${tenant.id}": must be a DNS label (a-z, 0-9, '-')`);
    } else if (seen.has(tenant.id)) {
      problems.push(`${at}.id "${tenant.id}": is listed twice`);
    }
    seen.add(tenant.id);
    if (!Number.isInteger(tenant.connectionLimit) || tenant.connectionLimit < 1) {
      problems.push(`${at}.connectionLimit ${tenant.connectionLimit}: must be a positive integer`);
    }
  }
  return problems;
}

/** Every problem with SharedDatabase's (or one shard's TenantDatabases') args. */
export function sharedDatabaseProblems(args: SharedDatabaseArgs): string[] {
  const budgetAndAdminPath: ConfigProblem[] = [
    ...connectionBudgetProblems({
      mode: args.mode,
      maxConnections: args.maxConnections,
      connectionLimits: args.tenants.map((tenant) => tenant.connectionLimit),
    }),
    ...(args.mode === "in-cluster"
      ? databaseAdminSourcesProblems({
          nodePort: args.nodePort,
          adminSourceCidrs: args.adminSourceCidrs ?? [],
        })
      : databaseAdminPasswordProblems({
          mode: args.mode,
          adminPasswordSet: args.adminPassword !== undefined,
        })),
  ];
  return [
    // sp_{environment}_{id} must split back into one environment and one tenant.
    ...environmentNameProblems(args.environment).map(formatConfigProblem),
    ...databaseTenantProblems(args.tenants),
    ...budgetAndAdminPath.map(formatConfigProblem),
    ...(args.mode === "external" && args.host.trim() === ""
      ? [`database.host "": set it to the server's address`]
      : []),
  ];
}

/** The tenants with their role settings decided. */
export function resolveDatabaseTenants(
  tenants: readonly DatabaseTenant[],
): ResolvedDatabaseTenant[] {
  return tenants.map((tenant) => ({
    id: tenant.id,
    connectionLimit: tenant.connectionLimit,
    limits: tenant.limits ?? DEFAULT_DATABASE_LIMITS,
    adopt: tenant.adopt ?? false,
  }));
}

/** An external server's settings with the defaults applied (after the args were checked). */
export function resolveExternalServerSettings(
  args: Omit<ExternalDatabaseArgs, "mode" | "environment" | "protect" | "tenants" | "transform">,
): ExternalServerSettings {
  return {
    host: args.host,
    port: args.port ?? POSTGRES_PORT,
    sslmode: args.sslmode ?? DEFAULT_SSLMODE,
    adminUser: args.adminUser ?? DEFAULT_ADMIN_USER,
    adminDatabase: args.adminDatabase ?? DEFAULT_ADMIN_DATABASE,
    // Checked present by sharedDatabaseProblems.
    adminPassword: args.adminPassword as pulumi.Input<string>,
    networkCidrs: args.networkCidrs ?? [],
    adminIsSuperuser: args.adminIsSuperuser ?? false,
  };
}

/**
 * SharedDatabase's args checked (every problem in one ComponentArgsError, before anything is
 * registered) and with every default applied.
 */
export function resolveSharedDatabaseArgs(
  name: string,
  args: SharedDatabaseArgs,
): ResolvedSharedDatabaseArgs {
  assertNoProblems("SharedDatabase", name, sharedDatabaseProblems(args));
  const common: ResolvedCommonArgs = {
    environment: args.environment,
    protect: args.protect,
    tenants: resolveDatabaseTenants(args.tenants),
    transform: args.transform ?? {},
  };
  if (args.mode === "external") {
    return { ...common, mode: "external", ...resolveExternalServerSettings(args) };
  }
  return {
    ...common,
    mode: "in-cluster",
    image: args.image,
    storageSize: args.storageSize,
    storageClass: args.storageClass,
    nodePort: args.nodePort,
    adminSourceCidrs: args.nodePort === undefined ? [] : (args.adminSourceCidrs ?? []),
    maxConnections: args.maxConnections ?? IN_CLUSTER_MAX_CONNECTIONS,
    adminHost: args.adminHost,
    adminPort: args.adminPort,
    resources: args.resources ?? IN_CLUSTER_RESOURCES,
    clusterDomain: args.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN,
    backups: args.backups ?? false,
  };
}
