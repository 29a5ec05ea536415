/**
 * The platform's naming contract as the policies read it (it mirrors model/names.ts; the
 * pack does not import the program so it can run and be published on its own: it shares only the
 * dependency-free rules under lib/ at the repository root, secrets, CIDRs and domains). Namespaces are
 * `{env}-edge` (the proxy and the only TLS Secret), `{env}-database` and `{env}-tenant-{id}`;
 * tenant apps are Service/Deployment `sp-{id}`.
 *
 * Which environment a resource belongs to: CrossGuard gives a policy no stack config (the
 * engine's ConfigureStack call carries it, but @pulumi/policy 1.21 keeps only the stack tags and
 * `getConfig()` is the POLICY's config), so the environment is read from the resources, which
 * carry it by contract: the `agent-cloud.io/environment` label (on namespaces, object metadata,
 * pod templates) and the `{env}-` prefix of the namespace names. Every signal counts: one
 * production signal is enough to apply the production rules (fail closed).
 */
import {
  asList,
  asObj,
  asString,
  at,
  isUnknown,
  labelsOf,
  namespaceOf,
  objectName,
  type Obj,
  type Res,
} from "./resources";

export const PRODUCTION = "production";

export const LABEL_ENVIRONMENT = "agent-cloud.io/environment";
export const LABEL_TENANT = "agent-cloud.io/tenant";
export const LABEL_POD_SECURITY = "pod-security.kubernetes.io/enforce";

export const NAMESPACE = "kubernetes:core/v1:Namespace";
export const SERVICE = "kubernetes:core/v1:Service";
export const SECRET = "kubernetes:core/v1:Secret";
export const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
export const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
export const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";
export const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
export const PERSISTENT_VOLUME = "kubernetes:core/v1:PersistentVolume";
/** Annotation TenantApp sets on a policy whose plan allows private egress. */
export const ANNOTATION_PRIVATE_EGRESS = "agent-cloud.io/allow-private-egress";
/** Annotation TenantApp sets with its database's private CIDRs (comma-separated). */
export const ANNOTATION_DATABASE_CIDRS = "agent-cloud.io/database-cidrs";
export const RESOURCE_QUOTA = "kubernetes:core/v1:ResourceQuota";
export const POSTGRES_DATABASE = "postgresql:index/database:Database";
export const SHARED_DATABASE = "agent-cloud:data:SharedDatabase";

// Environment names are letters and digits only (model/names.ts), so a namespace that
// merely ends in `-edge` (a tenant "x-edge" lives in `{env}-tenant-x-edge`) is not an edge.
const EDGE = /^([a-z][a-z0-9]*)-edge$/;
const DATABASE = /^([a-z][a-z0-9]*)-database$/;
// Permissive on purpose: anything that reads as a tenant namespace gets the tenant rules.
const TENANT = /^(.+?)-tenant-([a-z0-9-]+)$/;

export function isEdgeNamespace(ns: string): boolean {
  return EDGE.test(ns) && !TENANT.test(ns);
}

export function isDatabaseNamespace(ns: string): boolean {
  return DATABASE.test(ns) && !TENANT.test(ns);
}

export function isTenantNamespaceName(ns: string): boolean {
  return TENANT.test(ns);
}

/** The environment a platform namespace name starts with, if it follows the contract. */
export function environmentOfNamespace(ns: string): string | undefined {
  return (TENANT.exec(ns) ?? EDGE.exec(ns) ?? DATABASE.exec(ns))?.[1];
}

function envLabel(labels: Obj | undefined): string | undefined {
  return asString(labels?.[LABEL_ENVIRONMENT]);
}

/** Environments one resource declares about itself: labels and its namespace's name. */
export function environmentsOf(r: Res): Set<string> {
  const found = new Set<string>();
  const add = (env: string | undefined) => env && found.add(env);
  add(envLabel(labelsOf(r)));
  add(envLabel(asObj(at(r.props, "spec", "template", "metadata", "labels"))));
  add(
    envLabel(asObj(at(r.props, "spec", "jobTemplate", "spec", "template", "metadata", "labels"))),
  );
  const ns = namespaceOf(r);
  if (typeof ns === "string") add(environmentOfNamespace(ns));
  if (r.type === NAMESPACE) add(environmentOfNamespace(objectName(r)));
  return found;
}

/** Every environment the stack's resources declare. */
export function stackEnvironments(resources: readonly Res[]): Set<string> {
  const found = new Set<string>();
  for (const r of resources) for (const env of environmentsOf(r)) found.add(env);
  return found;
}

/** A Namespace resource that is a tenant's: labelled with a tenant id or named `{env}-tenant-{id}`. */
export function isTenantNamespace(r: Res): boolean {
  if (r.type !== NAMESPACE) return false;
  if (asString(labelsOf(r)[LABEL_TENANT])) return true;
  const name = at(r.props, "metadata", "name");
  return typeof name === "string" && isTenantNamespaceName(name);
}

/** Addresses a Service is reachable at from outside or inside the cluster (known ones only). */
export function serviceAddresses(service: Res): { addresses: string[]; pending: boolean } {
  const addresses: string[] = [];
  let pending = false;
  const take = (value: unknown) => {
    if (isUnknown(value)) pending = true;
    else if (typeof value === "string" && value !== "" && value !== "None") addresses.push(value);
  };
  const ingress = at(service.props, "status", "loadBalancer", "ingress");
  if (isUnknown(ingress)) pending = true;
  for (const entry of asList(ingress)) {
    take(at(entry, "ip"));
    take(at(entry, "hostname"));
  }
  take(at(service.props, "spec", "loadBalancerIP"));
  for (const ip of asList(at(service.props, "spec", "externalIPs"))) take(ip);
  return { addresses, pending };
}
