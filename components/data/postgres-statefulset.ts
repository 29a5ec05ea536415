import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { POSTGRES_PORT } from "../../model/database-defaults";
import {
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
} from "../kubernetes/security";

/** uid/gid of the `postgres` user in the official Debian-based image (the backup Job's too). */
export const POSTGRES_UID = 999;
/** Key of the admin password in the admin Secret (the image reads POSTGRES_PASSWORD). */
export const ADMIN_PASSWORD_KEY = "POSTGRES_PASSWORD";
/**
 * Mount point of the data volume: exactly the image's `VOLUME /var/lib/postgresql/data`. A claim
 * mounted anywhere else leaves that VOLUME to the container runtime, which puts an anonymous,
 * per-container volume over PGDATA, and the data is gone at the next restart.
 */
export const DATA_MOUNT = "/var/lib/postgresql/data";
/**
 * PGDATA sits one level below the volume root: initdb refuses a non-empty directory, and many
 * provisioners put `lost+found` at the root. Set explicitly so the directory never depends on
 * the image's default.
 */
export const PGDATA = `${DATA_MOUNT}/pgdata`;

export interface PostgresStatefulSetInput {
  /** Official postgres image, pinned (version tag or digest). */
  readonly image: string;
  /** Size of the data volume's claim. */
  readonly storageSize: string;
  /** StorageClass of the data volume. @default the cluster's default class */
  readonly storageClass?: string;
  /** Secret holding {@link ADMIN_PASSWORD_KEY}. */
  readonly adminSecretName: pulumi.Input<string>;
  /** Name of the Service that governs the StatefulSet. */
  readonly serviceName: string;
  /** Labels of the pods and the claim; the selector matches them. */
  readonly labels: Readonly<Record<string, string>>;
  /** Requests and limits of the postgres container. */
  readonly resources: k8s.types.input.core.v1.ResourceRequirements;
  /** Server settings passed as `-c name=value` (max_connections, authentication_timeout). @default {} */
  readonly settings?: Readonly<Record<string, string>>;
}

const PG_ISREADY = ["pg_isready", "-U", "postgres", "-h", "127.0.0.1", "-p", String(POSTGRES_PORT)];

/**
 * One PostgreSQL pod with a persistent volume. It runs as the image's `postgres` uid from the
 * start (the entrypoint supports that), which is what lets it pass Pod Security `restricted`:
 * no root, no capabilities, read-only root filesystem with emptyDirs where postgres writes
 * outside PGDATA (its socket directory, /tmp, shared memory).
 */
export function postgresStatefulSetSpec(
  input: PostgresStatefulSetInput,
): k8s.types.input.apps.v1.StatefulSetSpec {
  return {
    replicas: 1,
    serviceName: input.serviceName,
    selector: { matchLabels: { ...input.labels } },
    updateStrategy: { type: "RollingUpdate" },
    // Deleting or scaling down the StatefulSet must never take the data with it.
    persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
    template: {
      metadata: { labels: { ...input.labels } },
      spec: {
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: {
          ...restrictedPodSecurityContext(POSTGRES_UID),
          fsGroupChangePolicy: "OnRootMismatch",
        },
        terminationGracePeriodSeconds: 60,
        containers: [
          {
            name: "postgres",
            image: input.image,
            // The image's entrypoint passes these on to postgres.
            args: [
              "postgres",
              ...Object.entries(input.settings ?? {}).flatMap(([k, v]) => ["-c", `${k}=${v}`]),
            ],
            ports: [{ name: "postgres", containerPort: POSTGRES_PORT, protocol: "TCP" }],
            env: [
              {
                name: ADMIN_PASSWORD_KEY,
                valueFrom: {
                  secretKeyRef: { name: input.adminSecretName, key: ADMIN_PASSWORD_KEY },
                },
              },
              { name: "PGDATA", value: PGDATA },
            ],
            resources: input.resources,
            securityContext: restrictedContainerSecurityContext(POSTGRES_UID),
            startupProbe: {
              exec: { command: PG_ISREADY },
              periodSeconds: 5,
              failureThreshold: 60,
              timeoutSeconds: 3,
            },
            readinessProbe: {
              exec: { command: PG_ISREADY },
              periodSeconds: 10,
              timeoutSeconds: 3,
              failureThreshold: 3,
            },
            livenessProbe: {
              exec: { command: PG_ISREADY },
              periodSeconds: 20,
              timeoutSeconds: 5,
              failureThreshold: 6,
            },
            // Kubernetes sends SIGTERM, which postgres treats as a "smart" shutdown that waits
            // for every client to leave; tenants' pools never do, so the pod would be killed
            // and recover from WAL. A fast shutdown checkpoints and exits cleanly.
            lifecycle: {
              preStop: { exec: { command: ["pg_ctl", "stop", "-D", PGDATA, "-m", "fast", "-w"] } },
            },
            volumeMounts: [
              { name: "data", mountPath: DATA_MOUNT },
              { name: "run", mountPath: "/var/run/postgresql" },
              { name: "tmp", mountPath: "/tmp" },
              { name: "shm", mountPath: "/dev/shm" },
            ],
          },
        ],
        volumes: [
          { name: "run", emptyDir: { sizeLimit: "16Mi" } },
          { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
          // The default 64 MiB /dev/shm is too small for parallel queries.
          { name: "shm", emptyDir: { medium: "Memory", sizeLimit: "256Mi" } },
        ],
      },
    },
    volumeClaimTemplates: [
      {
        metadata: { name: "data", labels: { ...input.labels } },
        spec: {
          accessModes: ["ReadWriteOnce"],
          resources: { requests: { storage: input.storageSize } },
          ...(input.storageClass !== undefined ? { storageClassName: input.storageClass } : {}),
        },
      },
    ],
  };
}
