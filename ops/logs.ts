/**
 * Tenant pod logs: which pods and container to read, and how their lines are prefixed. The
 * Kubernetes side is behind {@link LogSource} (`kube-logs.ts` is the real one).
 */
import { tenantServiceName } from "../stacks/config/names";
import { OpsError } from "./errors";

/** A pod of a tenant's app, as far as logs need it. */
export interface PodInfo {
  readonly name: string;
  /** App containers in spec order (init containers excluded). */
  readonly containers: readonly string[];
  readonly phase?: string;
}

/** `-f` and `--tail`. */
export interface LogStreamOptions {
  readonly follow: boolean;
  readonly tailLines?: number;
}

/** Where pod logs come from (the Kubernetes API in `kube-logs.ts`). */
export interface LogSource {
  listPods(namespace: string, labelSelector: string): Promise<PodInfo[]>;
  /** Streams one container's log to `onText` in raw chunks; resolves when the stream ends. */
  stream(
    namespace: string,
    pod: string,
    container: string,
    options: LogStreamOptions,
    onText: (chunk: string) => void,
  ): Promise<void>;
}

/** The label every pod of a tenant's app carries. */
export function tenantPodSelector(tenantId: string): string {
  return `app.kubernetes.io/name=${tenantServiceName(tenantId)}`;
}

/**
 * The container to read: the one asked for, else the app container `sp-{id}`, else the only one.
 * Sidecars are never picked silently.
 */
export function chooseContainer(pod: PodInfo, tenantId: string, requested?: string): string {
  const wanted = requested ?? tenantServiceName(tenantId);
  if (pod.containers.includes(wanted)) return wanted;
  if (requested === undefined && pod.containers.length === 1) return pod.containers[0] as string;
  throw new OpsError(
    `pod ${pod.name} has no container "${wanted}"; its containers: ${pod.containers.join(", ")} ` +
      `(choose one with --container)`,
  );
}

/** `name | ` prefixes padded to the longest pod name, so columns line up across pods. */
export function podPrefixes(podNames: readonly string[]): Map<string, string> {
  const width = Math.max(0, ...podNames.map((n) => n.length));
  return new Map(podNames.map((n) => [n, `${n.padEnd(width)} | `]));
}

/**
 * Turns a stream of chunks into whole prefixed lines: a line split across chunks is held until
 * its end arrives, so lines of concurrent pods never interleave mid-line.
 */
export class LinePrefixer {
  #pending = "";

  constructor(
    private readonly prefix: string,
    private readonly emit: (line: string) => void,
  ) {}

  push(chunk: string): void {
    const text = this.#pending + chunk;
    const lines = text.split("\n");
    this.#pending = lines.pop() ?? "";
    for (const line of lines) this.emit(`${this.prefix}${line.replace(/\r$/, "")}`);
  }

  /** Emits a last line that had no newline. */
  flush(): void {
    if (this.#pending !== "") this.emit(`${this.prefix}${this.#pending}`);
    this.#pending = "";
  }
}
