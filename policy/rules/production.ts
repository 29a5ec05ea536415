/**
 * Production guards. The environment comes from the resources themselves (see lib/platform.ts):
 * workloads from their own namespace name or environment label, so the image rule runs on each
 * Deployment before it is created, when a freshly built image's digest is finally known; the
 * database rule from every signal in the stack, since a PostgreSQL database has no namespace.
 */
import { containersOf, isWorkload, podSpecOf } from "../lib/pods";
import {
  DEPLOYMENT,
  environmentsOf,
  isDatabaseNamespace,
  isEdgeNamespace,
  POSTGRES_DATABASE,
  PRODUCTION,
  SHARED_DATABASE,
  STATEFUL_SET,
  stackEnvironments,
} from "../lib/platform";
import { asString, at, describe, isUnknown, namespaceOf, type Res } from "../lib/resources";
import { resourceRule, stackRule } from "../lib/rule";

const DIGEST = /@sha256:[a-f0-9]{64}$/;
const MIN_PROXY_REPLICAS = 2;

function isProduction(r: Res): boolean {
  return environmentsOf(r).has(PRODUCTION);
}

export const imagesByDigest = resourceRule(
  {
    name: "production-images-by-digest",
    description: "In production every container image is pinned by digest (image@sha256:...).",
    severity: "high",
  },
  (r, report) => {
    const pod = isWorkload(r) && isProduction(r) ? podSpecOf(r) : undefined;
    if (!pod) return;
    for (const c of containersOf(pod)) {
      const image = at(c.spec, "image");
      if (isUnknown(image)) continue; // built during the update: checked again then
      if (typeof image === "string" && DIGEST.test(image)) continue;
      report(
        `${describe(r)} ${c.label} runs image "${asString(image) ?? "(none)"}", which is not ` +
          `pinned by digest. In production reference every image as repository@sha256:<digest> ` +
          `(the image component's digest output, or a digest in the stack config) so a re-pushed ` +
          `tag cannot change what runs.`,
      );
    }
  },
);

export const proxyReplicas = resourceRule(
  {
    name: "production-proxy-replicas",
    description: `In production the edge proxy runs at least ${MIN_PROXY_REPLICAS} replicas.`,
    severity: "high",
  },
  (r, report) => {
    if (r.type !== DEPLOYMENT || !isProduction(r)) return;
    const ns = namespaceOf(r);
    if (typeof ns !== "string" || !isEdgeNamespace(ns)) return;
    const replicas = at(r.props, "spec", "replicas");
    if (isUnknown(replicas)) return;
    const count = typeof replicas === "number" ? replicas : 1;
    if (count >= MIN_PROXY_REPLICAS) return;
    report(
      `${describe(r)} is the edge proxy and runs ${count} replica${count === 1 ? "" : "s"}` +
        `${replicas === undefined ? " (spec.replicas unset)" : ""}. Every tenant's traffic passes ` +
        `through it: set spec.replicas to at least ${MIN_PROXY_REPLICAS} (stack config ` +
        `agent-cloud:proxy.replicas) so a rollout or a node drain never takes the platform offline.`,
    );
  },
);

/** The in-cluster PostgreSQL: a StatefulSet in `{env}-database` or under a SharedDatabase. */
function isDatabaseStatefulSet(r: Res): boolean {
  if (r.type !== STATEFUL_SET) return false;
  const ns = namespaceOf(r);
  return (typeof ns === "string" && isDatabaseNamespace(ns)) || r.urn.includes(SHARED_DATABASE);
}

export const databaseProtected = stackRule(
  {
    name: "production-database-protected",
    description:
      "In production every PostgreSQL database and the in-cluster database StatefulSet are protected (protect: true).",
    severity: "critical",
  },
  (resources, report, notApplicable) => {
    const envs = stackEnvironments(resources);
    if (!envs.has(PRODUCTION)) {
      notApplicable(
        envs.size === 0
          ? "no resource names or labels an agent-cloud environment"
          : `environment ${[...envs].join(", ")} is not production`,
      );
    }
    for (const r of resources) {
      if (r.protect) continue;
      if (r.type === POSTGRES_DATABASE) {
        const db = asString(at(r.props, "name")) ?? r.name;
        report(
          `PostgreSQL database "${db}" (Pulumi resource "${r.name}") is not protected: a rename ` +
            `or replacement would drop a tenant's data. Create it with { protect: true } (protect ` +
            `on the SharedDatabase component is inherited by its children).`,
          r.urn,
        );
      } else if (isDatabaseStatefulSet(r)) {
        report(
          `${describe(r)} runs the in-cluster PostgreSQL and is not protected: a replacement ` +
            `would lose its data. Create it with { protect: true } (or pass protect to the ` +
            `SharedDatabase component).`,
          r.urn,
        );
      }
    }
  },
);
