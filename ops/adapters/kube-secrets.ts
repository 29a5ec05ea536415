/**
 * Reading a tenant's Secret (its DATABASE_URL, its API key) from the cluster, behind
 * {@link SecretReader}; {@link KubernetesSecretReader} uses the current kubeconfig context.
 * Values read here are never printed unless a command is told to.
 */
import type * as Client from "@kubernetes/client-node" with { "resolution-mode": "import" };

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
      Object.entries(secret.data ?? {}).map(([k, v]) => [
        k,
        Buffer.from(v, "base64").toString("utf8"),
      ]),
    );
  }
}

/** The Secret the platform gives each tenant's app: `sp-{id}-env` (components/tenant/tenant-app.ts). */
export function tenantSecretName(tenantId: string): string {
  return `sp-${tenantId}-env`;
}
