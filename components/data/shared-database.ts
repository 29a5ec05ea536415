import * as k8s from "@pulumi/kubernetes";
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { databaseNamespace, ENVIRONMENT_NAME } from "../../model/names";
import type { DatabaseLimits } from "../../model/plans";
import { ENVIRONMENT_LABEL, POD_SECURITY_RESTRICTED } from "../tenant/labels";
import type { DatabasePeer } from "../tenant/network-policy";
import { databaseNamespacePolicySpec } from "./database-network-policy";
import type { SslMode } from "./database-url";
import { ADMIN_PASSWORD_KEY, POSTGRES_PORT, postgresStatefulSetSpec } from "./postgres-statefulset";
import { passwordKey, tenantDatabase } from "./tenant-database";
import { type AdminConnection, SqlStatements } from "./sql-statements";
import {
  connectionBudget,
  RESERVED_CONNECTIONS,
  serverHardeningSql,
  type tenantSqlSpec,
} from "./tenant-sql";

export const SHARED_DATABASE_TYPE = "agent-cloud:data:SharedDatabase";

/** Name of the in-cluster Service tenant pods connect to. */
export const POSTGRES_SERVICE = "postgres";

/** One tenant's database: its id (names derive from it) and its role's connection limit. */
export interface DatabaseTenant {
  readonly id: string;
  readonly connectionLimit: number;
  /** The role's settings (timeouts, work_mem, temp_file_limit). @default the standard plan's */
  readonly limits?: DatabaseLimits;
}

/** In-cluster server defaults: `max_connections` and a short `authentication_timeout`. */
export const IN_CLUSTER_MAX_CONNECTIONS = 200;
export const IN_CLUSTER_AUTHENTICATION_TIMEOUT_SECONDS = 10;

interface SharedDatabaseBase {
  /** Environment name; it names the in-cluster namespace (`{environment}-database`). */
  readonly environment: string;
  /**
   * Protect the server's data and every tenant database from `pulumi destroy` and from removal
   * from config, and leave them in place if protection is lifted and they are deleted.
   */
  readonly protect: boolean;
  /** One role and one database each, keyed by id. */
  readonly tenants: readonly DatabaseTenant[];
}

/** PostgreSQL in this cluster: for `local` and `dev`. */
export interface InClusterDatabaseArgs extends SharedDatabaseBase {
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
  /** The server's `max_connections`; the tenants' limits must fit in it. @default 200 */
  readonly maxConnections?: number;
  /** Where that machine reaches the node port (kind maps it to localhost). */
  readonly adminHost: string;
  /** Port on {@link adminHost} (kind's extraPortMappings hostPort). */
  readonly adminPort: number;
  /** Requests and limits of the postgres container. @default 250m/512Mi requested, 2/2Gi limit */
  readonly resources?: k8s.types.input.core.v1.ResourceRequirements;
  /** The cluster's DNS domain, for the host tenants connect to. @default "cluster.local" */
  readonly clusterDomain?: string;
}

/** An existing server (managed PostgreSQL): for `production`. */
export interface ExternalDatabaseArgs extends SharedDatabaseBase {
  readonly mode: "external";
  /** Address of the server, used both by `pulumi up` and by tenant pods. */
  readonly host: string;
  /** @default 5432 */
  readonly port?: number;
  /** @default "require" */
  readonly sslmode?: SslMode;
  /** Admin role the provider logs in as. @default "postgres" */
  readonly adminUser?: string;
  /** Database the admin connects to. @default "postgres" */
  readonly adminDatabase?: string;
  /**
   * Admin password (secret). Typed to accept the config's optional value; undefined is refused
   * with the command that sets it.
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

/** Args of {@link SharedDatabase}: the shared fields plus one mode's flat settings. */
export type SharedDatabaseArgs = InClusterDatabaseArgs | ExternalDatabaseArgs;

const DEFAULT_RESOURCES: k8s.types.input.core.v1.ResourceRequirements = {
  requests: { cpu: "250m", memory: "512Mi" },
  limits: { cpu: "2", memory: "2Gi" },
};

/**
 * The PostgreSQL server all tenants share, and per tenant a login role, a database owned by it
 * and no CONNECT for anyone else. Exposes each tenant's DATABASE_URL (secret) and where the
 * server sits on the network, for the tenants' egress policy.
 */
export class SharedDatabase extends pulumi.ComponentResource {
  /** Host tenant pods connect to. */
  public readonly host: string;
  /** Port tenant pods connect to. */
  public readonly port: number;
  /** Where the server is, for a tenant's egress rule (TenantApp's `databaseEgress`). */
  public readonly networkPeer: DatabasePeer;
  /** Each tenant's `DATABASE_URL`, secret, keyed by tenant id. */
  public readonly tenantUrls: Readonly<Record<string, pulumi.Output<string>>>;
  /** The provider that manages roles and databases, for callers that add their own. */
  public readonly provider: postgresql.Provider;

  constructor(name: string, args: SharedDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before anything is registered, so bad args leave no half-built component.
    validate(args);
    super(SHARED_DATABASE_TYPE, name, {}, opts);

    const server = args.mode === "in-cluster" ? this.inCluster(name, args) : externalServer(args);
    this.host = server.host;
    this.port = server.port;
    this.networkPeer = server.peer;
    this.provider = new postgresql.Provider(
      `${name}-provider`,
      { ...server.admin, connectTimeout: 15 },
      { parent: this, dependsOn: server.ready },
    );

    // A tenant's role and database are never dropped by Pulumi, in any environment: removing a
    // tenant or rolling back to before it existed leaves its data on the server.
    const connection = adminConnection(server.admin);
    new SqlStatements(
      `${name}-server-hardening`,
      { connection, statements: serverHardeningSql() },
      { parent: this, dependsOn: server.ready },
    );
    const urls: Record<string, pulumi.Output<string>> = {};
    // One stack-level key; each tenant's password derives from it (tenant-database.ts).
    const key = args.tenants.length > 0 ? passwordKey(name, this, args.protect) : undefined;
    for (const tenant of args.tenants) {
      urls[tenant.id] = tenantDatabase({
        name,
        parent: this,
        provider: this.provider,
        environment: args.environment,
        tenant,
        protect: args.protect,
        key: key as pulumi.Output<string>,
        server,
        connection,
      });
    }
    this.tenantUrls = urls;

    this.registerOutputs({
      host: this.host,
      port: this.port,
      networkPeer: this.networkPeer,
      tenantUrls: this.tenantUrls,
    });
  }

  /** The tenant's DATABASE_URL (secret); throws for an id not passed in `tenants`. */
  tenantUrl(tenantId: string): pulumi.Output<string> {
    const url = this.tenantUrls[tenantId];
    if (url === undefined) {
      throw new Error(
        `SharedDatabase has no tenant "${tenantId}" (tenants: ${Object.keys(this.tenantUrls).join(", ") || "none"})`,
      );
    }
    return url;
  }

  private inCluster(name: string, args: InClusterDatabaseArgs): Server {
    const nsName = databaseNamespace(args.environment);
    const labels = {
      "app.kubernetes.io/name": "postgres",
      "app.kubernetes.io/part-of": "agent-cloud",
    };
    // Losing the namespace deletes the volume claim, and losing the admin password locks us out
    // of a data directory that outlives it (the image only reads it on first init).
    const keep = { parent: this, protect: args.protect, retainOnDelete: args.protect };

    const ns = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: {
          name: nsName,
          labels: {
            [ENVIRONMENT_LABEL]: args.environment,
            "agent-cloud.io/component": "database",
            ...POD_SECURITY_RESTRICTED,
          },
        },
      },
      keep,
    );
    const namespace = ns.metadata.name;
    const adminPassword = new random.RandomPassword(
      `${name}-admin-password`,
      { length: 40, special: false },
      keep,
    );
    const adminSecret = new k8s.core.v1.Secret(
      `${name}-admin-secret`,
      {
        metadata: { name: "postgres-admin", namespace, labels },
        type: "Opaque",
        stringData: { [ADMIN_PASSWORD_KEY]: pulumi.secret(adminPassword.result) },
      },
      keep,
    );
    new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: { name: POSTGRES_SERVICE, namespace, labels },
        spec: {
          type: "ClusterIP",
          selector: labels,
          ports: [
            { name: "postgres", port: POSTGRES_PORT, targetPort: "postgres", protocol: "TCP" },
          ],
        },
      },
      { parent: this },
    );
    new k8s.networking.v1.NetworkPolicy(
      `${name}-network-policy`,
      {
        metadata: { name: "postgres", namespace, labels },
        spec: databaseNamespacePolicySpec({
          environment: args.environment,
          podLabels: labels,
          port: POSTGRES_PORT,
          adminSourceCidrs: args.nodePort === undefined ? [] : (args.adminSourceCidrs ?? []),
        }),
      },
      { parent: this },
    );
    const statefulSet = new k8s.apps.v1.StatefulSet(
      `${name}-statefulset`,
      {
        metadata: { name: "postgres", namespace, labels },
        spec: postgresStatefulSetSpec({
          image: args.image,
          storageSize: args.storageSize,
          storageClass: args.storageClass,
          adminSecretName: adminSecret.metadata.name,
          serviceName: POSTGRES_SERVICE,
          labels,
          resources: args.resources ?? DEFAULT_RESOURCES,
          settings: {
            max_connections: String(args.maxConnections ?? IN_CLUSTER_MAX_CONNECTIONS),
            // Unauthenticated clients hold a connection slot until this runs out.
            authentication_timeout: `${IN_CLUSTER_AUTHENTICATION_TIMEOUT_SECONDS}s`,
          },
        }),
      },
      // No dependsOn on the Service: Pulumi waits for a Service until it has ready endpoints,
      // and those are this StatefulSet's pods.
      keep,
    );
    // Only for the machine running `pulumi up`, and only where asked (kind): the postgresql
    // provider runs there, not in the cluster. Tenant pods use the ClusterIP Service.
    const adminService =
      args.nodePort === undefined
        ? undefined
        : new k8s.core.v1.Service(
            `${name}-admin-service`,
            {
              metadata: { name: "postgres-admin", namespace, labels },
              spec: {
                type: "NodePort",
                selector: labels,
                ports: [
                  {
                    name: "postgres",
                    port: POSTGRES_PORT,
                    targetPort: "postgres",
                    nodePort: args.nodePort,
                    protocol: "TCP",
                  },
                ],
              },
            },
            { parent: this },
          );

    return {
      host: `${POSTGRES_SERVICE}.${nsName}.svc.${args.clusterDomain ?? "cluster.local"}`,
      port: POSTGRES_PORT,
      // The official image serves no TLS; traffic stays inside the cluster network.
      sslmode: "disable",
      peer: { namespace: nsName, podLabels: labels, port: POSTGRES_PORT },
      admin: {
        host: args.adminHost,
        port: args.adminPort,
        username: "postgres",
        password: pulumi.secret(adminPassword.result),
        database: "postgres",
        sslmode: "disable",
        superuser: true,
      },
      // Kubernetes' await logic holds the StatefulSet until postgres answers pg_isready.
      ready: adminService === undefined ? [statefulSet] : [statefulSet, adminService],
    };
  }
}

/** A database server as the tenants and the provider see it. */
export interface Server {
  readonly host: string;
  readonly port: number;
  readonly sslmode: SslMode;
  readonly peer: DatabasePeer;
  readonly admin: postgresql.ProviderArgs;
  readonly ready: pulumi.Resource[];
}

/** The server of `mode: external`: the given address, the admin from config. */
export function externalServer(
  args: Omit<ExternalDatabaseArgs, "mode" | "environment" | "protect" | "tenants">,
): Server {
  const port = args.port ?? 5432;
  const sslmode = args.sslmode ?? "require";
  return {
    host: args.host,
    port,
    sslmode,
    peer: { cidrs: [...(args.networkCidrs ?? [])], port },
    admin: {
      host: args.host,
      port,
      username: args.adminUser ?? "postgres",
      password: pulumi.secret(args.adminPassword as pulumi.Input<string>),
      database: args.adminDatabase ?? "postgres",
      sslmode,
      superuser: args.adminIsSuperuser ?? false,
    },
    ready: [],
  };
}

/** Checks the args of a shared database (or of one shard's tenant databases). */
export function validate(args: SharedDatabaseArgs): void {
  if (!ENVIRONMENT_NAME.test(args.environment)) {
    // sp_{environment}_{id} must split back into one environment and one tenant.
    throw new Error(
      `environment "${args.environment}": must be letters and digits only, or database names could collide across environments`,
    );
  }
  const seen = new Set<string>();
  for (const [i, t] of args.tenants.entries()) {
    const at = `tenants[${i}]`;
    if (!/^[a-z]([a-z0-9-]*[a-z0-9])?$/.test(t.id)) {
      throw new Error(`${at}.id "${t.id}": must be a DNS label (a-z, 0-9, '-')`);
    }
    if (seen.has(t.id)) throw new Error(`${at}.id "${t.id}": is listed twice`);
    seen.add(t.id);
    if (!Number.isInteger(t.connectionLimit) || t.connectionLimit < 1) {
      throw new Error(`${at}.connectionLimit ${t.connectionLimit}: must be a positive integer`);
    }
  }
  const max =
    args.mode === "in-cluster"
      ? (args.maxConnections ?? IN_CLUSTER_MAX_CONNECTIONS)
      : args.maxConnections;
  if (max !== undefined) {
    const budget = connectionBudget(
      args.tenants.map((t) => t.connectionLimit),
      max,
    );
    if (!budget.fits) {
      throw new Error(
        `tenants' connection limits sum to ${budget.total - RESERVED_CONNECTIONS} (+${RESERVED_CONNECTIONS} reserved for the admin) but max_connections is ${max}: raise database.maxConnections or move tenants to smaller plans`,
      );
    }
  }
  if (args.mode === "in-cluster" && args.nodePort !== undefined) {
    if ((args.adminSourceCidrs ?? []).length === 0) {
      throw new Error(
        `database.adminSourceCidrs: required with database.nodePort ${args.nodePort}, so the database's NetworkPolicy admits the admin path and nothing else (kind: the Docker network, e.g. 172.16.0.0/12)`,
      );
    }
  }
  if (args.mode === "external") {
    if (args.host.trim() === "") {
      throw new Error(`database.host "": set it to the server's address`);
    }
    if (args.adminPassword === undefined) {
      throw new Error(
        `databaseAdminPassword is required when database.mode is "external"; run: pulumi config set --secret databaseAdminPassword <value>`,
      );
    }
  }
}

/** A Role timeout in milliseconds, from the spec's setting of the same name (`60s`). */
export function seconds(spec: ReturnType<typeof tenantSqlSpec>, setting: string): number {
  const value = spec.settings.find(([k]) => k === setting)?.[1] ?? "0s";
  return Number.parseInt(value, 10) * 1000;
}

/** The postgresql provider's admin settings as the SqlStatements resources take them. */
export function adminConnection(admin: postgresql.ProviderArgs): pulumi.Output<AdminConnection> {
  return pulumi.secret(
    pulumi
      .all([admin.host, admin.port, admin.username, admin.password, admin.database, admin.sslmode])
      .apply(([host, port, user, password, database, sslmode]) => ({
        host: host ?? "localhost",
        port: port ?? 5432,
        user: user ?? "postgres",
        password: password ?? "",
        database: database ?? "postgres",
        sslmode: (sslmode ?? "require") as SslMode,
      })),
  );
}
