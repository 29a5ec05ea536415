/**
 * Following the logs of whatever pods a selector matches while it changes: a rollout's new pods
 * are picked up once their containers start, and pods that leave are dropped.
 */
import { OpsError } from "../errors";
import { println, type Writer } from "../format/text";
import {
  canStream,
  LinePrefixer,
  type LogSource,
  type LogStreamOptions,
  linePrefix,
  type PodInfo,
} from "../plans/pod-logs";

/** What to read and where to write it. */
export interface FollowTarget {
  readonly namespace: string;
  readonly selector: string;
  /** The container to read in a pod (throws an {@link OpsError} to refuse the pod). */
  readonly container: (pod: PodInfo) => string;
  /** Rewrites or drops a line (proxy access-log formatting and filtering). */
  readonly transform?: (line: string) => string | undefined;
  readonly stdout: Writer;
  readonly stderr: Writer;
}

/** Reads the first line of a Kubernetes client error: its full text carries headers and bodies. */
export function kubeError(error: unknown): string {
  const failure = error as { code?: number; message?: string };
  const first = (failure.message ?? String(error)).split("\n")[0] ?? "";
  return failure.code !== undefined && !first.includes(String(failure.code))
    ? `HTTP ${failure.code}: ${first}`
    : first;
}

/**
 * Streams every matching pod. Without `follow`: the pods listed now, each to its end. With
 * `follow`: pods as the watch reports them, until `signal` aborts (or the source's watch ends).
 * Resolves true when every stream ended cleanly.
 */
export async function streamPods(
  source: LogSource,
  target: FollowTarget,
  pods: readonly PodInfo[],
  options: Omit<LogStreamOptions, "signal">,
  signal: AbortSignal,
): Promise<boolean> {
  const { stdout, stderr } = target;
  let ok = true;
  const started = new Set<string>();
  const running = new Map<string, { stop: AbortController; done: Promise<void> }>();

  const start = (pod: PodInfo) => {
    if (started.has(pod.name) || !canStream(pod)) return;
    let container: string;
    try {
      container = target.container(pod);
    } catch (error) {
      if (!(error instanceof OpsError)) throw error;
      started.add(pod.name);
      ok = false;
      println(stderr, `error: ${error.message}`);
      return;
    }
    started.add(pod.name);
    if (options.follow) println(stderr, `--- following ${pod.name}/${container}`);
    const stop = new AbortController();
    const stopAll = () => stop.abort();
    signal.addEventListener("abort", stopAll, { once: true });
    const prefixer = new LinePrefixer(
      linePrefix(pod.name, container),
      (line) => println(stdout, line),
      target.transform,
    );
    const done = source
      .stream(target.namespace, pod.name, container, { ...options, signal: stop.signal }, (c) =>
        prefixer.push(c),
      )
      .catch((error: unknown) => {
        if (stop.signal.aborted) return;
        ok = false;
        println(stderr, `error: logs of pod ${pod.name}: ${kubeError(error)}`);
      })
      .finally(() => {
        prefixer.flush();
        signal.removeEventListener("abort", stopAll);
        running.delete(pod.name);
      });
    running.set(pod.name, { stop, done });
  };

  for (const pod of pods) start(pod);
  if (options.follow) {
    await source.watchPods(
      target.namespace,
      target.selector,
      (event) => {
        if (event.type !== "DELETED") {
          start(event.pod);
          return;
        }
        const leaving = running.get(event.pod.name);
        if (started.has(event.pod.name)) println(stderr, `--- ${event.pod.name} left`);
        leaving?.stop.abort();
      },
      signal,
    );
  }
  while (running.size > 0) await Promise.all([...running.values()].map((r) => r.done));
  return ok;
}
