import * as k8s from "@pulumi/kubernetes";
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { databaseNamespace } from "../../stacks/config/names";
import { ENVIRONMENT_LABEL, POD_SECURITY_RESTRICTED } from "../tenant/labels";
import type { DatabasePeer } from "../tenant/network-policy";
import type { SslMode } from "./database-url";
import { ADMIN_PASSWORD_KEY, POSTGRES_PORT, postgresStatefulSetSpec } from "./postgres-statefulset";
import { type DatabaseTenant, passwordKey, tenantDatabase } from "./tenant-database";

export type { DatabaseTenant } from "./tenant-database";

export const SHARED_DATABASE_TYPE = "agent-cloud:data:SharedDatabase";

/** Name of the in-cluster Service tenant pods connect to. */
export const POSTGRES_SERVICE = "postgres";

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
  /** Node port of the admin Service, which the machine running `pulumi up` connects through. */
  readonly nodePort: number;
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

    const urls: Record<string, pulumi.Output<string>> = {};
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
        }),
      },
      // No dependsOn on the Service: Pulumi waits for a Service until it has ready endpoints,
      // and those are this StatefulSet's pods.
      keep,
    );
    // Only for the machine running `pulumi up`: the postgresql provider runs there, not in the
    // cluster. Tenant pods use the ClusterIP Service.
    const adminService = new k8s.core.v1.Service(
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
      ready: [statefulSet, adminService],
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
