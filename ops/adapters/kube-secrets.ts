/**
 * Reading a tenant's Secret (its DATABASE_URL, its API key) from the cluster, behind
 * {@link SecretReader}; {@link KubernetesSecretReader} uses the current kubeconfig context.
 * Values read here are never printed unless a command is told to.
 */
import type * as Client from "@kubernetes/client-node" with { "resolution-mode": "import" };
import { tenantNamespace } from "../../model/names";
import { OpsError } from "../errors";

/** Reads one Secret's data, decoded. */
export interface SecretReader {
  /** The Secret's keys and values; throws when it does not exist or may not be read. */
  read(namespace: string, name: string): Promise<Record<string, string>>;
}

/** Through the Kubernetes API (`get secrets` in the tenant's namespace is needed). */
export class KubernetesSecretReader implements SecretReader {
  #api?: Promise<Client.CoreV1Api>;

  private api() {
    this.#api ??= import("@kubernetes/client-node").then((k8s) => {
      const config = new k8s.KubeConfig();
      config.loadFromDefault();
      return config.makeApiClient(k8s.CoreV1Api);
    });
    return this.#api;
  }

  async read(namespace: string, name: string): Promise<Record<string, string>> {
    const secret = await (await this.api()).readNamespacedSecret({ name, namespace });
    return Object.fromEntries(
      Object.entries(secret.data ?? {}).map(([key, value]) => [
        key,
        Buffer.from(value, "base64").toString("utf8"),
      ]),
    );
  }
}

/** The Secret the platform gives each tenant's app: `sp-{id}-env` (components/tenant/tenant-app.ts). */
function tenantSecretName(tenantId: string): string {
  return `sp-${tenantId}-env`;
}

/** A tenant's Secret as read: where it is, and its data. */
export interface TenantSecret {
  readonly namespace: string;
  readonly name: string;
  readonly data: Record<string, string>;
}

/**
 * Reads the Secret of `tenantId` in `environment`; a failure says which Secret, what it was read
 * for (`purpose`, e.g. "the tenant's DATABASE_URL") and the API's first line of error.
 */
export async function readTenantSecret(
  reader: SecretReader,
  environment: string,
  tenantId: string,
  purpose?: string,
): Promise<TenantSecret> {
  const namespace = tenantNamespace(environment, tenantId);
  const name = tenantSecretName(tenantId);
  try {
    return { namespace, name, data: await reader.read(namespace, name) };
  } catch (error) {
    const readFor = purpose === undefined ? "" : ` (${purpose})`;
    throw new OpsError(
      `cannot read Secret ${name} in namespace ${namespace}${readFor} with the current kubeconfig context: ${(error as Error).message.split("\n")[0]}`,
    );
  }
}
