/**
 * What `pulumi up` would do between two recorded runs of the program: resources matched by URN,
 * inputs compared as JSON. A Kubernetes object whose `metadata.name` or `namespace` changes is
 * replaced (a new object, then the old one deleted), as the Kubernetes provider does.
 */
import type { RecordedResource } from "../testkit/mocks";

export interface ChangedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly action: "update" | "replace";
  /** Input paths whose value differs (`spec.template.metadata.annotations.x`). */
  readonly paths: readonly string[];
}

export interface ListedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
}

export interface ResourceDiff {
  readonly created: readonly ListedResource[];
  readonly changed: readonly ChangedResource[];
  readonly deleted: readonly ListedResource[];
  readonly unchanged: number;
}

/** JSON with object keys sorted, so key order never reads as a change. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/** Leaf paths at which `a` and `b` differ. */
export function changedPaths(a: unknown, b: unknown, path = ""): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === "object";
  if (isObject(a) && isObject(b) && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) => {
      const at = Array.isArray(a) ? `${path}[${k}]` : path === "" ? k : `${path}.${k}`;
      return changedPaths(a[k], b[k], at);
    });
  }
  return stableJson(a) === stableJson(b) ? [] : [path || "(root)"];
}

const list = (r: RecordedResource): ListedResource => ({ urn: r.urn, type: r.type, name: r.name });

export function diffRuns(
  before: readonly RecordedResource[],
  after: readonly RecordedResource[],
): ResourceDiff {
  const old = new Map(before.map((r) => [r.urn, r]));
  const now = new Map(after.map((r) => [r.urn, r]));
  const changed: ChangedResource[] = [];
  let unchanged = 0;
  for (const [urn, r] of now) {
    const was = old.get(urn);
    if (was === undefined) continue;
    const paths = changedPaths(was.inputs, r.inputs);
    if (paths.length === 0) {
      unchanged++;
      continue;
    }
    const replaces =
      r.type.startsWith("kubernetes:") &&
      paths.some((p) => p === "metadata.name" || p === "metadata.namespace");
    changed.push({ ...list(r), action: replaces ? "replace" : "update", paths });
  }
  return {
    created: after.filter((r) => !old.has(r.urn)).map(list),
    changed,
    deleted: before.filter((r) => !now.has(r.urn)).map(list),
    unchanged,
  };
}
