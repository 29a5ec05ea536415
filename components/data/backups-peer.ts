/**
 * Who an environment's backups are on the network: the namespace TenantBackups runs in and the
 * labels it stamps on its pods. The in-cluster database's NetworkPolicy admits exactly this peer,
 * so the labels are written here once for both.
 */
import type * as k8s from "@pulumi/kubernetes";
import { backupsNamespace } from "../../model/names";
import { ENVIRONMENT_LABEL, NAMESPACE_NAME_LABEL } from "../tenant/labels";

/** Name of the backups' CronJob, NetworkPolicy and volume claim, and their pods' app name. */
export const TENANT_BACKUPS = "tenant-backups";

/** Labels of the backups' objects and of the pods their CronJob starts. */
export function tenantBackupsLabels(environment: string): Readonly<Record<string, string>> {
  return {
    "app.kubernetes.io/name": TENANT_BACKUPS,
    "app.kubernetes.io/part-of": "agent-cloud",
    [ENVIRONMENT_LABEL]: environment,
  };
}

/**
 * The backup pods as a NetworkPolicy peer: their namespace by its name (the API server's
 * `kubernetes.io/metadata.name`, which no one can set to another value) and their labels.
 */
export function tenantBackupsPeer(
  environment: string,
): k8s.types.input.networking.v1.NetworkPolicyPeer {
  return {
    namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: backupsNamespace(environment) } },
    podSelector: { matchLabels: { ...tenantBackupsLabels(environment) } },
  };
}
