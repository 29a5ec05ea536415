/**
 * Pod logs: which pods and container to read, how lines are prefixed and cleaned. The Kubernetes
 * side is behind {@link LogSource} (`adapters/kube-logs.ts` is the real one).
 */
import { TENANT_CONTAINER_NAME } from "../../components/tenant/container";
import { tenantServiceName } from "../../model/names";
import { OpsError } from "../errors";
import { stripControlSequences } from "../format/terminal";

/** A pod, as far as logs need it. */
export interface PodInfo {
  readonly name: string;
  /** App containers in spec order (init containers excluded). */
  readonly containers: readonly string[];
  readonly phase?: string;
}

/** A change to the set of pods a selector matches (a Kubernetes watch event). */
export interface PodEvent {
  readonly type: "ADDED" | "MODIFIED" | "DELETED";
  readonly pod: PodInfo;
}

/** `-f`, `--tail` and `--since`, and a signal that stops the stream. */
export interface LogStreamOptions {
  readonly follow: boolean;
  readonly tailLines?: number;
  readonly sinceSeconds?: number;
  readonly signal?: AbortSignal;
}

/** Where pod logs come from (the Kubernetes API in `adapters/kube-logs.ts`). */
export interface LogSource {
  listPods(namespace: string, labelSelector: string): Promise<PodInfo[]>;
  /**
   * Calls `onEvent` for every pod matching the selector (existing ones first, as ADDED) and every
   * change after, re-watching when the server closes the watch; resolves once `signal` aborts.
   */
  watchPods(
    namespace: string,
    labelSelector: string,
    onEvent: (event: PodEvent) => void,
    signal: AbortSignal,
  ): Promise<void>;
  /** Streams one container's log to `onText` in raw chunks; resolves when the stream ends. */
  stream(
    namespace: string,
    pod: string,
    container: string,
    options: LogStreamOptions,
    onText: (chunk: string) => void,
  ): Promise<void>;
}

/**
 * The proxy's pods are labelled `app.kubernetes.io/name=management-proxy` and run nginx in the
 * container `nginx` (components/edge/management-proxy.ts; a test keeps the two in step). Kept
 * here so the CLI does not load the Pulumi program to read two names.
 */
export const PROXY_APP_NAME = "management-proxy";
export const PROXY_CONTAINER = "nginx";

/** The label every pod of a tenant's app carries. */
export function tenantPodSelector(tenantId: string): string {
  return `app.kubernetes.io/name=${tenantServiceName(tenantId)}`;
}

/** Whether a pod's containers have started, so its log can be read. */
export function canStream(pod: PodInfo): boolean {
  return pod.phase === undefined || ["Running", "Succeeded", "Failed"].includes(pod.phase);
}

/**
 * The container to read: the one asked for, else the app container by the name the Deployment
 * gives it (`app`; `sp-{id}` on pods from before that name), else the only one. Sidecars are
 * never picked silently.
 */
export function chooseContainer(pod: PodInfo, tenantId: string, requested?: string): string {
  const wanted =
    requested === undefined ? [TENANT_CONTAINER_NAME, tenantServiceName(tenantId)] : [requested];
  const found = wanted.find((w) => pod.containers.includes(w));
  if (found !== undefined) return found;
  if (requested === undefined && pod.containers.length === 1) return pod.containers[0] as string;
  throw new OpsError(
    `pod ${pod.name} has no container "${wanted[0]}"; its containers: ${pod.containers.join(", ")} ` +
      `(choose one with --container)`,
  );
}

/** `pod/container | `: every line says where it came from. */
export function linePrefix(pod: string, container: string): string {
  return `${pod}/${container} | `;
}

/**
 * Turns a stream of chunks into whole, cleaned, prefixed lines: a line split across chunks is
 * held until its end arrives, so lines of concurrent pods never interleave mid-line, and control
 * sequences are stripped so a tenant's output cannot drive the operator's terminal.
 */
export class LinePrefixer {
  #pending = "";

  constructor(
    private readonly prefix: string,
    private readonly emit: (line: string) => void,
    /** Turns a line into what is printed, or undefined to drop it. */
    private readonly transform: (line: string) => string | undefined = (line) => line,
  ) {}

  private out(line: string): void {
    const shown = this.transform(stripControlSequences(line));
    if (shown !== undefined) this.emit(`${this.prefix}${shown}`);
  }

  push(chunk: string): void {
    const text = this.#pending + chunk;
    const lines = text.split("\n");
    this.#pending = lines.pop() ?? "";
    for (const line of lines) this.out(line);
  }

  /** Emits a last line that had no newline. */
  flush(): void {
    if (this.#pending !== "") this.out(this.#pending);
    this.#pending = "";
  }
}
