/**
 * A plain view of what the analyzer hands a policy. The SDK wraps properties in a proxy that
 * throws as soon as a rule touches a value the engine does not know yet (during preview); a rule
 * that throws gets downgraded to an advisory "can't run during preview" for the WHOLE rule. So
 * every rule works on a deep copy where each unknown is the {@link UNKNOWN} marker instead, and
 * skips only the one fact it cannot see (the update run analyzes the same resource again with
 * every value known).
 */
import {
  UnknownValueError,
  type PolicyResource,
  type ResourceValidationArgs,
} from "@pulumi/policy";

/** A value the engine does not know yet (an Output of a resource not created yet). */
export const UNKNOWN: unique symbol = Symbol("unknown during preview");
export type Unknown = typeof UNKNOWN;

export type Obj = { readonly [key: string]: unknown };

/** One resource as every rule sees it. */
export interface Res {
  /** Type token, e.g. `kubernetes:apps/v1:Deployment`. */
  readonly type: string;
  /** Pulumi's logical name. */
  readonly name: string;
  readonly urn: string;
  /** Inputs (resource policies) or outputs (stack policies), unknowns replaced by UNKNOWN. */
  readonly props: Obj;
  readonly protect: boolean;
  /** A `*Patch` resource: `type` is the patched type. */
  readonly patch?: boolean;
}

export function isUnknown(value: unknown): value is Unknown {
  return value === UNKNOWN;
}

function isUnknownError(e: unknown): boolean {
  return (
    e instanceof UnknownValueError ||
    (e instanceof Error && e.constructor.name === "UnknownValueError")
  );
}

function read(get: () => unknown): unknown {
  try {
    return plain(get());
  } catch (e) {
    if (isUnknownError(e)) return UNKNOWN;
    throw e;
  }
}

/** Deep copy of (proxied) analyzer properties with every unknown value replaced by UNKNOWN. */
export function plain(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    const items: unknown[] = value;
    const out: unknown[] = [];
    for (let i = 0; i < items.length; i++) out.push(read(() => items[i]));
    return out;
  }
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(source)) out[key] = read(() => source[key]);
  return out;
}

/** `kubernetes:apps/v1:DeploymentPatch` → the type it patches; other types unchanged. */
const PATCH = /^(kubernetes:[^:]+:[A-Za-z0-9]+)Patch$/;

/**
 * Normalizes a resource policy's args or a stack policy's resource. A Kubernetes `*Patch`
 * resource (server-side apply onto an existing object) is judged as the type it patches, so a
 * DeploymentPatch adding a privileged container or a NetworkPolicyPatch opening a namespace
 * meets the same rules as the object itself.
 */
export function toRes(r: ResourceValidationArgs | PolicyResource): Res {
  const props = read(() => r.props);
  const patched = PATCH.exec(r.type)?.[1];
  return {
    type: patched ?? r.type,
    patch: patched !== undefined,
    name: r.name,
    urn: r.urn,
    props: asObj(props) ?? {},
    protect: r.opts.protect === true,
  };
}

/** The value at `path`; UNKNOWN if any step is unknown, undefined if any step is missing. */
export function at(value: unknown, ...path: readonly (string | number)[]): unknown {
  let cur = value;
  for (const step of path) {
    if (cur === UNKNOWN) return UNKNOWN;
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string | number, unknown>)[step];
  }
  return cur;
}

export function asObj(value: unknown): Obj | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Obj)
    : undefined;
}

export function asList(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** `Deployment` from `kubernetes:apps/v1:Deployment`. */
export function kindOf(type: string): string {
  return type.slice(type.lastIndexOf(":") + 1);
}

export function isKubernetes(r: Res): boolean {
  return r.type.startsWith("kubernetes:");
}

/** `metadata.namespace` of a Kubernetes object: a string, UNKNOWN, or undefined (default). */
export function namespaceOf(r: Res): string | Unknown | undefined {
  const ns = at(r.props, "metadata", "namespace");
  return isUnknown(ns) ? UNKNOWN : asString(ns);
}

/** `metadata.name` when known, else Pulumi's name (auto-named objects). */
export function objectName(r: Res): string {
  return asString(at(r.props, "metadata", "name")) ?? r.name;
}

export function labelsOf(r: Res): Obj {
  return asObj(at(r.props, "metadata", "labels")) ?? {};
}

/**
 * How messages name a resource: `Deployment "production-tenant-acme/sp-acme"`, plus the Pulumi
 * name when it differs, so the reader finds it both in `kubectl` and in the program.
 */
export function describe(r: Res): string {
  return named(r, r.type === "kubernetes:core/v1:Namespace");
}

/** {@link describe} for a cluster-scoped object, which no namespace holds: `AdminNetworkPolicy "open"`. */
export function describeClusterScoped(r: Res): string {
  return named(r, true);
}

function named(r: Res, clusterScoped: boolean): string {
  const kind = kindOf(r.type);
  if (!isKubernetes(r)) return `${kind} "${r.name}"`;
  const ns = namespaceOf(r);
  const name = objectName(r);
  const where = clusterScoped
    ? name
    : `${isUnknown(ns) ? "<namespace not known yet>" : (ns ?? "default")}/${name}`;
  const kindLabel = r.patch === true ? `${kind}Patch` : kind;
  return name === r.name
    ? `${kindLabel} "${where}"`
    : `${kindLabel} "${where}" (Pulumi resource "${r.name}")`;
}
