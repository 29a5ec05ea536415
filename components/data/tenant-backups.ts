/**
 * Scheduled logical backups of every tenant database of an environment: a namespace of their
 * own (so removing a tenant, or its namespace, never removes its backups), a Secret with each
 * tenant's DATABASE_URL, one CronJob that dumps them all, and where the dumps go (a
 * PersistentVolumeClaim, or an S3-compatible bucket).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NAMESPACE_NAME_LABEL, POD_SECURITY_RESTRICTED } from "../tenant/labels";
import { type DatabasePeer, databasePeers, PUBLIC_INTERNET } from "../tenant/network-policy";
import { backupCronJobSpec, backupPodSpec } from "./backup-job";

export const TENANT_BACKUPS_TYPE = "agent-cloud:data:TenantBackups";

/** Where the dumps go, as configured. */
export type TenantBackupTarget =
  | {
      readonly kind: "volume";
      /** @default "10Gi" */
      readonly size?: string;
      /** @default the cluster's default StorageClass */
      readonly storageClass?: string;
    }
  | {
      readonly kind: "s3";
      readonly endpoint: string;
      readonly bucket: string;
      /** @default "" */
      readonly prefix?: string;
      /** Secret (created by the operator in the backups namespace) with the access keys. */
      readonly credentialsSecret: string;
      readonly mcImage: string;
    };

export interface TenantBackupsArgs {
  readonly environment: string;
  /** Each tenant's id and DATABASE_URL (secret). */
  readonly tenants: readonly { readonly id: string; readonly databaseUrl: pulumi.Input<string> }[];
  /** Cron schedule, UTC. */
  readonly schedule: string;
  readonly retentionDays: number;
  /** PostgreSQL image for pg_dump (at least the server's major version). */
  readonly image: string;
  readonly target: TenantBackupTarget;
  /** Where the database is, for the backups namespace's only egress besides DNS. */
  readonly database: DatabasePeer;
}

/** The namespace of an environment's backups. */
export function backupsNamespace(environment: string): string {
  return `${environment}-backups`;
}

export class TenantBackups extends pulumi.ComponentResource {
  /** The namespace the dumps (volume target) and the CronJob live in. */
  public readonly namespace: string;
  /** The CronJob's name, for `kubectl create job --from=cronjob/...`. */
  public readonly cronJobName: string;

  constructor(name: string, args: TenantBackupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TENANT_BACKUPS_TYPE, name, {}, opts);
    const child = { parent: this };
    const namespace = backupsNamespace(args.environment);
    const labels = {
      "app.kubernetes.io/name": "tenant-backups",
      "app.kubernetes.io/part-of": "agent-cloud",
      "agent-cloud.io/environment": args.environment,
    };
    const ns = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      { metadata: { name: namespace, labels: { ...labels, ...POD_SECURITY_RESTRICTED } } },
      child,
    );
    const inNs = { parent: this, dependsOn: [ns] };

    const s3 = args.target.kind === "s3";
    new k8s.networking.v1.NetworkPolicy(
      `${name}-network`,
      {
        metadata: { name: "tenant-backups", namespace, labels },
        spec: {
          podSelector: {},
          policyTypes: ["Ingress", "Egress"],
          ingress: [],
          egress: [
            {
              to: [
                { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: "kube-system" } } },
              ],
              ports: [
                { protocol: "UDP", port: 53 },
                { protocol: "TCP", port: 53 },
              ],
            },
            {
              to: databasePeers(args.database),
              ports: [{ protocol: "TCP", port: args.database.port }],
            },
            ...(s3 ? [{ to: [PUBLIC_INTERNET], ports: [{ protocol: "TCP", port: 443 }] }] : []),
          ],
        },
      },
      inNs,
    );

    const urls = new k8s.core.v1.Secret(
      `${name}-urls`,
      {
        metadata: { name: "tenant-database-urls", namespace, labels },
        type: "Opaque",
        stringData: pulumi.secret(
          pulumi.all(Object.fromEntries(args.tenants.map((t) => [t.id, t.databaseUrl]))),
        ),
      },
      inNs,
    );

    let claimName = "";
    if (args.target.kind === "volume") {
      new k8s.core.v1.PersistentVolumeClaim(
        `${name}-volume`,
        {
          metadata: { name: "tenant-backups", namespace, labels },
          spec: {
            accessModes: ["ReadWriteOnce"],
            storageClassName: args.target.storageClass,
            resources: { requests: { storage: args.target.size ?? "10Gi" } },
          },
        },
        // Dumps outlive a mistaken config change: the claim is kept when removed from the program.
        { ...inNs, retainOnDelete: true },
      );
      claimName = "tenant-backups";
    }

    const pod = backupPodSpec({
      image: args.image,
      retentionDays: args.retentionDays,
      urlsSecret: "tenant-database-urls",
      target:
        args.target.kind === "volume"
          ? { kind: "volume", claimName }
          : {
              kind: "s3",
              endpoint: args.target.endpoint,
              bucket: args.target.bucket,
              prefix: args.target.prefix ?? "",
              credentialsSecret: args.target.credentialsSecret,
              mcImage: args.target.mcImage,
            },
    });
    this.cronJobName = "tenant-backups";
    new k8s.batch.v1.CronJob(
      `${name}-cronjob`,
      {
        metadata: { name: this.cronJobName, namespace, labels },
        spec: backupCronJobSpec(args.schedule, pod, labels),
      },
      { parent: this, dependsOn: [ns, urls] },
    );
    this.namespace = namespace;
    this.registerOutputs({ namespace: this.namespace, cronJobName: this.cronJobName });
  }
}
