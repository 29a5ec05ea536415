/**
 * Tenant isolation: every tenant namespace denies all traffic unless allowed (by Kubernetes
 * NetworkPolicies alone, which the pack judges), is capped by a quota, and admits only pods that
 * pass the "restricted" Pod Security Standard.
 *
 * Tenant namespaces are the Namespace resources labelled `agent-cloud.io/tenant` or named
 * `{env}-tenant-{id}`, plus any `{env}-tenant-{id}` namespace a resource of the stack is placed
 * in (so a namespace the stack uses but does not declare cannot dodge the rules).
 */
import { unjudgedNetworkPolicy } from "./network-kinds";
import { openings } from "./network-union";
import {
  environmentOfNamespace,
  isTenantNamespace,
  isTenantNamespaceName,
  LABEL_POD_SECURITY,
  NAMESPACE,
  NETWORK_POLICY,
  RESOURCE_QUOTA,
} from "../lib/platform";
import {
  asList,
  asObj,
  at,
  describe,
  describeClusterScoped,
  isKubernetes,
  isUnknown,
  labelsOf,
  namespaceOf,
  objectName,
  type Obj,
  type Res,
  type Unknown,
  UNKNOWN,
} from "../lib/resources";
import { stackRule, type Report } from "../lib/rule";

interface TenantNamespace {
  readonly name: string;
  /** The Namespace resource, when the stack declares it. */
  readonly declared?: Res;
  /** The first resource placed in it, for messages when it is not declared. */
  readonly firstUser?: Res;
}

function tenantNamespaces(resources: readonly Res[]): TenantNamespace[] {
  const found = new Map<string, TenantNamespace>();
  for (const r of resources) {
    // A NamespacePatch changes a namespace; it does not declare one (its labels are checked
    // on their own in tenantRestrictedPodSecurity).
    if (!isTenantNamespace(r) || r.patch === true) continue;
    const name = at(r.props, "metadata", "name");
    if (typeof name === "string") found.set(name, { name, declared: r });
  }
  for (const r of resources) {
    if (!isKubernetes(r) || r.type === NAMESPACE) continue;
    const ns = namespaceOf(r);
    if (typeof ns === "string" && isTenantNamespaceName(ns) && !found.has(ns)) {
      found.set(ns, { name: ns, firstUser: r });
    }
  }
  return [...found.values()];
}

/** Objects of one type grouped by namespace; `pending` when some namespace is not known yet. */
function byNamespace(resources: readonly Res[], type: string) {
  const map = new Map<string, Res[]>();
  let pending = false;
  for (const r of resources) {
    if (r.type !== type) continue;
    const ns = namespaceOf(r);
    if (isUnknown(ns)) pending = true;
    else map.set(ns ?? "default", [...(map.get(ns ?? "default") ?? []), r]);
  }
  return { map, pending };
}

function urnFor(ns: TenantNamespace): string | undefined {
  return (ns.declared ?? ns.firstUser)?.urn;
}

function isEmptySelector(selector: unknown): boolean {
  if (selector === undefined || selector === null) return true;
  const s = asObj(selector);
  if (!s) return false;
  return (
    Object.keys(asObj(s.matchLabels) ?? {}).length === 0 && asList(s.matchExpressions).length === 0
  );
}

const OPEN_CIDR = new Set(["0.0.0.0/0", "::/0"]);

/**
 * Why a NetworkPolicy is not a default-deny for its whole namespace, or undefined if it is. A
 * default-deny selects every pod (`podSelector: {}`), covers Ingress and Egress, and opens
 * nothing to everyone: no ingress rule without `from` peers or from 0.0.0.0/0, no egress rule
 * with neither `to` nor `ports`. Narrow allowances (from the edge, to DNS on port 53) may sit in
 * the same policy or, more usually, in separate ones.
 */
function notDefaultDeny(np: Res): string | Unknown | undefined {
  const spec = at(np.props, "spec");
  if (isUnknown(spec)) return UNKNOWN;
  const s: Obj = asObj(spec) ?? {};
  if (!isEmptySelector(s.podSelector)) return "its podSelector selects only some pods";
  const types = asList(s.policyTypes);
  const missing = ["Ingress", "Egress"].filter((t) => !types.includes(t));
  if (missing.length > 0) return `its policyTypes lack ${missing.join(" and ")}`;
  for (const rule of asList(s.ingress)) {
    const from = asList(at(rule, "from"));
    if (from.length === 0) return "an ingress rule has no `from`, so it admits every source";
    if (from.some((p) => OPEN_CIDR.has(String(at(p, "ipBlock", "cidr"))))) {
      return "an ingress rule admits 0.0.0.0/0";
    }
  }
  for (const rule of asList(s.egress)) {
    if (asList(at(rule, "to")).length === 0 && asList(at(rule, "ports")).length === 0) {
      return "an egress rule has neither `to` nor `ports`, so it allows everything";
    }
  }
  return undefined;
}

export const tenantDefaultDeny = stackRule(
  {
    name: "tenant-namespace-default-deny",
    description:
      "Every tenant namespace has a default-deny NetworkPolicy for Ingress and Egress, and no policy of it opens more than the edge (in), cluster DNS, its database and public addresses (out).",
    severity: "critical",
  },
  (resources, report: Report) => {
    const { map, pending } = byNamespace(resources, NETWORK_POLICY);
    for (const ns of tenantNamespaces(resources)) {
      const policies = map.get(ns.name) ?? [];
      // The cluster enforces the union: any policy that opens something opens the namespace.
      const env = environmentOfNamespace(ns.name);
      for (const np of policies) {
        const open = openings(np, env);
        if (open.length === 0) continue;
        report(
          `${describe(np)} opens tenant namespace "${ns.name}" beyond its isolation: ` +
            `${open.join("; ")}. Kubernetes allows whatever ANY policy of the namespace allows, ` +
            `so a default-deny beside it does not help: remove the rule, or narrow it to the edge ` +
            `proxy (ingress), cluster DNS, the tenant's database and public addresses (egress).`,
          np.urn,
        );
      }
      const verdicts = policies.map((np) => [np, notDefaultDeny(np)] as const);
      if (verdicts.some(([, why]) => why === undefined || isUnknown(why))) continue;
      if (pending) continue; // a policy whose namespace is not known yet may be this one
      const nearMisses = verdicts
        .flatMap(([np, why]) => (typeof why === "string" ? [`${describe(np)}: ${why}`] : []))
        .join("; ");
      report(
        `Tenant namespace "${ns.name}" has no default-deny NetworkPolicy` +
          (nearMisses ? ` (${nearMisses})` : "") +
          `. Add one in "${ns.name}" with spec.podSelector: {} and spec.policyTypes: ` +
          `["Ingress", "Egress"] and no allow-all rule, then allow only what the tenant needs ` +
          `(ingress from the edge proxy, egress to DNS and its database).`,
        urnFor(ns),
      );
    }
  },
);

export const tenantKubernetesNetworkPoliciesOnly = stackRule(
  {
    name: "tenant-network-policies-kubernetes-only",
    description:
      "Tenant namespaces are isolated by Kubernetes NetworkPolicies alone: no Cilium, Calico or Antrea network policy in a tenant namespace and no cluster-wide network policy (Cilium, Calico, Antrea, AdminNetworkPolicy API), which the pack cannot judge.",
    severity: "critical",
  },
  (resources, report: Report) => {
    const tenants = new Set(tenantNamespaces(resources).map((ns) => ns.name));
    for (const r of resources) {
      const policy = unjudgedNetworkPolicy(r);
      if (policy === undefined || isUnknown(policy)) continue;
      const is = `${r.patch === true ? "patches" : "is"} ${policy.label} (${policy.apiVersion} ${policy.kind})`;
      const cannotJudge =
        "the pack judges only Kubernetes NetworkPolicies, so it cannot judge this one against " +
        "tenant isolation";
      if (policy.clusterWide) {
        // Its selectors pick namespaces by labels, those of other stacks' tenants included.
        report(
          `${describeClusterScoped(r)} ${is}: it is cluster-wide, so it can select any ` +
            `namespace, every tenant's included (this stack's or another's), and the cluster ` +
            `enforces it beside their NetworkPolicies; ${cannotJudge}. Express it as Kubernetes ` +
            `NetworkPolicies (networking.k8s.io/v1) in the namespaces it is meant for, which the ` +
            `pack judges in tenant namespaces, or remove it: a cluster-wide policy cannot be kept ` +
            `out of tenant namespaces.`,
          r.urn,
        );
        continue;
      }
      const namespace = namespaceOf(r);
      if (isUnknown(namespace)) continue; // judged again once known
      const ns = namespace ?? "default";
      if (!tenants.has(ns)) continue;
      report(
        `${describe(r)} ${is} in tenant namespace "${ns}". The cluster enforces it beside the ` +
          `namespace's NetworkPolicies, so what it allows gets through whatever they deny, but ` +
          `${cannotJudge}. Express it as a Kubernetes NetworkPolicy (networking.k8s.io/v1) in ` +
          `"${ns}", which the pack judges, or keep it out of tenant namespaces.`,
        r.urn,
      );
    }
  },
);

export const tenantQuota = stackRule(
  {
    name: "tenant-namespace-quota",
    description: "Every tenant namespace has a ResourceQuota with hard limits.",
    severity: "high",
  },
  (resources, report: Report) => {
    const { map, pending } = byNamespace(resources, RESOURCE_QUOTA);
    for (const ns of tenantNamespaces(resources)) {
      const quotas = map.get(ns.name) ?? [];
      const ok = quotas.some((q) => {
        const hard = at(q.props, "spec", "hard");
        return isUnknown(hard) || Object.keys(asObj(hard) ?? {}).length > 0;
      });
      if (ok || pending) continue;
      const empty =
        quotas.length > 0 ? ` (${quotas.map(describe).join(", ")} sets no spec.hard)` : "";
      report(
        `Tenant namespace "${ns.name}" has no ResourceQuota${empty}, so one tenant can starve ` +
          `the others. Add a ResourceQuota in "${ns.name}" whose spec.hard caps cpu, memory and ` +
          `pods from the tenant's plan.`,
        urnFor(ns),
      );
    }
  },
);

export const tenantRestrictedPodSecurity = stackRule(
  {
    name: "tenant-namespace-restricted-pod-security",
    description: `Every tenant namespace enforces the "restricted" Pod Security Standard (label ${LABEL_POD_SECURITY}).`,
    severity: "critical",
  },
  (resources, report: Report) => {
    for (const patch of resources.filter((r) => r.patch === true && isTenantNamespace(r))) {
      const level = labelsOf(patch)[LABEL_POD_SECURITY];
      if (level === undefined || level === "restricted" || isUnknown(level)) continue;
      report(
        `${describe(patch)} sets ${LABEL_POD_SECURITY}: ${JSON.stringify(level)} on tenant ` +
          `namespace "${objectName(patch)}", lowering its Pod Security below "restricted". ` +
          `Remove the patch; tenant namespaces enforce "restricted".`,
        patch.urn,
      );
    }
    for (const ns of tenantNamespaces(resources)) {
      if (!ns.declared) {
        report(
          `Tenant namespace "${ns.name}" is used by ${ns.firstUser ? describe(ns.firstUser) : "the stack"} ` +
            `but no Namespace resource in this stack declares it, so its pod security cannot be ` +
            `checked. Declare it (the TenantApp component does) with label ` +
            `${LABEL_POD_SECURITY}: restricted.`,
          urnFor(ns),
        );
        continue;
      }
      const labels = at(ns.declared.props, "metadata", "labels");
      if (isUnknown(labels)) continue;
      const level = labelsOf(ns.declared)[LABEL_POD_SECURITY];
      if (level === "restricted" || isUnknown(level)) continue;
      const found =
        level === undefined
          ? `has no ${LABEL_POD_SECURITY} label`
          : `enforces ${JSON.stringify(level)} (label ${LABEL_POD_SECURITY})`;
      report(
        `Tenant namespace "${objectName(ns.declared)}" ${found}. Set ` +
          `metadata.labels["${LABEL_POD_SECURITY}"] to "restricted" so the API server rejects ` +
          `privileged, root or host-access pods in it.`,
        ns.declared.urn,
      );
    }
  },
);
