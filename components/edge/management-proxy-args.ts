/**
 * ManagementProxy's args, and the one function that checks them and fills their defaults before
 * anything is registered: every problem gathered into one ComponentArgsError. The nginx config,
 * route table and entry script are rendered here too, so a bad host fails `pulumi preview` with
 * the rest, and the checksums are known before any child is created.
 */
import { createHash } from "node:crypto";
import { formatConfigProblem, showReceived } from "../../model/rules/config-problem";
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_PROXY_IMAGE, PROXY_DEFAULTS } from "../../model/edge-defaults";
import { PLAN_RESOURCES, zeroLimitReason } from "../../model/rules/plan-resources";
import { proxyImageProblem } from "../../model/rules/proxy-image";
import { type ProxyServiceType, proxyServiceProblems } from "../../model/rules/proxy-service";
import { assertNoProblems } from "../component-args-error";
import type { Transform } from "../transform";
import {
  MOST_WORKER_PROCESSES,
  NginxConfigError,
  renderNginxConfig,
  renderNginxRoutes,
} from "./nginx-config";
import { PROXY_PATHS, ROUTES_POLL_SECONDS } from "./proxy-layout";
import type { ProxyApiKeys } from "./proxy-keys";
import {
  imageNginxVersion,
  type ProxyNginxSettings,
  proxyRouteProblems,
  unverifiedProxyNginxConfigInput,
} from "./proxy-nginx-input";
import { quantityReason, quantityValue } from "../../model/quantity";
import { drainingWorkersKept, renderEdgeEntrypoint } from "./route-reloader";
import { INTERIM_GUARD_SCRIPT } from "./nginx/interim-answers";

/** The component's class name, as its errors name it. */
export const MANAGEMENT_PROXY_COMPONENT = "ManagementProxy";

/** Adjust a child before it is registered; see components/transform.ts. */
export interface ManagementProxyTransforms {
  /** The ConfigMap with nginx.conf and the entry script (`{name}-config`). */
  readonly config?: Transform<k8s.core.v1.ConfigMapArgs>;
  /** The Secret holding the API-key table (`{name}-api-keys`). */
  readonly apiKeys?: Transform<k8s.core.v1.SecretArgs>;
  /** The origin-pull CA ConfigMap (`{name}-origin-pull-ca`), created with `originPull` only. */
  readonly originPullCa?: Transform<k8s.core.v1.ConfigMapArgs>;
  /** The route table's ConfigMap (`{name}-routes`). */
  readonly routes?: Transform<k8s.core.v1.ConfigMapArgs>;
  /** The nginx Deployment (`{name}-deployment`). */
  readonly deployment?: Transform<k8s.apps.v1.DeploymentArgs>;
  /** The Service (`{name}-service`). */
  readonly service?: Transform<k8s.core.v1.ServiceArgs>;
  /** The PodDisruptionBudget (`{name}-pdb`). */
  readonly podDisruptionBudget?: Transform<k8s.policy.v1.PodDisruptionBudgetArgs>;
}

export interface ManagementProxyArgs extends Omit<ProxyNginxSettings, "drainingWorkersKept"> {
  /**
   * The domain tenants are served under (`{id}.{domain}`): a `Set-Cookie` a tenant's server
   * answers for it, a parent of it or another tenant's host is rewritten to the request's own
   * host (nginx/cookies.ts, which says what the rewrite cannot catch: a page's own
   * `document.cookie`, attribute spellings nginx does not parse).
   */
  readonly domain: string;
  /** Namespace the proxy runs in; the platform creates it. */
  readonly namespace: pulumi.Input<string>;
  /** A `kubernetes.io/tls` Secret in `namespace` (from the certificate component). */
  readonly tlsSecretName: pulumi.Input<string>;
  /**
   * Plain so the disruption budget can follow it.
   * @default PROXY_DEFAULTS.replicas (model/edge-defaults.ts): 2
   */
  readonly replicas?: number;
  /** @default PROXY_DEFAULTS.serviceType: "LoadBalancer" */
  readonly serviceType?: ProxyServiceType;
  /**
   * Fixed node ports (NODE_PORT_RANGE in model/rules/proxy-service.ts); only with
   * `serviceType: NodePort`.
   * @default assigned by Kubernetes
   */
  readonly nodePorts?: { readonly http: number; readonly https: number };
  /** Annotations on the Service (cloud load-balancer settings). @default {} */
  readonly serviceAnnotations?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * nginx image, pinned by tag or digest (never `latest`); checked when the program runs.
   * @default DEFAULT_PROXY_IMAGE (model/edge-defaults.ts): nginx:1.27.5-alpine pinned by digest,
   * the schema's default too
   */
  readonly image?: string;
  /** Seconds a stopping pod keeps serving so endpoints and load balancers forget it. @default 10 */
  readonly drainSeconds?: number;
  /**
   * The nginx container's resources. Its CPU limit sets how many nginx workers run unless
   * `workerProcesses` does (one per CPU, rounded up: `500m` runs one, `4` four). Its memory limit
   * decides how many old workers may drain at once after route changes (each holds a copy of
   * the route table; route-reloader.ts), so `limits.memory` must be a quantity when the program
   * runs (`1Gi`, `1G`; not an Output); without one, no draining worker is stopped. A `transform`
   * that changes either limit is not seen by these counts. A limit of 0 (no limit to Kubernetes)
   * is refused.
   * @default requests 250m / 128Mi, limits 2 CPU / 1Gi
   */
  readonly resources?: pulumi.Input<k8s.types.input.core.v1.ResourceRequirements>;
  /**
   * Each tenant's accepted API keys (secret Outputs), keyed by tenant id; they become the key
   * table the edge checks requests against, in a Secret of its own.
   * @default none: every request to an edge-mode tenant is refused
   */
  readonly apiKeys?: ProxyApiKeys;
  /** Client CIDRs the LoadBalancer admits (`loadBalancerSourceRanges`). @default every address */
  readonly sourceRanges?: readonly string[];
  /** `Local` keeps the client's (or CDN's) address visible to nginx. @default the cluster's default */
  readonly externalTrafficPolicy?: "Cluster" | "Local";
  /** PEM CA of the origin-pull client certificates; required with `originPull`. @default none */
  readonly originPullCaCertificate?: string;
  /** Adjust the children before they are registered. @default no change */
  readonly transform?: ManagementProxyTransforms;
}

/** What the proxy's files hold, rendered from the args, and their checksums. */
export interface RenderedProxyFiles {
  readonly nginxConfig: string;
  readonly routes: string;
  readonly entrypoint: string;
  /** SHA-256 of nginx.conf, the entry script and the interim guard: what the pods roll on. */
  readonly configChecksum: string;
  /** SHA-256 of the route table: taken by a reload, never a restart. */
  readonly routesChecksum: string;
}

/** The args checked, with every default filled in and the files rendered. */
export interface ResolvedManagementProxyArgs {
  readonly environment: string;
  readonly namespace: pulumi.Input<string>;
  readonly tlsSecretName: pulumi.Input<string>;
  readonly image: string;
  readonly replicas: number;
  readonly serviceType: ProxyServiceType;
  readonly nodePorts?: { readonly http: number; readonly https: number };
  readonly serviceAnnotations: pulumi.Input<Record<string, pulumi.Input<string>>>;
  readonly drainSeconds: number;
  readonly shutdownSeconds: number;
  readonly resources: pulumi.Input<k8s.types.input.core.v1.ResourceRequirements>;
  readonly apiKeys: ProxyApiKeys;
  readonly sourceRanges: readonly string[];
  readonly externalTrafficPolicy?: "Cluster" | "Local";
  /** Set exactly when origin pulls are required. */
  readonly originPullCaCertificate?: string;
  readonly files: RenderedProxyFiles;
  readonly transform: ManagementProxyTransforms;
}

/** The default container resources. */
const DEFAULT_RESOURCES = {
  requests: { cpu: "250m", memory: "128Mi" },
  limits: { cpu: "2", memory: "1Gi" },
};

/** A limit given as an Output or a Promise: known only at deployment. */
const KNOWN_LATER = Symbol("known at deployment");

/**
 * One of `resources`' limits as the args spell it: the default's without `resources`,
 * undefined when they set limits without it.
 */
function limitOf(resources: ManagementProxyArgs["resources"], name: "cpu" | "memory"): unknown {
  if (resources === undefined) return DEFAULT_RESOURCES.limits[name];
  if (pulumi.Output.isInstance(resources) || resources instanceof Promise) return KNOWN_LATER;
  const limits = resources.limits;
  if (limits === undefined) return undefined;
  if (pulumi.Output.isInstance(limits) || limits instanceof Promise) return KNOWN_LATER;
  const limit = (limits as Record<string, unknown>)[name];
  return pulumi.Output.isInstance(limit) || limit instanceof Promise ? KNOWN_LATER : limit;
}

/**
 * What sizes the nginx workers and how many old ones may drain: the container's resources,
 * `workerProcesses`, and the routes (only how many). ManagementProxy's args are one; the stack
 * config's check builds one from `proxy.resources` and the tenants (stacks/config/rules/).
 */
export type ProxyWorkerSizing = Pick<ManagementProxyArgs, "resources" | "workerProcesses"> & {
  readonly routes: readonly unknown[];
};

/**
 * A problem with how the workers are sized: the arg (`resources.limits.memory`), what it held
 * (undefined when the problem is not about a value), whether that was the component's default,
 * and why; `text` is how ManagementProxy says it.
 */
export interface WorkerSizingProblem {
  readonly path: string;
  readonly received?: unknown;
  readonly isDefault: boolean;
  readonly message: string;
  readonly text: string;
}

/**
 * A sizing problem printed `path received: message` and what ManagementProxy adds (`why`),
 * received quoted by showReceived (a value that looks like a credential is not shown), as most
 * args' are; `text` replaces the whole line where an older message keeps its own form.
 */
function sizingProblem(
  path: string,
  received: unknown,
  message: string,
  more: { readonly isDefault?: boolean; readonly why?: string; readonly text?: string } = {},
): WorkerSizingProblem {
  const isDefault = more.isDefault ?? false;
  const shown = received === undefined ? "" : ` ${showReceived(received)}`;
  const text =
    more.text ?? `${path}${shown}${isDefault ? " (the default)" : ""}: ${message}${more.why ?? ""}`;
  return { path, received, isDefault, message, text };
}

/**
 * The container's memory limit as `resources` spells it: undefined when it sets limits without
 * one, a problem when it is not a plain quantity now (an Output is known only at deployment,
 * and the route table that carries the draining budget is rendered before that). A zero limit is
 * no limit here: {@link zeroLimitProblems} (and the config's plan rule) refuse it, once.
 */
function memoryLimitOf(resources: ManagementProxyArgs["resources"]): {
  limit?: string;
  problems: WorkerSizingProblem[];
} {
  const memory = limitOf(resources, "memory");
  if (memory === undefined) return { problems: [] };
  if (typeof memory !== "string")
    return {
      problems: [
        sizingProblem(
          "resources.limits.memory",
          undefined,
          "must be a plain quantity when the program runs, not an Output or a Promise: it sizes how many old nginx workers may drain after a route change",
        ),
      ],
    };
  const reason = quantityReason(memory);
  if (reason !== undefined)
    return { problems: [sizingProblem("resources.limits.memory", memory, reason)] };
  return zeroLimitReason("memory", memory) === undefined
    ? { limit: memory, problems: [] }
    : { problems: [] };
}

/**
 * A CPU or memory limit of zero, which Kubernetes reads as no limit at all, so nginx could take
 * its node (model/rules/plan-resources.ts, the rule `proxy.resources` is checked by too). A
 * limit known only at deployment is not seen.
 */
function zeroLimitProblems(resources: ManagementProxyArgs["resources"]): string[] {
  return PLAN_RESOURCES.flatMap((resource) => {
    const limit = limitOf(resources, resource);
    if (typeof limit !== "string" && typeof limit !== "number") return [];
    const reason = zeroLimitReason(resource, String(limit));
    return reason === undefined
      ? []
      : [`resources.limits.${resource} ${showReceived(limit)}: ${reason}`];
  });
}

/**
 * How many nginx workers run: `workerProcesses`, else one per CPU of the container's limit,
 * rounded up (a worker per core is what nginx recommends, and the limit is the cores the
 * container gets), else PROXY_DEFAULTS.workerProcesses when the limit is unset or known only at
 * deployment. A problem leaves the default, so nginx's own checks do not repeat it.
 */
function workerProcessesOf(args: ProxyWorkerSizing): {
  count: number;
  /** Set when the count comes from a CPU limit the caller set: which, for messages. */
  fromCpu?: string;
  problems: WorkerSizingProblem[];
} {
  const fallback = PROXY_DEFAULTS.workerProcesses;
  if (args.workerProcesses !== undefined) {
    const problems = wholeNumberProblems(
      "workerProcesses",
      args.workerProcesses,
      1,
      MOST_WORKER_PROCESSES,
      `a whole number from 1 to ${MOST_WORKER_PROCESSES}`,
    ).map((text) =>
      sizingProblem(
        "workerProcesses",
        args.workerProcesses,
        `must be a whole number from 1 to ${MOST_WORKER_PROCESSES}`,
        { text },
      ),
    );
    return { count: problems.length === 0 ? args.workerProcesses : fallback, problems };
  }
  const cpu = limitOf(args.resources, "cpu");
  if (typeof cpu !== "string" && typeof cpu !== "number") return { count: fallback, problems: [] };
  const field = `resources.limits.cpu ${showReceived(cpu)}`;
  const reason = quantityReason(String(cpu));
  if (reason !== undefined)
    return { count: fallback, problems: [sizingProblem("resources.limits.cpu", cpu, reason)] };
  const count = Math.max(1, Math.ceil(quantityValue(String(cpu))));
  // Only a limit the caller set is worth naming when the workers do not fit.
  const fromCpu = args.resources === undefined ? undefined : field;
  return count <= MOST_WORKER_PROCESSES
    ? { count, fromCpu, problems: [] }
    : {
        count: fallback,
        problems: [
          sizingProblem(
            "resources.limits.cpu",
            cpu,
            `runs one nginx worker per CPU, at most ${MOST_WORKER_PROCESSES}; set workerProcesses for a larger limit`,
          ),
        ],
      };
}

/** How many old workers may drain at once, or why the memory limit cannot hold them. */
function drainingBudget(
  args: ProxyWorkerSizing,
  workers: ReturnType<typeof workerProcessesOf>,
): { kept?: number; problems: WorkerSizingProblem[] } {
  const workerProcesses = workers.count;
  const memory = memoryLimitOf(args.resources);
  if (memory.problems.length > 0) return memory;
  try {
    const kept = drainingWorkersKept({
      tenants: args.routes.length,
      memoryLimit: memory.limit,
      workerProcesses,
    });
    return { kept, problems: [] };
  } catch (err) {
    // Name what set the workers when the caller did not: one per CPU of the limit.
    const why =
      workers.fromCpu === undefined
        ? ""
        : ` (${workerProcesses} workers: one per CPU of ${workers.fromCpu}; workerProcesses sets fewer)`;
    return {
      problems: [
        sizingProblem("resources.limits.memory", memory.limit, (err as Error).message, {
          isDefault: args.resources === undefined,
          why,
        }),
      ],
    };
  }
}

/**
 * How many nginx workers run and how many old ones may drain at once, with every problem of
 * either: what ManagementProxy renders into nginx.conf and the route table, and what the stack
 * config's check (stacks/config/rules/proxy-workers.ts) asks of `proxy.resources`.
 */
export function proxyWorkerSizing(args: ProxyWorkerSizing): {
  workers: ReturnType<typeof workerProcessesOf>;
  kept?: number;
  problems: WorkerSizingProblem[];
} {
  const workers = workerProcessesOf(args);
  const draining = drainingBudget(args, workers);
  return { workers, kept: draining.kept, problems: [...workers.problems, ...draining.problems] };
}

/** Problems with the image: unpinned, or `latest` without a digest (model/rules/proxy-image.ts). */
function imageProblems(image: string): string[] {
  const problem = proxyImageProblem(image);
  return problem === undefined ? [] : [`image ${showReceived(image)} ${problem}`];
}

/** Problems with a whole-number arg outside `[min, max]`; `what` says what is allowed. */
function wholeNumberProblems(
  field: string,
  value: number,
  min: number,
  max: number,
  what: string,
): string[] {
  return Number.isInteger(value) && value >= min && value <= max
    ? []
    : [`${field} ${value} must be ${what}`];
}

/** Renders nginx.conf, the route table and the entry script; nginx's own problems are returned. */
function renderProxyFiles(
  args: ManagementProxyArgs,
  image: string,
): { files?: RenderedProxyFiles; problems: string[] } {
  const sizing = proxyWorkerSizing(args);
  const shipped = unverifiedProxyNginxConfigInput({
    ...args,
    workerProcesses: sizing.workers.count,
    // A tag that names no version: the spelling every nginx with HTTP/2 understands.
    nginxVersion: args.nginxVersion ?? imageNginxVersion(image) ?? "1.9.5",
  });
  const problems = sizing.problems.map((problem) => problem.text);
  const nginxInput = { ...shipped, drainingWorkersKept: sizing.kept };
  let nginxConfig: string;
  let routes: string;
  try {
    nginxConfig = renderNginxConfig(nginxInput);
    routes = renderNginxRoutes(nginxInput);
  } catch (err) {
    if (err instanceof NginxConfigError) return { problems: [...problems, ...err.problems] };
    throw err;
  }
  if (problems.length > 0) return { problems };
  const entrypoint = renderEdgeEntrypoint({
    config: PROXY_PATHS.config,
    routesDir: PROXY_PATHS.routesDir,
    // Renewed in place (cert-manager, or a new certificate in the same Secret): taken by a reload.
    tlsDir: PROXY_PATHS.tlsDir,
    originPullDir: args.originPull === true ? PROXY_PATHS.originPullDir : undefined,
    pollSeconds: ROUTES_POLL_SECONDS,
  });
  const configChecksum = createHash("sha256")
    .update(nginxConfig)
    .update(entrypoint)
    .update(INTERIM_GUARD_SCRIPT)
    .digest("hex");
  const routesChecksum = createHash("sha256").update(routes).digest("hex");
  return {
    files: { nginxConfig, routes, entrypoint, configChecksum, routesChecksum },
    problems: [],
  };
}

/**
 * Checks ManagementProxy's args and fills their defaults. Throws one ComponentArgsError listing
 * every problem (its own, the Service rule's, the routes' and nginx's) before anything exists.
 */
export function resolveManagementProxyArgs(
  name: string,
  args: ManagementProxyArgs,
): ResolvedManagementProxyArgs {
  const image = args.image ?? DEFAULT_PROXY_IMAGE;
  const replicas = args.replicas ?? PROXY_DEFAULTS.replicas;
  const serviceType = args.serviceType ?? PROXY_DEFAULTS.serviceType;
  const drainSeconds = args.drainSeconds ?? 10;
  const shutdownSeconds = args.shutdownTimeoutSeconds ?? 60;
  const problems = [
    ...imageProblems(image),
    ...wholeNumberProblems("replicas", replicas, 1, Infinity, "a whole number of at least 1"),
    ...zeroLimitProblems(args.resources),
    ...proxyServiceProblems({ ...args, serviceType }).map(formatConfigProblem),
    ...(args.originPull === true &&
    !args.originPullCaCertificate?.startsWith("-----BEGIN CERTIFICATE-----")
      ? ["originPull needs originPullCaCertificate, a PEM CA certificate"]
      : []),
    ...wholeNumberProblems("drainSeconds", drainSeconds, 0, 300, "a whole number from 0 to 300"),
    ...wholeNumberProblems(
      "shutdownTimeoutSeconds",
      shutdownSeconds,
      1,
      86400,
      "a whole number from 1 to 86400",
    ),
    ...proxyRouteProblems(args),
    // Required by the type; a caller without types gets the problem rather than no rewrite.
    ...(typeof args.domain === "string"
      ? []
      : ["domain: required, the domain tenants are served under ({id}.{domain})"]),
  ];
  const rendered = renderProxyFiles(args, image);
  problems.push(...rendered.problems);
  assertNoProblems(MANAGEMENT_PROXY_COMPONENT, name, problems);
  return {
    environment: args.environment,
    namespace: args.namespace,
    tlsSecretName: args.tlsSecretName,
    image,
    replicas,
    serviceType,
    nodePorts: args.nodePorts,
    serviceAnnotations: args.serviceAnnotations ?? {},
    drainSeconds,
    shutdownSeconds,
    resources: args.resources ?? DEFAULT_RESOURCES,
    apiKeys: args.apiKeys ?? {},
    sourceRanges: args.sourceRanges ?? [],
    externalTrafficPolicy: args.externalTrafficPolicy,
    originPullCaCertificate: args.originPull === true ? args.originPullCaCertificate : undefined,
    files: rendered.files as RenderedProxyFiles,
    transform: args.transform ?? {},
  };
}
