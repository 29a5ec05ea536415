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
  return JSON.stringify(value, (_key, nested: unknown) =>
    nested !== null && typeof nested === "object" && !Array.isArray(nested)
      ? Object.fromEntries(Object.entries(nested).sort(([a], [b]) => a.localeCompare(b)))
      : nested,
  );
}

/** Leaf paths at which `before` and `after` differ. */
export function changedPaths(before: unknown, after: unknown, path = ""): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === "object";
  if (isObject(before) && isObject(after) && Array.isArray(before) === Array.isArray(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys].flatMap((key) => {
      const at = Array.isArray(before) ? `${path}[${key}]` : path === "" ? key : `${path}.${key}`;
      return changedPaths(before[key], after[key], at);
    });
  }
  return stableJson(before) === stableJson(after) ? [] : [path || "(root)"];
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
  for (const [urn, resource] of now) {
    const was = old.get(urn);
    if (was === undefined) continue;
    const paths = changedPaths(was.inputs, resource.inputs);
    if (paths.length === 0) {
      unchanged++;
      continue;
    }
    const replaces =
      resource.type.startsWith("kubernetes:") &&
      paths.some((p) => p === "metadata.name" || p === "metadata.namespace");
    changed.push({ ...list(resource), action: replaces ? "replace" : "update", paths });
  }
  return {
    created: after.filter((r) => !old.has(r.urn)).map(list),
    changed,
    deleted: before.filter((r) => !now.has(r.urn)).map(list),
    unchanged,
  };
}
