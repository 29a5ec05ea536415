/**
 * The Management API proxy: the one place tenants are reached from outside and the one place TLS
 * terminates. nginx (official image, pinned) runs in the edge namespace behind a Service of the
 * configured type and routes each tenant host to that tenant's `sp-{id}` Service.
 */
import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { apiKeyPrefix, tenantNamespace, tenantServiceName } from "../../stacks/config/names";
import { type NginxConfigInput, type NginxRoute, renderNginxConfig } from "./nginx-config";
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
  tlsDir: "/etc/agent-cloud/tls",
  certificate: "/etc/agent-cloud/tls/tls.crt",
  key: "/etc/agent-cloud/tls/tls.key",
  runDir: "/tmp/nginx",
  pidFile: "/tmp/nginx/nginx.pid",
} as const;

/** Pod-template annotation holding the config checksum, so a config change rolls the pods. */
export const CONFIG_CHECKSUM_ANNOTATION = "agent-cloud.io/nginx-config-sha256";

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
  tenants: readonly { readonly id: string; readonly hosts: readonly string[] }[],
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
  /** @default "kube-dns.kube-system.svc.cluster.local" */
  readonly resolver?: string;
  /** @default "cluster.local" */
  readonly clusterDomain?: string;
  /** nginx workers; match the container's CPU limit. @default 2 */
  readonly workerProcesses?: number;
  /** How long shutdown and reload wait for open requests and streams. @default 60 */
  readonly shutdownTimeoutSeconds?: number;
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
    resolver: s.resolver ?? "kube-dns.kube-system.svc.cluster.local",
    listen: { ...PROXY_PORTS },
    tls: { certificate: PROXY_PATHS.certificate, key: PROXY_PATHS.key },
    maxBodySize: s.maxBodySize ?? "10m",
    timeouts: {
      connectSeconds: s.connectTimeoutSeconds ?? 5,
      readSeconds: s.readTimeoutSeconds ?? 3600,
      sendSeconds: s.sendTimeoutSeconds ?? 3600,
    },
    paths: { pidFile: PROXY_PATHS.pidFile, tempDir: PROXY_PATHS.runDir },
    workers: {
      processes: s.workerProcesses ?? 2,
      connections: 4096,
      shutdownTimeoutSeconds: s.shutdownTimeoutSeconds ?? 60,
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
  const drain = args.drainSeconds ?? 10;
  if (!Number.isInteger(drain) || drain < 0 || drain > 300)
    fail(`drainSeconds ${drain} must be a whole number from 0 to 300`);
}

/**
 * nginx behind a Service, routing tenant hosts to tenant Services. Creates a ConfigMap (the
 * rendered nginx.conf, named by its checksum), a Deployment, a Service and a PodDisruptionBudget.
 */
export class ManagementProxy extends pulumi.ComponentResource {
  /** Name of the proxy Service (what DNS and load balancers point at). */
  public readonly serviceName: pulumi.Output<string>;
  public readonly namespace: pulumi.Output<string>;
  /** The LoadBalancer's IP or hostname; empty for NodePort and ClusterIP. */
  public readonly address: pulumi.Output<string>;
  /** SHA-256 of the rendered nginx.conf. */
  public readonly configChecksum: pulumi.Output<string>;

  constructor(name: string, args: ManagementProxyArgs, opts?: pulumi.ComponentResourceOptions) {
    super(MANAGEMENT_PROXY_TYPE, name, {}, opts);
    checkArgs(name, args);

    // Rendered (and validated) now, not in an apply: a bad host fails `pulumi preview` with a
    // clear message, and the checksum is known before anything is created.
    const nginxInput = proxyNginxConfigInput(args);
    const config = renderNginxConfig(nginxInput);
    const checksum = createHash("sha256").update(config).digest("hex");
    const replicas = args.replicas ?? 2;
    const serviceType = args.serviceType ?? "LoadBalancer";
    const drainSeconds = args.drainSeconds ?? 10;
    const shutdownSeconds = nginxInput.workers?.shutdownTimeoutSeconds ?? 60;
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
        data: { "nginx.conf": config },
      },
      { parent: this },
    );

    const quit = `nginx -c ${PROXY_PATHS.config} -e /dev/stderr -s quit || kill -QUIT 1`;
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
            metadata: { labels, annotations: { [CONFIG_CHECKSUM_ANNOTATION]: checksum } },
            spec: {
              automountServiceAccountToken: false,
              // Thousands of tenant Services would otherwise become env vars in this pod.
              enableServiceLinks: false,
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
                  image: args.image ?? "nginx:1.27.5-alpine",
                  imagePullPolicy: "IfNotPresent",
                  // nginx as PID 1, bypassing the image's entrypoint scripts (they write to /etc).
                  command: ["nginx"],
                  args: ["-c", PROXY_PATHS.config, "-e", "/dev/stderr"],
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
                    // gracefully and hold the hook until nginx has finished in-flight requests,
                    // so the kubelet's stop signal never cuts them short.
                    preStop: {
                      exec: {
                        command: [
                          "/bin/sh",
                          "-c",
                          `sleep ${drainSeconds}; ${quit}; while kill -0 1 2>/dev/null; do sleep 1; done`,
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
                    { name: "tls", mountPath: PROXY_PATHS.tlsDir, readOnly: true },
                    { name: "run", mountPath: PROXY_PATHS.runDir },
                  ],
                },
              ],
              volumes: [
                {
                  name: "config",
                  configMap: { name: configMap.metadata.name, defaultMode: 0o444 },
                },
                // Group-readable by the nginx user only.
                { name: "tls", secret: { secretName: args.tlsSecretName, defaultMode: 0o440 } },
                // pid file and request-body temp files; bodies up to maxBodySize land here.
                { name: "run", emptyDir: { sizeLimit: "1Gi" } },
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
    this.registerOutputs({
      serviceName: this.serviceName,
      namespace: this.namespace,
      address: this.address,
      configChecksum: this.configChecksum,
    });
  }
}
