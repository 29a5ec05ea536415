/**
 * Scheduled logical backups of every tenant database of an environment: a namespace of their
 * own (so removing a tenant, or its namespace, never removes its backups), a Secret with each
 * tenant's DATABASE_URL, one CronJob that dumps them all, and where the dumps go (a
 * PersistentVolumeClaim, or an S3-compatible bucket).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  DEFAULT_BACKUP_VOLUME_SIZE,
  DEFAULT_DUMP_TIMEOUT_MINUTES,
  MAX_DUMP_TIMEOUT_MINUTES,
} from "../../model/database-defaults";
import { showReceived } from "../../model/rules/config-problem";
import { backupImageProblem, mcImageProblem } from "../../model/rules/backup-images";
import { assertNoProblems } from "../component-args-error";
import { POD_SECURITY_RESTRICTED } from "../tenant/labels";
import {
  clusterDnsEgress,
  type DatabasePeer,
  databasePeers,
  PUBLIC_INTERNET,
} from "../tenant/network-policy";
import { applyTransform, type Transform } from "../transform";
import {
  type BackupTarget,
  backupCronJobSpec,
  backupObjectFolder,
  backupPodSpec,
  dumpLimits,
  type DumpLimits,
  retentionDaysProblems,
} from "./backup-job";
import { backupsNamespace, DNS_LABEL } from "../../model/names";
import { TENANT_BACKUPS, tenantBackupsLabels } from "./backups-peer";

export const TENANT_BACKUPS_TYPE = "agent-cloud:data:TenantBackups";

/** Where the dumps go, as configured; a bucket's objects are under the environment's folder. */
export type TenantBackupTarget =
  | {
      readonly kind: "volume";
      /** @default DEFAULT_BACKUP_VOLUME_SIZE ("10Gi", model/database-defaults.ts) */
      readonly size?: string;
      /** @default the cluster's default StorageClass */
      readonly storageClass?: string;
    }
  | {
      readonly kind: "s3";
      readonly endpoint: string;
      readonly bucket: string;
      /**
       * Folder above the environment's: the dumps go to `{prefix}/{environment}/{id}/`
       * (`{environment}/{id}/` when empty, see backupObjectFolder). @default ""
       */
      readonly prefix?: string;
      /** Secret (created by the operator in the backups namespace) with the access keys. */
      readonly credentialsSecret: string;
      /** An image with the MinIO client `mc`, pinned by a version tag or a digest. */
      readonly mcImage: string;
    };

/** Adjust TenantBackups' children before they are registered. */
export interface TenantBackupsTransforms {
  /** The CronJob (schedule settings, history limits, pod resources). */
  readonly cronJob?: Transform<k8s.batch.v1.CronJobArgs>;
  /** The dumps' PersistentVolumeClaim (volume target only). */
  readonly volume?: Transform<k8s.core.v1.PersistentVolumeClaimArgs>;
  /** The backups namespace's NetworkPolicy. */
  readonly networkPolicy?: Transform<k8s.networking.v1.NetworkPolicyArgs>;
}

export interface TenantBackupsArgs {
  /** Environment name; it names the namespace (`{environment}-backups`). */
  readonly environment: string;
  /** Each tenant's id and DATABASE_URL (secret). */
  readonly tenants: readonly { readonly id: string; readonly databaseUrl: pulumi.Input<string> }[];
  /** Cron schedule, UTC. */
  readonly schedule: string;
  /**
   * A tenant's dumps older than this many days are deleted after a run that dumped it (1 or
   * more); its newest dump, and every dump of a tenant no longer listed, are kept.
   */
  readonly retentionDays: number;
  /**
   * How long one tenant's dump may run before it is stopped and fails (1 to {@link MAX_DUMP_TIMEOUT_MINUTES} minutes); the
   * other tenants are still dumped. @default 60
   */
  readonly dumpTimeoutMinutes?: number;
  /**
   * PostgreSQL image for pg_dump and pg_restore (at least the server's major version), pinned by
   * a version tag or a digest.
   */
  readonly image: string;
  readonly target: TenantBackupTarget;
  /** Where the database is, for the backups namespace's only egress besides DNS. */
  readonly database: DatabasePeer;
  /** Adjust the children before they are registered. @default none */
  readonly transform?: TenantBackupsTransforms;
}

/** TenantBackups' args, checked, with the namespace, labels and dump target decided. */
export interface ResolvedTenantBackupsArgs {
  readonly environment: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly tenants: TenantBackupsArgs["tenants"];
  readonly schedule: string;
  readonly retentionDays: number;
  readonly dumpLimits: DumpLimits;
  readonly image: string;
  /** The volume's claim, for a volume target. */
  readonly volume: { readonly size: string; readonly storageClass?: string } | undefined;
  /** Where the pod writes its dumps. */
  readonly podTarget: BackupTarget;
  readonly database: DatabasePeer;
  readonly transform: TenantBackupsTransforms;
}

/** Name of the Secret with each tenant's DATABASE_URL. */
const URLS_SECRET = "tenant-database-urls";

/** A problem when `problem` refuses the image at `field`, showing what was received. */
function imageProblems(
  field: string,
  image: string,
  problem: (image: string) => string | undefined,
): string[] {
  const found = problem(image);
  return found === undefined ? [] : [`${field} ${showReceived(image)}: ${found}`];
}

/**
 * The args checked (every problem in one ComponentArgsError, before anything is registered):
 * the retention, the images pinned (model/rules/backup-images.ts), and tenant ids that are DNS
 * labels and unique (each is a key of the URL Secret and a dump's name).
 */
export function resolveTenantBackupsArgs(
  name: string,
  args: TenantBackupsArgs,
): ResolvedTenantBackupsArgs {
  const seen = new Set<string>();
  const tenantProblems = args.tenants.flatMap((tenant, index) => {
    const problems = !DNS_LABEL.test(tenant.id)
      ? [`tenants[${index}].id "${tenant.id}": must be a DNS label (a-z, 0-9, '-')`]
      : seen.has(tenant.id)
        ? [`tenants[${index}].id "${tenant.id}": is listed twice`]
        : [];
    seen.add(tenant.id);
    return problems;
  });
  const minutes = args.dumpTimeoutMinutes ?? DEFAULT_DUMP_TIMEOUT_MINUTES;
  assertNoProblems("TenantBackups", name, [
    ...retentionDaysProblems(args.retentionDays),
    ...(Number.isInteger(minutes) && minutes >= 1 && minutes <= MAX_DUMP_TIMEOUT_MINUTES
      ? []
      : [
          `dumpTimeoutMinutes ${minutes}: must be a whole number of minutes from 1 to ${MAX_DUMP_TIMEOUT_MINUTES}`,
        ]),
    ...imageProblems("image", args.image, backupImageProblem),
    ...(args.target.kind === "s3"
      ? imageProblems("target.mcImage", args.target.mcImage, mcImageProblem)
      : []),
    ...tenantProblems,
  ]);
  const target = args.target;
  return {
    environment: args.environment,
    namespace: backupsNamespace(args.environment),
    labels: tenantBackupsLabels(args.environment),
    tenants: args.tenants,
    schedule: args.schedule,
    retentionDays: args.retentionDays,
    dumpLimits: dumpLimits(minutes),
    image: args.image,
    volume:
      target.kind === "volume"
        ? { size: target.size ?? DEFAULT_BACKUP_VOLUME_SIZE, storageClass: target.storageClass }
        : undefined,
    podTarget:
      target.kind === "volume"
        ? { kind: "volume", claimName: TENANT_BACKUPS }
        : {
            kind: "s3",
            endpoint: target.endpoint,
            bucket: target.bucket,
            folder: backupObjectFolder(target.prefix ?? "", args.environment),
            credentialsSecret: target.credentialsSecret,
            mcImage: target.mcImage,
          },
    database: args.database,
    transform: args.transform ?? {},
  };
}

export class TenantBackups extends pulumi.ComponentResource {
  /** The namespace the dumps (volume target) and the CronJob live in. */
  public readonly namespace: string;
  /** The CronJob's name, for `kubectl create job --from=cronjob/...`. */
  public readonly cronJobName: string;
  /** The CronJob that dumps every tenant database. */
  public readonly cronJob: k8s.batch.v1.CronJob;
  /** The dumps' volume claim (volume target); undefined for a bucket. */
  public readonly volume: k8s.core.v1.PersistentVolumeClaim | undefined;
  /** The Secret with each tenant's DATABASE_URL. */
  public readonly urlsSecret: k8s.core.v1.Secret;

  constructor(name: string, args: TenantBackupsArgs, opts?: pulumi.ComponentResourceOptions) {
    const resolved = resolveTenantBackupsArgs(name, args);
    super(TENANT_BACKUPS_TYPE, name, {}, opts);
    const namespace = this.createNamespace(name, resolved);
    const inNamespace = { parent: this, dependsOn: [namespace] };
    this.createNetworkPolicy(name, resolved, inNamespace);
    this.urlsSecret = this.createUrlsSecret(name, resolved, inNamespace);
    this.volume = this.createVolume(name, resolved, inNamespace);
    this.cronJob = this.createCronJob(name, resolved, namespace, this.urlsSecret);
    this.namespace = resolved.namespace;
    this.cronJobName = TENANT_BACKUPS;
    this.registerOutputs({ namespace: this.namespace, cronJobName: this.cronJobName });
  }

  private createNamespace(name: string, args: ResolvedTenantBackupsArgs): k8s.core.v1.Namespace {
    return new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: {
          name: args.namespace,
          labels: { ...args.labels, ...POD_SECURITY_RESTRICTED },
        },
      },
      { parent: this },
    );
  }

  /**
   * Deny by default; out only to the cluster DNS pods (the tenants' own rule), the database and
   * (for a bucket) HTTPS.
   */
  private createNetworkPolicy(
    name: string,
    args: ResolvedTenantBackupsArgs,
    inNamespace: pulumi.CustomResourceOptions,
  ): k8s.networking.v1.NetworkPolicy {
    const childName = `${name}-network`;
    const toBucket = args.podTarget.kind === "s3";
    return new k8s.networking.v1.NetworkPolicy(
      childName,
      ...applyTransform(
        args.transform.networkPolicy,
        childName,
        {
          metadata: { name: TENANT_BACKUPS, namespace: args.namespace, labels: args.labels },
          spec: {
            podSelector: {},
            policyTypes: ["Ingress", "Egress"],
            ingress: [],
            egress: [
              clusterDnsEgress(),
              {
                to: databasePeers(args.database),
                ports: [{ protocol: "TCP", port: args.database.port }],
              },
              ...(toBucket
                ? [{ to: [PUBLIC_INTERNET], ports: [{ protocol: "TCP", port: 443 }] }]
                : []),
            ],
          },
        },
        { ...inNamespace },
      ),
    );
  }

  private createUrlsSecret(
    name: string,
    args: ResolvedTenantBackupsArgs,
    inNamespace: pulumi.CustomResourceOptions,
  ): k8s.core.v1.Secret {
    return new k8s.core.v1.Secret(
      `${name}-urls`,
      {
        metadata: { name: URLS_SECRET, namespace: args.namespace, labels: args.labels },
        type: "Opaque",
        stringData: pulumi.secret(
          pulumi.all(Object.fromEntries(args.tenants.map((t) => [t.id, t.databaseUrl]))),
        ),
      },
      inNamespace,
    );
  }

  private createVolume(
    name: string,
    args: ResolvedTenantBackupsArgs,
    inNamespace: pulumi.CustomResourceOptions,
  ): k8s.core.v1.PersistentVolumeClaim | undefined {
    if (args.volume === undefined) return undefined;
    const childName = `${name}-volume`;
    return new k8s.core.v1.PersistentVolumeClaim(
      childName,
      ...applyTransform(
        args.transform.volume,
        childName,
        {
          metadata: { name: TENANT_BACKUPS, namespace: args.namespace, labels: args.labels },
          spec: {
            accessModes: ["ReadWriteOnce"],
            storageClassName: args.volume.storageClass,
            resources: { requests: { storage: args.volume.size } },
          },
        },
        // Dumps outlive a mistaken config change: the claim is kept when removed from the program.
        { ...inNamespace, retainOnDelete: true },
      ),
    );
  }

  private createCronJob(
    name: string,
    args: ResolvedTenantBackupsArgs,
    namespace: k8s.core.v1.Namespace,
    urlsSecret: k8s.core.v1.Secret,
  ): k8s.batch.v1.CronJob {
    const childName = `${name}-cronjob`;
    const pod = backupPodSpec({
      image: args.image,
      retentionDays: args.retentionDays,
      dumpLimits: args.dumpLimits,
      urlsSecret: URLS_SECRET,
      target: args.podTarget,
    });
    return new k8s.batch.v1.CronJob(
      childName,
      ...applyTransform(
        args.transform.cronJob,
        childName,
        {
          metadata: { name: TENANT_BACKUPS, namespace: args.namespace, labels: args.labels },
          spec: backupCronJobSpec(
            args.schedule,
            pod,
            args.labels,
            args.tenants.length,
            args.dumpLimits,
          ),
        },
        { parent: this, dependsOn: [namespace, urlsSecret] },
      ),
    );
  }
}
