/**
 * {@link LogSource} over the Kubernetes API with `@kubernetes/client-node`, using the current
 * kubeconfig context (KUBECONFIG or ~/.kube/config), as kubectl would.
 */
import * as http from "node:http";
import * as https from "node:https";
import type * as Client from "@kubernetes/client-node" with { "resolution-mode": "import" };
import type { LogSource, LogStreamOptions, PodEvent, PodInfo } from "../plans/pod-logs";

interface RawPod {
  metadata?: { name?: string };
  spec?: { containers?: { name: string }[] };
  status?: { phase?: string };
}

function podInfo(pod: RawPod): PodInfo {
  return {
    name: pod.metadata?.name ?? "",
    containers: (pod.spec?.containers ?? []).map((c) => c.name),
    phase: pod.status?.phase,
  };
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });

/** Lists and watches a tenant's pods and streams their logs through the Kubernetes API. */
export class KubernetesLogSource implements LogSource {
  // The client is an ES module and slow to load: imported only when logs are actually read.
  #client?: Promise<{ k8s: typeof Client; config: Client.KubeConfig }>;

  constructor(
    /** Pause before watching again after the server closed a watch (it does every few minutes). */
    private readonly rewatchDelayMs = 1000,
  ) {}

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
      .map(podInfo)
      .filter((pod) => pod.name !== "")
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async watchPods(
    namespace: string,
    labelSelector: string,
    onEvent: (event: PodEvent) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const { k8s, config } = await this.connect();
    while (!signal.aborted) {
      // Without a resourceVersion the server first sends every matching pod as ADDED.
      await new Promise<void>((resolve, reject) => {
        new k8s.Watch(config)
          .watch(
            `/api/v1/namespaces/${namespace}/pods`,
            { labelSelector },
            (type: string, object: RawPod) => {
              if (type === "ADDED" || type === "MODIFIED" || type === "DELETED") {
                const pod = podInfo(object);
                if (pod.name !== "") onEvent({ type, pod });
              }
            },
            (error: unknown) =>
              error === null || error === undefined || signal.aborted
                ? resolve()
                : reject(error as Error),
          )
          .then((controller) => {
            if (signal.aborted) controller.abort();
            else signal.addEventListener("abort", () => controller.abort(), { once: true });
          }, reject);
      });
      await sleep(this.rewatchDelayMs, signal);
    }
  }

  /**
   * Reads `/pods/{pod}/log` with node's http(s) and the kubeconfig's credentials, rather than the
   * client's `Log`, whose aborted body stream raises an error nobody can catch.
   */
  async stream(
    namespace: string,
    pod: string,
    container: string,
    options: LogStreamOptions,
    onText: (chunk: string) => void,
  ): Promise<void> {
    const { config } = await this.connect();
    const cluster = config.getCurrentCluster();
    if (cluster === null) throw new Error("the kubeconfig has no current cluster");
    const url = new URL(
      `${cluster.server.replace(/\/+$/, "")}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`,
    );
    url.searchParams.set("container", container);
    if (options.follow) url.searchParams.set("follow", "true");
    if (options.tailLines !== undefined)
      url.searchParams.set("tailLines", String(options.tailLines));
    if (options.sinceSeconds !== undefined)
      url.searchParams.set("sinceSeconds", String(options.sinceSeconds));
    const requestOptions: https.RequestOptions = { method: "GET", headers: {} };
    await config.applyToHTTPSOptions(requestOptions);
    const signal = options.signal;
    return new Promise<void>((resolve, reject) => {
      const request = (url.protocol === "https:" ? https : http).request(
        url,
        requestOptions,
        (response) => {
          response.setEncoding("utf8");
          if (response.statusCode !== 200) {
            let body = "";
            response.on("data", (c: string) => (body += c));
            response.on("end", () => reject(statusError(response.statusCode ?? 0, body)));
            return;
          }
          response.on("data", onText);
          response.on("end", () => resolve());
          response.on("error", (error) => (signal?.aborted === true ? resolve() : reject(error)));
        },
      );
      request.on("error", (error) => (signal?.aborted === true ? resolve() : reject(error)));
      signal?.addEventListener(
        "abort",
        () => {
          request.destroy();
          resolve();
        },
        { once: true },
      );
      if (signal?.aborted === true) request.destroy();
      request.end();
    });
  }
}

/** A Kubernetes `Status` answer as an error carrying its HTTP code. */
function statusError(code: number, body: string): Error {
  let message = body.trim();
  try {
    message = (JSON.parse(body) as { message?: string }).message ?? message;
  } catch {
    // not JSON: keep the text
  }
  return Object.assign(new Error(`HTTP-Code: ${code}\nMessage: ${message}`), { code });
}
