/**
 * The Management API proxy: the one place tenants are reached from outside and the one place TLS
 * terminates. nginx (official image, pinned) runs in the edge namespace behind a Service of the
 * configured type and routes each tenant host to that tenant's `sp-{id}` Service.
 *
 * Two ConfigMaps: the main nginx.conf and entry script (named by content; a change rolls the
 * pods) and the route table (one stable name, mounted as a folder; a change is swapped into the
 * running pods and taken with a graceful reload, so adding a tenant restarts nothing).
 */
import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { apiKeyPrefix, tenantNamespace, tenantServiceName } from "../../model/names";
import {
  type NginxConfigInput,
  type NginxRoute,
  renderNginxConfig,
  renderNginxRoutes,
} from "./nginx-config";
import { renderEdgeEntrypoint } from "./route-reloader";
import type { TenantAuth } from "./nginx/auth";
import { DEFAULT_EDGE_LIMITS, type EdgeLimits, type PlanLimit } from "./nginx/limits";
import { proxyApiKeyTable, type ProxyApiKeys } from "./proxy-keys";
import {
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
} from "../kubernetes/security";

export const MANAGEMENT_PROXY_TYPE = "agent-cloud:edge:ManagementProxy";

/** Name of the proxy's Deployment, Service and PodDisruptionBudget in its namespace. */
export const PROXY_NAME = "management-proxy";

/** Container ports: unprivileged, so nginx needs no NET_BIND_SERVICE capability. */
export const PROXY_PORTS = { http: 8080, https: 8443, health: 8081 } as const;

/** The `nginx` user of the official image. */
export const PROXY_UID = 101;

/** Where the container finds its files; only `runDir` (an emptyDir) is writable. */
export const PROXY_PATHS = {
  configDir: "/etc/agent-cloud/nginx",
  config: "/etc/agent-cloud/nginx/nginx.conf",
  entrypoint: "/etc/agent-cloud/nginx/entrypoint.sh",
  /** The route table's folder: a ConfigMap volume the kubelet updates in place. */
  routesDir: "/etc/agent-cloud/routes",
  routes: "/etc/agent-cloud/routes/routes.conf",
  tlsDir: "/etc/agent-cloud/tls",
  certificate: "/etc/agent-cloud/tls/tls.crt",
  key: "/etc/agent-cloud/tls/tls.key",
  runDir: "/tmp/nginx",
  pidFile: "/tmp/nginx/nginx.pid",
  /**
   * The API-key table: the `{PROXY_NAME}-api-keys` Secret, projected into the route table's
   * folder so the entry script takes a new key like a new route (a `*.conf` there changed).
   */
  apiKeyTable: "/etc/agent-cloud/routes/api-keys.conf",
  /** The authenticated-origin-pull CA, when origin pulls are required. */
  originPullDir: "/etc/agent-cloud/origin-pull",
  originPullCa: "/etc/agent-cloud/origin-pull/ca.crt",
} as const;

/**
 * Pod-template annotation holding the checksum of the main config and entry script (never of the
 * route table), so a settings change rolls the pods and a tenant change does not.
 */
export const CONFIG_CHECKSUM_ANNOTATION = "agent-cloud.io/nginx-config-sha256";

/** Key of the key table in the `{PROXY_NAME}-api-keys` Secret. */
export const API_KEY_TABLE_FILE = "api-keys.map";

/** The route table's ConfigMap: one stable name, so its pods see every new table in place. */
export const ROUTES_CONFIG_MAP_NAME = `${PROXY_NAME}-routes`;

/** How often the entry script looks for a new route table, seconds. */
export const ROUTES_POLL_SECONDS = 2;

/** Cluster DNS name of a tenant's app Service; the only kind of upstream the proxy ever has. */
export function tenantUpstreamHost(
  environment: string,
  tenantId: string,
  clusterDomain: string,
): string {
  return `${tenantServiceName(tenantId)}.${tenantNamespace(environment, tenantId)}.svc.${clusterDomain}`;
}

/**
 * Routes for validated tenants (`TenantConfig` fits): each tenant's hosts to its own `sp-{id}`
 * Service on `port` (the tenant Service port, the same for every tenant).
 */
export function routesFromTenants(
  tenants: readonly {
    readonly id: string;
    readonly hosts: readonly string[];
    readonly suspended?: boolean;
  }[],
  options: { readonly environment: string; readonly port: number; readonly clusterDomain?: string },
): NginxRoute[] {
  return tenants.map((t) => ({
    tenantId: t.id,
    hosts: [...t.hosts],
    upstreamHost: tenantUpstreamHost(
      options.environment,
      t.id,
      options.clusterDomain ?? "cluster.local",
    ),
    upstreamPort: options.port,
    ...(t.suspended === true ? { suspended: true } : {}),
  }));
}

/** The settings that decide the nginx config (everything but Kubernetes plumbing). */
export interface ProxyNginxSettings {
  readonly environment: string;
  /** @default `ac_{environment}_` */
  readonly apiKeyPrefix?: string;
  /**
   * Each tenant's hosts and Service (see {@link routesFromTenants}). An upstream must be the
   * tenant's own `sp-{id}` Service in its own namespace; anything else is refused.
   */
  readonly routes: readonly NginxRoute[];
  /** @default "10m" */
  readonly maxBodySize?: string;
  /** @default 5 */
  readonly connectTimeoutSeconds?: number;
  /** @default 3600 */
  readonly readTimeoutSeconds?: number;
  /** @default 3600 */
  readonly sendTimeoutSeconds?: number;
  /**
   * No longer used: tenants are `upstream` blocks resolved when the route table loads, so nginx
   * needs no resolver. Accepted so existing stack files keep working.
   * @deprecated
   */
  readonly resolver?: string;
  /** @default "cluster.local" */
  readonly clusterDomain?: string;
  /** nginx workers; match the container's CPU limit. @default 2 */
  readonly workerProcesses?: number;
  /** How long a stopping pod waits for open requests and streams. @default 60 */
  readonly shutdownTimeoutSeconds?: number;
  /**
   * Each tenant's auth mode and public paths. A routed tenant not listed here is in `edge` mode
   * with no public path: every request needs its key.
   * @default every tenant in edge mode, no public paths
   */
  readonly tenantAuth?: readonly TenantAuth[];
  /** Per-client limits and client timeouts. @default DEFAULT_EDGE_LIMITS */
  readonly limits?: EdgeLimits;
  /** Per-tenant request limits, one entry per plan with its tenants. @default none */
  readonly planLimits?: readonly PlanLimit[];
  /** Peers (CIDRs) whose `realIpHeader` names the client. @default none */
  readonly realIpFrom?: readonly string[];
  /** @default "CF-Connecting-IP" */
  readonly realIpHeader?: string;
  /** Require the authenticated-origin-pull client certificate. @default false */
  readonly originPull?: boolean;
  /**
   * How long the previous workers keep serving open requests and streams after a reload (every
   * route change reloads): a stream open when a tenant is added is cut only after this long.
   * @default 3600
   */
  readonly reloadDrainSeconds?: number;
  /**
   * Idle keep-alive connections to a tenant are closed after this long; keep it below the
   * tenant app's own idle timeout (Node's default is 5 s).
   * @default 4
   */
  readonly upstreamKeepaliveSeconds?: number;
  /**
   * nginx image tag's version, which decides how HTTP/2 is switched on (`http2 on;` from
   * 1.25.1). Derived from `image` by the component.
   * @default "1.27.5"
   */
  readonly nginxVersion?: string;
}

/** `http2 on;` exists from nginx 1.25.1; older versions only know the listen parameter. */
export function http2Style(version: string): "listen" | "directive" {
  const [major = 0, minor = 0, patch = 0] = version.split(".").map(Number);
  return major > 1 || (major === 1 && (minor > 25 || (minor === 25 && patch >= 1)))
    ? "directive"
    : "listen";
}

/** The nginx version in an image reference's tag (`nginx:1.27.5-alpine@sha256:…` → `1.27.5`). */
export function imageNginxVersion(image: string): string | undefined {
  return /:(\d+\.\d+\.\d+)(-[\w.-]*)?(@|$)/.exec(image)?.[1];
}

/**
 * The exact nginx input the container runs with. The live tests render this and change only the
 * resolver address, listen ports and file paths.
 */
export function proxyNginxConfigInput(s: ProxyNginxSettings): NginxConfigInput {
  const clusterDomain = s.clusterDomain ?? "cluster.local";
  // No route may lead anywhere but to a tenant's own Service.
  s.routes.forEach((r, i) => {
    const own = tenantUpstreamHost(s.environment, r.tenantId, clusterDomain);
    if (r.upstreamHost !== own)
      throw new Error(
        `proxy routes[${i}].upstreamHost "${r.upstreamHost}": must be tenant "${r.tenantId}"'s own Service ${own}`,
      );
  });
  return {
    environment: s.environment,
    apiKeyPrefix: s.apiKeyPrefix ?? apiKeyPrefix(s.environment),
    routes: s.routes,
    upstream: { keepaliveTimeoutSeconds: s.upstreamKeepaliveSeconds ?? 4 },
    http2: http2Style(s.nginxVersion ?? "1.27.5"),
    listen: { ...PROXY_PORTS },
    tls: { certificate: PROXY_PATHS.certificate, key: PROXY_PATHS.key },
    maxBodySize: s.maxBodySize ?? "10m",
    timeouts: {
      connectSeconds: s.connectTimeoutSeconds ?? 5,
      readSeconds: s.readTimeoutSeconds ?? 3600,
      sendSeconds: s.sendTimeoutSeconds ?? 3600,
    },
    paths: {
      pidFile: PROXY_PATHS.pidFile,
      tempDir: PROXY_PATHS.runDir,
      routesFile: PROXY_PATHS.routes,
    },
    workers: {
      processes: s.workerProcesses ?? 2,
      connections: 4096,
      shutdownTimeoutSeconds: s.reloadDrainSeconds ?? 3600,
    },
    auth: {
      keyTablePath: PROXY_PATHS.apiKeyTable,
      tenants:
        s.tenantAuth ??
        s.routes.map((r) => ({ tenantId: r.tenantId, mode: "edge", publicPaths: [] })),
    },
    limits: { limits: s.limits ?? DEFAULT_EDGE_LIMITS, plans: s.planLimits ?? [] },
    clientIdentity: {
      realIpFrom: s.realIpFrom ?? [],
      realIpHeader: s.realIpHeader,
      originPullCaPath: s.originPull === true ? PROXY_PATHS.originPullCa : undefined,
    },
  };
}

export interface ManagementProxyArgs extends ProxyNginxSettings {
  /** Namespace the proxy runs in; the platform creates it. */
  readonly namespace: pulumi.Input<string>;
  /** A `kubernetes.io/tls` Secret in `namespace` (from the certificate component). */
  readonly tlsSecretName: pulumi.Input<string>;
  /**
   * Plain so the disruption budget can follow it.
   * @default 2
   */
  readonly replicas?: number;
  /** @default "LoadBalancer" */
  readonly serviceType?: "LoadBalancer" | "NodePort" | "ClusterIP";
  /** Fixed node ports; only with `serviceType: NodePort`. @default assigned by Kubernetes */
  readonly nodePorts?: { readonly http: number; readonly https: number };
  /** Annotations on the Service (cloud load-balancer settings). @default {} */
  readonly serviceAnnotations?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * nginx image, pinned by tag or digest (never `latest`); checked when the program runs.
   * @default "nginx:1.27.5-alpine"
   */
  readonly image?: string;
  /** Seconds a stopping pod keeps serving so endpoints and load balancers forget it. @default 10 */
  readonly drainSeconds?: number;
  /** @default requests 250m / 128Mi, limits 2 CPU / 512Mi */
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
  /** PEM CA of the origin-pull client certificates; required with `originPull`. */
  readonly originPullCaCertificate?: string;
}

const PINNED_IMAGE = /^[a-z0-9][a-z0-9._\-/:]*(:[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/;

function checkArgs(name: string, args: ManagementProxyArgs): void {
  const fail = (what: string) => {
    throw new Error(`ManagementProxy "${name}": ${what}`);
  };
  const image = args.image ?? "nginx:1.27.5-alpine";
  const tag = /:([\w][\w.-]*)$/.exec(image.split("@")[0] as string)?.[1];
  if (!PINNED_IMAGE.test(image) || (tag === "latest" && !image.includes("@")))
    fail(`image "${image}" must be pinned by a version tag or a digest, e.g. nginx:1.27.5-alpine`);
  const replicas = args.replicas ?? 2;
  if (!Number.isInteger(replicas) || replicas < 1)
    fail(`replicas ${replicas} must be a whole number of at least 1`);
  const type = args.serviceType ?? "LoadBalancer";
  if (args.nodePorts !== undefined) {
    if (type !== "NodePort")
      fail(`nodePorts only apply to serviceType "NodePort" (got "${type}"); remove them`);
    for (const [key, port] of Object.entries(args.nodePorts))
      if (!Number.isInteger(port) || port < 30000 || port > 32767)
        fail(`nodePorts.${key} ${port} must be in the node port range 30000-32767`);
  }
  if ((args.sourceRanges?.length ?? 0) > 0 && type !== "LoadBalancer")
    fail(`sourceRanges only apply to serviceType "LoadBalancer" (got "${type}"); remove them`);
  if (args.externalTrafficPolicy !== undefined && type === "ClusterIP")
    fail(`externalTrafficPolicy does not apply to serviceType "ClusterIP"; remove it`);
  if (
    args.originPull === true &&
    !args.originPullCaCertificate?.startsWith("-----BEGIN CERTIFICATE-----")
  )
    fail("originPull needs originPullCaCertificate, a PEM CA certificate");
  const drain = args.drainSeconds ?? 10;
  if (!Number.isInteger(drain) || drain < 0 || drain > 300)
    fail(`drainSeconds ${drain} must be a whole number from 0 to 300`);
  const shutdown = args.shutdownTimeoutSeconds ?? 60;
  if (!Number.isInteger(shutdown) || shutdown < 1 || shutdown > 86400)
    fail(`shutdownTimeoutSeconds ${shutdown} must be a whole number from 1 to 86400`);
}

/**
 * nginx behind a Service, routing tenant hosts to tenant Services. Creates two ConfigMaps (the
 * main nginx.conf and entry script, named by their checksum; the route table, one stable name),
 * a Deployment, a Service and a PodDisruptionBudget.
 */
export class ManagementProxy extends pulumi.ComponentResource {
  /** Name of the proxy Service (what DNS and load balancers point at). */
  public readonly serviceName: pulumi.Output<string>;
  public readonly namespace: pulumi.Output<string>;
  /** The LoadBalancer's IP or hostname; empty for NodePort and ClusterIP. */
  public readonly address: pulumi.Output<string>;
  /** SHA-256 of the main nginx.conf and entry script (what the pods roll on). */
  public readonly configChecksum: pulumi.Output<string>;
  /** SHA-256 of the route table (taken by a reload, never a restart). */
  public readonly routesChecksum: pulumi.Output<string>;

  constructor(name: string, args: ManagementProxyArgs, opts?: pulumi.ComponentResourceOptions) {
    super(MANAGEMENT_PROXY_TYPE, name, {}, opts);
    checkArgs(name, args);

    // Rendered (and validated) now, not in an apply: a bad host fails `pulumi preview` with a
    // clear message, and the checksum is known before anything is created.
    const image = args.image ?? "nginx:1.27.5-alpine";
    const nginxInput = proxyNginxConfigInput({
      ...args,
      // A tag that names no version: the spelling every nginx with HTTP/2 understands.
      nginxVersion: args.nginxVersion ?? imageNginxVersion(image) ?? "1.9.5",
    });
    const config = renderNginxConfig(nginxInput);
    const routes = renderNginxRoutes(nginxInput);
    const entrypoint = renderEdgeEntrypoint({
      config: PROXY_PATHS.config,
      routesDir: PROXY_PATHS.routesDir,
      pollSeconds: ROUTES_POLL_SECONDS,
    });
    const checksum = createHash("sha256").update(config).update(entrypoint).digest("hex");
    const routesChecksum = createHash("sha256").update(routes).digest("hex");
    const replicas = args.replicas ?? 2;
    const serviceType = args.serviceType ?? "LoadBalancer";
    const drainSeconds = args.drainSeconds ?? 10;
    const shutdownSeconds = args.shutdownTimeoutSeconds ?? 60;
    const selector = { "app.kubernetes.io/name": PROXY_NAME, "app.kubernetes.io/instance": name };
    const labels = {
      ...selector,
      "app.kubernetes.io/component": "edge",
      "app.kubernetes.io/part-of": "agent-cloud",
      "agent-cloud.io/environment": args.environment,
    };

    // Named by content: a new config is a new ConfigMap, so pods that have not rolled yet keep
    // the file they started with, and a rollback finds its old config intact.
    const configMap = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      {
        metadata: {
          name: `${PROXY_NAME}-nginx-${checksum.slice(0, 10)}`,
          namespace: args.namespace,
          labels,
        },
        data: { "nginx.conf": config, "entrypoint.sh": entrypoint },
      },
      { parent: this },
    );

    // The keys the edge checks, in a Secret of their own: never in a ConfigMap. It is projected
    // into the route table's folder, so a new key is swapped in and taken by the same graceful
    // reload as a new route, and no pod restarts.
    const keyTable = proxyApiKeyTable(args.apiKeys ?? {});
    const apiKeys = new k8s.core.v1.Secret(
      `${name}-api-keys`,
      {
        metadata: { name: `${PROXY_NAME}-api-keys`, namespace: args.namespace, labels },
        type: "Opaque",
        stringData: { [API_KEY_TABLE_FILE]: keyTable },
      },
      { parent: this },
    );
    const originPullCa =
      args.originPull === true
        ? new k8s.core.v1.ConfigMap(
            `${name}-origin-pull-ca`,
            {
              metadata: { name: `${PROXY_NAME}-origin-pull-ca`, namespace: args.namespace, labels },
              data: { "ca.crt": args.originPullCaCertificate as string },
            },
            { parent: this },
          )
        : undefined;

    // One stable name: the kubelet swaps the new table into every running pod's volume, and
    // the entry script reloads nginx on it. Nothing in the pod template refers to its content.
    const routesConfigMap = new k8s.core.v1.ConfigMap(
      `${name}-routes`,
      {
        metadata: {
          name: ROUTES_CONFIG_MAP_NAME,
          namespace: args.namespace,
          labels,
          annotations: { "agent-cloud.io/routes-sha256": routesChecksum },
        },
        data: { "routes.conf": routes },
      },
      { parent: this },
    );

    const signal = (s: string) => `nginx -c ${PROXY_PATHS.config} -e /dev/stderr -s ${s}`;
    new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: { name: PROXY_NAME, namespace: args.namespace, labels },
        spec: {
          replicas,
          revisionHistoryLimit: 5,
          minReadySeconds: 5,
          selector: { matchLabels: selector },
          // A new pod is ready before an old one goes: capacity never drops during a rollout.
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            metadata: {
              labels,
              annotations: {
                [CONFIG_CHECKSUM_ANNOTATION]: checksum,
              },
            },
            spec: {
              automountServiceAccountToken: false,
              // Thousands of tenant Services would otherwise become env vars in this pod.
              enableServiceLinks: false,
              // nginx resolves only fully qualified Service names; without this each would
              // first be tried under every search domain (ndots 5), at every reload.
              dnsConfig: { options: [{ name: "ndots", value: "1" }] },
              // Drain, then nginx's own graceful shutdown, then a little slack.
              terminationGracePeriodSeconds: drainSeconds + shutdownSeconds + 5,
              securityContext: restrictedPodSecurityContext(PROXY_UID),
              topologySpreadConstraints: [
                {
                  maxSkew: 1,
                  topologyKey: "kubernetes.io/hostname",
                  whenUnsatisfiable: "ScheduleAnyway",
                  labelSelector: { matchLabels: selector },
                },
              ],
              containers: [
                {
                  name: "nginx",
                  image,
                  imagePullPolicy: "IfNotPresent",
                  // Our entry script, bypassing the image's (they write to /etc): it runs nginx
                  // and reloads it when the route table changes.
                  command: ["/bin/sh", PROXY_PATHS.entrypoint],
                  ports: [
                    { name: "http", containerPort: PROXY_PORTS.http, protocol: "TCP" },
                    { name: "https", containerPort: PROXY_PORTS.https, protocol: "TCP" },
                    { name: "health", containerPort: PROXY_PORTS.health, protocol: "TCP" },
                  ],
                  readinessProbe: {
                    httpGet: { path: "/healthz", port: "health" },
                    periodSeconds: 5,
                    timeoutSeconds: 2,
                    failureThreshold: 2,
                  },
                  livenessProbe: {
                    httpGet: { path: "/healthz", port: "health" },
                    initialDelaySeconds: 5,
                    periodSeconds: 10,
                    timeoutSeconds: 2,
                    failureThreshold: 3,
                  },
                  lifecycle: {
                    // Keep serving while endpoints and load balancers drop this pod, then quit
                    // gracefully and hold the hook until nginx has finished in-flight requests
                    // (at most shutdownTimeoutSeconds, then a fast stop), so the kubelet's stop
                    // signal never cuts them short.
                    preStop: {
                      exec: {
                        command: [
                          "/bin/sh",
                          "-c",
                          `sleep ${drainSeconds}; ${signal("quit")} || kill -QUIT 1; i=0; ` +
                            `while kill -0 1 2>/dev/null && [ $i -lt ${shutdownSeconds} ]; do sleep 1; i=$((i+1)); done; ` +
                            `${signal("stop")} 2>/dev/null || true`,
                        ],
                      },
                    },
                  },
                  resources: args.resources ?? {
                    requests: { cpu: "250m", memory: "128Mi" },
                    limits: { cpu: "2", memory: "512Mi" },
                  },
                  securityContext: restrictedContainerSecurityContext(PROXY_UID),
                  volumeMounts: [
                    { name: "config", mountPath: PROXY_PATHS.configDir, readOnly: true },
                    // A folder, never a subPath: only folder mounts receive ConfigMap updates.
                    { name: "routes", mountPath: PROXY_PATHS.routesDir, readOnly: true },
                    { name: "tls", mountPath: PROXY_PATHS.tlsDir, readOnly: true },
                    { name: "run", mountPath: PROXY_PATHS.runDir },
                    ...(originPullCa
                      ? [
                          {
                            name: "origin-pull",
                            mountPath: PROXY_PATHS.originPullDir,
                            readOnly: true,
                          },
                        ]
                      : []),
                  ],
                },
              ],
              volumes: [
                {
                  name: "config",
                  configMap: { name: configMap.metadata.name, defaultMode: 0o444 },
                },
                // The route table and the key table in one folder, updated in place together.
                {
                  name: "routes",
                  projected: {
                    defaultMode: 0o444,
                    sources: [
                      { configMap: { name: routesConfigMap.metadata.name } },
                      {
                        secret: {
                          name: apiKeys.metadata.name,
                          // Readable by the nginx user only, like the TLS key.
                          items: [{ key: API_KEY_TABLE_FILE, path: "api-keys.conf", mode: 0o440 }],
                        },
                      },
                    ],
                  },
                },
                // Group-readable by the nginx user only.
                { name: "tls", secret: { secretName: args.tlsSecretName, defaultMode: 0o440 } },
                // pid file and request-body temp files; bodies up to maxBodySize land here.
                { name: "run", emptyDir: { sizeLimit: "1Gi" } },
                ...(originPullCa
                  ? [
                      {
                        name: "origin-pull",
                        configMap: { name: originPullCa.metadata.name, defaultMode: 0o444 },
                      },
                    ]
                  : []),
              ],
            },
          },
        },
      },
      { parent: this },
    );

    const service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: {
          name: PROXY_NAME,
          namespace: args.namespace,
          labels,
          annotations: args.serviceAnnotations ?? {},
        },
        spec: {
          type: serviceType,
          selector,
          // With a CDN in front, only its ranges may reach the origin at all.
          ...((args.sourceRanges?.length ?? 0) > 0
            ? { loadBalancerSourceRanges: [...(args.sourceRanges as string[])] }
            : {}),
          ...(args.externalTrafficPolicy !== undefined
            ? { externalTrafficPolicy: args.externalTrafficPolicy }
            : {}),
          ports: [
            {
              name: "http",
              port: 80,
              targetPort: "http",
              protocol: "TCP",
              ...(args.nodePorts ? { nodePort: args.nodePorts.http } : {}),
            },
            {
              name: "https",
              port: 443,
              targetPort: "https",
              protocol: "TCP",
              ...(args.nodePorts ? { nodePort: args.nodePorts.https } : {}),
            },
          ],
        },
      },
      { parent: this },
    );

    // Voluntary evictions (node drains, upgrades) take one pod at a time, so with N replicas N-1
    // keep serving. A PDB must never block every disruption: with one replica a drain evicts it
    // and the ReplicaSet starts it elsewhere (a short gap a one-replica stack accepts) instead of
    // hanging until someone scales up.
    // Broken pods never block a drain.
    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      {
        metadata: { name: PROXY_NAME, namespace: args.namespace, labels },
        spec: {
          selector: { matchLabels: selector },
          maxUnavailable: 1,
          unhealthyPodEvictionPolicy: "AlwaysAllow",
        },
      },
      { parent: this },
    );

    this.serviceName = service.metadata.name;
    this.namespace = service.metadata.namespace;
    this.address =
      serviceType === "LoadBalancer"
        ? service.status.apply((s) => {
            const ingress = s?.loadBalancer?.ingress?.[0];
            return ingress?.ip ?? ingress?.hostname ?? "";
          })
        : pulumi.output("");
    this.configChecksum = pulumi.output(checksum);
    this.routesChecksum = pulumi.output(routesChecksum);
    this.registerOutputs({
      routesChecksum: this.routesChecksum,
      serviceName: this.serviceName,
      namespace: this.namespace,
      address: this.address,
      configChecksum: this.configChecksum,
    });
  }
}
