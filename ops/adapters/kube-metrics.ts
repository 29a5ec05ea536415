/**
 * CPU and memory of pods from the metrics API (metrics.k8s.io, served by metrics-server where the
 * cluster has it), behind {@link MetricsSource}; {@link KubernetesMetricsSource} is the real one.
 */
import type * as Client from "@kubernetes/client-node" with { "resolution-mode": "import" };
import { quantityValue } from "../../model/quantity";

/** CPU (millicores) and memory (bytes) in use by a set of pods, summed. */
export interface PodUsage {
  readonly cpuMillicores: number;
  readonly memoryBytes: number;
}

/** Reads pod usage from metrics.k8s.io. */
export interface MetricsSource {
  /** Summed usage of the pods matching `labelSelector`; throws when the API is not there. */
  podUsage(namespace: string, labelSelector: string): Promise<PodUsage>;
}

/** A Kubernetes quantity (`250m`, `12345678n`, `512Mi`) as a number of units. */
export function parseQuantity(text: string): number {
  return quantityValue(text.trim());
}

/** metrics.k8s.io through @kubernetes/client-node, with the current kubeconfig context. */
export class KubernetesMetricsSource implements MetricsSource {
  #metrics?: Promise<Client.Metrics>;

  async podUsage(namespace: string, labelSelector: string): Promise<PodUsage> {
    this.#metrics ??= import("@kubernetes/client-node").then((k8s) => {
      const config = new k8s.KubeConfig();
      config.loadFromDefault();
      return new k8s.Metrics(config);
    });
    const list = await (await this.#metrics).getPodMetrics(namespace);
    const [key, value] = labelSelector.split("=");
    let cpu = 0;
    let memory = 0;
    for (const pod of list.items) {
      if (key !== undefined && pod.metadata.labels?.[key] !== value) continue;
      for (const container of pod.containers) {
        cpu += parseQuantity(container.usage.cpu) * 1000;
        memory += parseQuantity(container.usage.memory);
      }
    }
    return { cpuMillicores: Math.round(cpu), memoryBytes: Math.round(memory) };
  }
}
