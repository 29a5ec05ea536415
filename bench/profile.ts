/**
 * A CPU profile of one program run (the inspector's sampling profiler), boiled down to where the
 * time went: the SDK's stack captures, garbage collection, and the project's own code.
 */
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const PROJECT_DIRS = ["components", "model", "stacks", "testkit"].map(
  (dir) => pathToFileURL(join(__dirname, "..", dir)).href + "/",
);

export interface ProfileShares {
  /** Share of samples with the SDK's `debuggablePromise` on the stack (it records `new Error().stack` for every promise). */
  readonly debuggablePromise: number;
  /** Share with `Resource.callsites` on the stack (every resource records its full stack). */
  readonly callsites: number;
  readonly garbageCollector: number;
  /** Self time in the project's own files (components/, model/, stacks/, testkit/). */
  readonly projectSelf: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly children?: readonly number[];
}

export async function profiled<T>(work: () => Promise<T>): Promise<[T, ProfileShares]> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  const result = await work();
  const { profile } = await session.post("Profiler.stop");
  session.disconnect();
  const nodes = new Map((profile.nodes as ProfileNode[]).map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of nodes.values())
    for (const childId of node.children ?? []) parent.set(childId, node.id);
  const deltas = profile.timeDeltas ?? [];
  let total = 0;
  const shares = { debuggablePromise: 0, callsites: 0, garbageCollector: 0, projectSelf: 0 };
  (profile.samples ?? []).forEach((leaf, index) => {
    const us = deltas[index] ?? 0;
    total += us;
    const self = nodes.get(leaf);
    if (self?.callFrame.functionName === "(garbage collector)") shares.garbageCollector += us;
    const url = self?.callFrame.url ?? "";
    if (PROJECT_DIRS.some((dir) => url.startsWith(dir))) shares.projectSelf += us;
    const onStack = new Set<string>();
    for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id))
      onStack.add(nodes.get(id)?.callFrame.functionName ?? "");
    if (onStack.has("debuggablePromise")) shares.debuggablePromise += us;
    if (onStack.has("callsites")) shares.callsites += us;
  });
  const share = (us: number) => (total === 0 ? 0 : us / total);
  return [
    result,
    {
      debuggablePromise: share(shares.debuggablePromise),
      callsites: share(shares.callsites),
      garbageCollector: share(shares.garbageCollector),
      projectSelf: share(shares.projectSelf),
    },
  ];
}
