/**
 * Network policies the pack cannot judge: the network plugins' own kinds (Cilium, Calico, Antrea)
 * and the AdminNetworkPolicy API's. The cluster enforces them beside the Kubernetes
 * NetworkPolicies the pack reads (network-union.ts), and an allow in them opens a tenant
 * namespace whatever its NetworkPolicies deny, so where they can reach a tenant they are refused
 * rather than judged.
 *
 * Pulumi registers a CRD instance (`k8s.apiextensions.CustomResource`, a yaml/v2 or Helm v4
 * object) as `kubernetes:<apiVersion>:<kind>` (`kubernetes:cilium.io/v2:CiliumNetworkPolicy`),
 * and its `*Patch` as `kubernetes:<apiVersion>:<kind>Patch` (toRes judges it as the kind). The
 * provider's schema also has the generic `kubernetes:apiextensions.k8s.io:CustomResource` (and
 * `...Patch`), whose kind is only in the properties: both are read, and the object's own
 * `apiVersion`/`kind` (what the provider applies) count whatever the token says.
 */
import {
  asString,
  at,
  isKubernetes,
  isUnknown,
  type Res,
  type Unknown,
  UNKNOWN,
} from "../lib/resources";

/** The generic token of a CRD instance; its `apiVersion` and `kind` are in its properties. */
const CUSTOM_RESOURCE = "kubernetes:apiextensions.k8s.io:CustomResource";

/** A network policy kind the pack does not judge. */
export interface UnjudgedKind {
  /** API group: `cilium.io`. */
  readonly group: string;
  readonly kind: string;
  /** Namespaced kinds reach only their namespace; cluster-wide ones pick namespaces by selector. */
  readonly clusterWide: boolean;
  /** How messages call it: `a Cilium network policy`. */
  readonly label: string;
}

function policyKind(group: string, kind: string, scope: "namespace" | "cluster", label: string) {
  return { group, kind, clusterWide: scope === "cluster", label };
}

const KINDS: readonly UnjudgedKind[] = [
  policyKind("cilium.io", "CiliumNetworkPolicy", "namespace", "a Cilium network policy"),
  policyKind(
    "cilium.io",
    "CiliumClusterwideNetworkPolicy",
    "cluster",
    "a Cilium cluster-wide network policy",
  ),
  policyKind("crd.projectcalico.org", "NetworkPolicy", "namespace", "a Calico network policy"),
  policyKind("projectcalico.org", "NetworkPolicy", "namespace", "a Calico network policy"),
  policyKind(
    "crd.projectcalico.org",
    "GlobalNetworkPolicy",
    "cluster",
    "a Calico global network policy",
  ),
  policyKind(
    "projectcalico.org",
    "GlobalNetworkPolicy",
    "cluster",
    "a Calico global network policy",
  ),
  policyKind("crd.antrea.io", "NetworkPolicy", "namespace", "an Antrea network policy"),
  policyKind(
    "crd.antrea.io",
    "ClusterNetworkPolicy",
    "cluster",
    "an Antrea cluster network policy",
  ),
  policyKind(
    "policy.networking.k8s.io",
    "AdminNetworkPolicy",
    "cluster",
    "an admin network policy",
  ),
  policyKind(
    "policy.networking.k8s.io",
    "BaselineAdminNetworkPolicy",
    "cluster",
    "a baseline admin network policy",
  ),
  // v1alpha2 of the same API replaces both with this one kind.
  policyKind(
    "policy.networking.k8s.io",
    "ClusterNetworkPolicy",
    "cluster",
    "a cluster network policy",
  ),
];

/** One unjudged policy: its kind and the apiVersion it was written with (`cilium.io/v2`). */
export interface UnjudgedPolicy extends UnjudgedKind {
  readonly apiVersion: string;
}

function lookup(apiVersion: string, kind: string): UnjudgedPolicy | undefined {
  const slash = apiVersion.lastIndexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const found = KINDS.find((k) => k.group === group && k.kind === kind);
  return found && { ...found, apiVersion };
}

/** `kubernetes:<apiVersion>:<kind>` as CustomResource registers it. */
const CRD_TOKEN = /^kubernetes:([^:]+\/[^:/]+):([A-Za-z0-9]+)$/;

/**
 * The network policy kind `r` is if the pack cannot judge it; undefined for anything else
 * (Kubernetes NetworkPolicies included); UNKNOWN while a generic CustomResource's `apiVersion`
 * or `kind` is not known yet (judged again once known).
 */
export function unjudgedNetworkPolicy(r: Res): UnjudgedPolicy | Unknown | undefined {
  const token = CRD_TOKEN.exec(r.type);
  const byToken = token ? lookup(token[1]!, token[2]!) : undefined;
  if (byToken) return byToken;
  if (!isKubernetes(r)) return undefined;
  const apiVersion = at(r.props, "apiVersion");
  const kind = at(r.props, "kind");
  if (isUnknown(apiVersion) || isUnknown(kind))
    return r.type === CUSTOM_RESOURCE ? UNKNOWN : undefined;
  const [v, k] = [asString(apiVersion), asString(kind)];
  return v !== undefined && k !== undefined ? lookup(v, k) : undefined;
}
