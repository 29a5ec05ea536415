/**
 * {@link LogSource} over the Kubernetes API with `@kubernetes/client-node`, using the current
 * kubeconfig context (KUBECONFIG or ~/.kube/config), as kubectl would.
 */
import { Writable } from "node:stream";
import type * as Client from "@kubernetes/client-node" with { "resolution-mode": "import" };
import type { LogSource, LogStreamOptions, PodInfo } from "./logs";

/** Lists a tenant's pods and streams their logs through the Kubernetes API. */
export class KubernetesLogSource implements LogSource {
  // The client is an ES module and slow to load: imported only when logs are actually read.
  #client?: Promise<{ k8s: typeof Client; config: Client.KubeConfig }>;

  private connect() {
    this.#client ??= import("@kubernetes/client-node").then((k8s) => {
      const config = new k8s.KubeConfig();
      config.loadFromDefault();
      return { k8s, config };
    });
    return this.#client;
  }

  async listPods(namespace: string, labelSelector: string): Promise<PodInfo[]> {
    const { k8s, config } = await this.connect();
    const api = config.makeApiClient(k8s.CoreV1Api);
    const list = await api.listNamespacedPod({ namespace, labelSelector });
    return list.items
      .map((pod) => ({
        name: pod.metadata?.name ?? "",
        containers: (pod.spec?.containers ?? []).map((c) => c.name),
        phase: pod.status?.phase,
      }))
      .filter((pod) => pod.name !== "")
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async stream(
    namespace: string,
    pod: string,
    container: string,
    options: LogStreamOptions,
    onText: (chunk: string) => void,
  ): Promise<void> {
    const { k8s, config } = await this.connect();
    const sink = new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        onText(typeof chunk === "string" ? chunk : chunk.toString("utf8"));
        done();
      },
    });
    const ended = new Promise<void>((resolve, reject) => {
      sink.on("finish", resolve);
      sink.on("error", reject);
    });
    await new k8s.Log(config).log(namespace, pod, container, sink, {
      follow: options.follow,
      tailLines: options.tailLines,
    });
    await ended;
  }
}
