/**
 * A tenant's pre-release migration: a Job that runs the new image's migration command with the
 * tenant's own env and DATABASE_URL, and must succeed before the Deployment rolls. Its name
 * carries a hash of image and command, so a new image (or command) is a new Job, and re-running
 * the same release reuses the finished one instead of migrating twice. A suspended tenant has no
 * Job (TenantApp), so resuming runs the current image's migration once more.
 */
import { createHash } from "node:crypto";
import type * as k8s from "@pulumi/kubernetes";
import { tenantServiceName } from "../../model/names";
import { TENANT_LABEL } from "./labels";

/** `sp-{id}-migrate-{10 hex}`: at most 63 characters for a 40-character tenant id. */
export function migrationJobName(
  tenantId: string,
  image: string,
  command: readonly string[],
): string {
  const hash = createHash("sha256")
    .update(JSON.stringify([image, command]))
    .digest("hex")
    .slice(0, 10);
  return `${tenantServiceName(tenantId)}-migrate-${hash}`;
}

/** Labels of the migration pods; `ops logs --migrations` selects on the name. */
export function migrationLabels(tenantId: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": `${tenantServiceName(tenantId)}-migrate`,
    "app.kubernetes.io/component": "migration",
    "app.kubernetes.io/part-of": "agent-cloud",
    [TENANT_LABEL]: tenantId,
  };
}

/** The Job: one attempt (a failed migration is for a person to read, not to retry blindly). */
export function migrationJobSpec(input: {
  readonly tenantId: string;
  readonly container: k8s.types.input.core.v1.Container;
  readonly podSecurity: k8s.types.input.core.v1.PodSecurityContext;
  readonly volumes: k8s.types.input.core.v1.Volume[];
  /** @default 1800 */
  readonly deadlineSeconds?: number;
}): k8s.types.input.batch.v1.JobSpec {
  const labels = migrationLabels(input.tenantId);
  return {
    backoffLimit: 0,
    activeDeadlineSeconds: input.deadlineSeconds ?? 1800,
    template: {
      metadata: { labels },
      spec: {
        restartPolicy: "Never",
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: input.podSecurity,
        containers: [input.container],
        volumes: input.volumes,
      },
    },
  };
}
