import * as k8s from "@pulumi/kubernetes";
import type * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { POSTGRES_PORT } from "../../model/database-defaults";
import { databaseNamespace } from "../../model/names";
import { ENVIRONMENT_LABEL, POD_SECURITY_RESTRICTED } from "../tenant/labels";
import type { DatabasePeer } from "../tenant/network-policy";
import { applyTransform } from "../transform";
import { databaseNamespacePolicySpec } from "./database-network-policy";
import { adminConnection, type DatabaseServer, externalDatabaseServer } from "./database-server";
import { ADMIN_PASSWORD_KEY, postgresStatefulSetSpec } from "./postgres-statefulset";
import {
  type ResolvedInClusterArgs,
  resolveSharedDatabaseArgs,
  type SharedDatabaseArgs,
} from "./shared-database-args";
import { SqlStatements } from "./sql-statements";
import {
  createAdminProvider,
  createTenantDatabases,
  type TenantDatabase,
  tenantUrlOf,
  tenantUrlsOf,
} from "./tenant-database";
import { serverHardeningSql } from "./tenant-sql";

export type {
  DatabaseTenant,
  ExternalDatabaseArgs,
  InClusterDatabaseArgs,
  SharedDatabaseArgs,
  SharedDatabaseTransforms,
} from "./shared-database-args";

export const SHARED_DATABASE_TYPE = "agent-cloud:data:SharedDatabase";

/** Name of the in-cluster Service tenant pods connect to. */
export const POSTGRES_SERVICE = "postgres";

/** Name of the in-cluster admin Secret and of the admin NodePort Service. */
const POSTGRES_ADMIN = "postgres-admin";

/** Unauthenticated clients hold a connection slot until this runs out. */
export const IN_CLUSTER_AUTHENTICATION_TIMEOUT_SECONDS = 10;

/** The in-cluster server's children, for callers that depend on or read them. */
export interface InClusterServerChildren {
  readonly namespace: k8s.core.v1.Namespace;
  readonly adminPassword: random.RandomPassword;
  readonly adminSecret: k8s.core.v1.Secret;
  /** The ClusterIP Service tenant pods connect to. */
  readonly service: k8s.core.v1.Service;
  readonly networkPolicy: k8s.networking.v1.NetworkPolicy;
  readonly statefulSet: k8s.apps.v1.StatefulSet;
  /** The NodePort Service `pulumi up` reaches the server through, where `nodePort` is set. */
  readonly adminService: k8s.core.v1.Service | undefined;
}

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
  /** The in-cluster server's Kubernetes objects; undefined for an external server. */
  public readonly inCluster: InClusterServerChildren | undefined;
  /** PUBLIC's CONNECT and TEMP revoked on the maintenance databases. */
  public readonly serverHardening: SqlStatements;
  /** Each tenant's role, database and hardening, keyed by tenant id. */
  public readonly tenantDatabases: Readonly<Record<string, TenantDatabase>>;

  constructor(name: string, args: SharedDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked before anything is registered, so bad args leave no half-built component.
    const resolved = resolveSharedDatabaseArgs(name, args);
    super(SHARED_DATABASE_TYPE, name, {}, opts);

    let server: DatabaseServer;
    if (resolved.mode === "in-cluster") {
      this.inCluster = this.createInClusterServer(name, resolved);
      server = inClusterDatabaseServer(resolved, this.inCluster);
    } else {
      this.inCluster = undefined;
      server = externalDatabaseServer(resolved);
    }
    this.host = server.host;
    this.port = server.port;
    this.networkPeer = server.peer;
    this.provider = createAdminProvider(name, this, server, resolved.transform);
    this.serverHardening = this.createServerHardening(name, server);
    this.tenantDatabases = createTenantDatabases(
      { name, parent: this, provider: this.provider, server },
      resolved,
    );
    this.tenantUrls = tenantUrlsOf(this.tenantDatabases);

    this.registerOutputs({
      host: this.host,
      port: this.port,
      networkPeer: this.networkPeer,
      tenantUrls: this.tenantUrls,
    });
  }

  /** The tenant's DATABASE_URL (secret); throws for an id not passed in `tenants`. */
  tenantUrl(tenantId: string): pulumi.Output<string> {
    return tenantUrlOf("SharedDatabase", this.tenantUrls, tenantId);
  }

  /** The in-cluster server's objects, in the order they are registered. */
  private createInClusterServer(
    name: string,
    args: ResolvedInClusterArgs,
  ): InClusterServerChildren {
    const namespace = this.createNamespace(name, args);
    const adminPassword = this.createAdminPassword(name, args);
    const adminSecret = this.createAdminSecret(name, args, namespace, adminPassword);
    const service = this.createService(name, args, namespace);
    const networkPolicy = this.createNetworkPolicy(name, args, namespace);
    const statefulSet = this.createStatefulSet(name, args, namespace, adminSecret);
    const adminService = this.createAdminService(name, args, namespace);
    return {
      namespace,
      adminPassword,
      adminSecret,
      service,
      networkPolicy,
      statefulSet,
      adminService,
    };
  }

  /**
   * Options of what holds the server's data or unlocks it: losing the namespace deletes the
   * volume claim, and losing the admin password locks us out of a data directory that outlives
   * it (the image only reads it on first init).
   */
  private serverDataOptions(args: ResolvedInClusterArgs): pulumi.CustomResourceOptions {
    return { parent: this, protect: args.protect, retainOnDelete: args.protect };
  }

  private createNamespace(name: string, args: ResolvedInClusterArgs): k8s.core.v1.Namespace {
    const childName = `${name}-namespace`;
    return new k8s.core.v1.Namespace(
      childName,
      ...applyTransform(
        args.transform.namespace,
        childName,
        {
          metadata: {
            name: databaseNamespace(args.environment),
            labels: {
              [ENVIRONMENT_LABEL]: args.environment,
              "agent-cloud.io/component": "database",
              ...POD_SECURITY_RESTRICTED,
            },
          },
        },
        this.serverDataOptions(args),
      ),
    );
  }

  private createAdminPassword(name: string, args: ResolvedInClusterArgs): random.RandomPassword {
    return new random.RandomPassword(
      `${name}-admin-password`,
      { length: 40, special: false },
      this.serverDataOptions(args),
    );
  }

  private createAdminSecret(
    name: string,
    args: ResolvedInClusterArgs,
    namespace: k8s.core.v1.Namespace,
    adminPassword: random.RandomPassword,
  ): k8s.core.v1.Secret {
    return new k8s.core.v1.Secret(
      `${name}-admin-secret`,
      {
        metadata: { name: POSTGRES_ADMIN, namespace: namespace.metadata.name, labels: POD_LABELS },
        type: "Opaque",
        stringData: { [ADMIN_PASSWORD_KEY]: pulumi.secret(adminPassword.result) },
      },
      this.serverDataOptions(args),
    );
  }

  private createService(
    name: string,
    args: ResolvedInClusterArgs,
    namespace: k8s.core.v1.Namespace,
  ): k8s.core.v1.Service {
    const childName = `${name}-service`;
    return new k8s.core.v1.Service(
      childName,
      ...applyTransform(
        args.transform.service,
        childName,
        {
          metadata: {
            name: POSTGRES_SERVICE,
            namespace: namespace.metadata.name,
            labels: POD_LABELS,
          },
          spec: {
            type: "ClusterIP",
            selector: POD_LABELS,
            ports: [
              { name: "postgres", port: POSTGRES_PORT, targetPort: "postgres", protocol: "TCP" },
            ],
          },
        },
        { parent: this },
      ),
    );
  }

  private createNetworkPolicy(
    name: string,
    args: ResolvedInClusterArgs,
    namespace: k8s.core.v1.Namespace,
  ): k8s.networking.v1.NetworkPolicy {
    const childName = `${name}-network-policy`;
    return new k8s.networking.v1.NetworkPolicy(
      childName,
      ...applyTransform(
        args.transform.networkPolicy,
        childName,
        {
          metadata: { name: "postgres", namespace: namespace.metadata.name, labels: POD_LABELS },
          spec: databaseNamespacePolicySpec({
            environment: args.environment,
            podLabels: POD_LABELS,
            port: POSTGRES_PORT,
            adminSourceCidrs: args.adminSourceCidrs,
            backups: args.backups,
          }),
        },
        { parent: this },
      ),
    );
  }

  private createStatefulSet(
    name: string,
    args: ResolvedInClusterArgs,
    namespace: k8s.core.v1.Namespace,
    adminSecret: k8s.core.v1.Secret,
  ): k8s.apps.v1.StatefulSet {
    const childName = `${name}-statefulset`;
    return new k8s.apps.v1.StatefulSet(
      childName,
      ...applyTransform(
        args.transform.statefulSet,
        childName,
        {
          metadata: { name: "postgres", namespace: namespace.metadata.name, labels: POD_LABELS },
          spec: postgresStatefulSetSpec({
            image: args.image,
            storageSize: args.storageSize,
            storageClass: args.storageClass,
            adminSecretName: adminSecret.metadata.name,
            serviceName: POSTGRES_SERVICE,
            labels: POD_LABELS,
            resources: args.resources,
            settings: {
              max_connections: String(args.maxConnections),
              authentication_timeout: `${IN_CLUSTER_AUTHENTICATION_TIMEOUT_SECONDS}s`,
            },
          }),
        },
        // No dependsOn on the Service: Pulumi waits for a Service until it has ready endpoints,
        // and those are this StatefulSet's pods.
        this.serverDataOptions(args),
      ),
    );
  }

  /**
   * Only for the machine running `pulumi up`, and only where asked (kind): the postgresql
   * provider runs there, not in the cluster. Tenant pods use the ClusterIP Service.
   */
  private createAdminService(
    name: string,
    args: ResolvedInClusterArgs,
    namespace: k8s.core.v1.Namespace,
  ): k8s.core.v1.Service | undefined {
    if (args.nodePort === undefined) return undefined;
    const childName = `${name}-admin-service`;
    return new k8s.core.v1.Service(
      childName,
      ...applyTransform(
        args.transform.adminService,
        childName,
        {
          metadata: {
            name: POSTGRES_ADMIN,
            namespace: namespace.metadata.name,
            labels: POD_LABELS,
          },
          spec: {
            type: "NodePort",
            selector: POD_LABELS,
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
      ),
    );
  }

  /** Server-wide: no PUBLIC CONNECT or TEMP on the maintenance databases. */
  private createServerHardening(name: string, server: DatabaseServer): SqlStatements {
    return new SqlStatements(
      `${name}-server-hardening`,
      { connection: adminConnection(server.admin), statements: serverHardeningSql() },
      { parent: this, dependsOn: server.ready },
    );
  }
}

/** Labels of the in-cluster postgres pods, which its Services and NetworkPolicy select. */
const POD_LABELS: Readonly<Record<string, string>> = {
  "app.kubernetes.io/name": "postgres",
  "app.kubernetes.io/part-of": "agent-cloud",
};

/** The in-cluster server as tenants (the ClusterIP Service) and the admin (the node port) see it. */
function inClusterDatabaseServer(
  args: ResolvedInClusterArgs,
  children: InClusterServerChildren,
): DatabaseServer {
  const namespace = databaseNamespace(args.environment);
  return {
    host: `${POSTGRES_SERVICE}.${namespace}.svc.${args.clusterDomain}`,
    port: POSTGRES_PORT,
    // The official image serves no TLS; traffic stays inside the cluster network.
    sslmode: "disable",
    peer: { namespace, podLabels: POD_LABELS, port: POSTGRES_PORT },
    admin: {
      host: args.adminHost,
      port: args.adminPort,
      user: "postgres",
      password: children.adminPassword.result,
      database: "postgres",
      sslmode: "disable",
      superuser: true,
    },
    // Kubernetes' await logic holds the StatefulSet until postgres answers pg_isready.
    ready:
      children.adminService === undefined
        ? [children.statefulSet]
        : [children.statefulSet, children.adminService],
  };
}
