/**
 * The Management API proxy: the one place tenants are reached from outside and the one place TLS
 * terminates. nginx (official image, pinned) runs in the edge namespace behind a Service of the
 * configured type and routes each tenant host to that tenant's `sp-{id}` Service.
 *
 * Two ConfigMaps: the main nginx.conf and entry script (named by content; a change rolls the
 * pods) and the route table (one stable name, mounted as a folder; a change is swapped into the
 * running pods and taken with a graceful reload, so adding a tenant restarts nothing).
 *
 * Args and their checks: management-proxy-args.ts. The pod's names, ports and paths:
 * proxy-layout.ts. The settings → nginx input: proxy-nginx-input.ts.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createChild } from "../create-child";
import {
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
} from "../kubernetes/security";
import {
  type ManagementProxyArgs,
  type ResolvedManagementProxyArgs,
  resolveManagementProxyArgs,
} from "./management-proxy-args";
import {
  API_KEY_TABLE_FILE,
  CONFIG_CHECKSUM_ANNOTATION,
  PROXY_NAME,
  PROXY_PATHS,
  PROXY_PORTS,
  PROXY_UID,
  ROUTES_CONFIG_MAP_NAME,
} from "./proxy-layout";
import { basename } from "node:path";
import { INTERIM_GUARD_SCRIPT } from "./nginx/interim-answers";
import { proxyApiKeyTable } from "./proxy-keys";
import { PROXY_TEMP_VOLUME_SIZE } from "../../model/body-size";

export * from "./management-proxy-args";
export * from "./proxy-layout";
export * from "./proxy-nginx-input";

export const MANAGEMENT_PROXY_TYPE = "agent-cloud:edge:ManagementProxy";

/** Labels every child carries, and the subset that selects the proxy's pods. */
interface ProxyLabels {
  readonly selector: Record<string, string>;
  readonly labels: Record<string, string>;
}

/**
 * nginx behind a Service, routing tenant hosts to tenant Services. Creates two ConfigMaps (the
 * main nginx.conf and entry script, named by their checksum; the route table, one stable name),
 * the API-key Secret, a Deployment, a Service and a PodDisruptionBudget (and the origin-pull CA's
 * ConfigMap when origin pulls are required).
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
  /** The ConfigMap holding nginx.conf and the entry script (a new one per config). */
  public readonly configMap: k8s.core.v1.ConfigMap;
  /** The Secret holding the API-key table. */
  public readonly apiKeysSecret: k8s.core.v1.Secret;
  /** The origin-pull CA's ConfigMap, with `originPull` only. */
  public readonly originPullCaConfigMap?: k8s.core.v1.ConfigMap;
  /** The route table's ConfigMap (one stable name). */
  public readonly routesConfigMap: k8s.core.v1.ConfigMap;
  /** The nginx Deployment. */
  public readonly deployment: k8s.apps.v1.Deployment;
  /** The proxy's Service. */
  public readonly service: k8s.core.v1.Service;
  /** Keeps all but one pod serving through voluntary disruptions. */
  public readonly podDisruptionBudget: k8s.policy.v1.PodDisruptionBudget;

  constructor(name: string, args: ManagementProxyArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked (and nginx's files rendered) before registering, so a bad config leaves nothing
    // half-made in the state.
    const resolved = resolveManagementProxyArgs(name, args);
    super(MANAGEMENT_PROXY_TYPE, name, {}, opts);

    this.configMap = this.createConfigMap(name, resolved);
    this.apiKeysSecret = this.createApiKeysSecret(name, resolved);
    this.originPullCaConfigMap = this.createOriginPullCaConfigMap(name, resolved);
    this.routesConfigMap = this.createRoutesConfigMap(name, resolved);
    this.deployment = this.createDeployment(name, resolved);
    this.service = this.createService(name, resolved);
    this.podDisruptionBudget = this.createDisruptionBudget(name, resolved);

    this.serviceName = this.service.metadata.name;
    this.namespace = this.service.metadata.namespace;
    this.address =
      resolved.serviceType === "LoadBalancer"
        ? this.service.status.apply((s) => {
            const ingress = s?.loadBalancer?.ingress?.[0];
            return ingress?.ip ?? ingress?.hostname ?? "";
          })
        : pulumi.output("");
    this.configChecksum = pulumi.output(resolved.files.configChecksum);
    this.routesChecksum = pulumi.output(resolved.files.routesChecksum);
    this.registerOutputs({
      routesChecksum: this.routesChecksum,
      serviceName: this.serviceName,
      namespace: this.namespace,
      address: this.address,
      configChecksum: this.configChecksum,
    });
  }

  /**
   * Named by content: a new config is a new ConfigMap, so pods that have not rolled yet keep the
   * file they started with, and a rollback finds its old config intact.
   */
  private createConfigMap(name: string, r: ResolvedManagementProxyArgs): k8s.core.v1.ConfigMap {
    const { labels } = proxyLabels(name, r.environment);
    return createChild(
      this,
      k8s.core.v1.ConfigMap,
      `${name}-config`,
      {
        metadata: {
          name: `${PROXY_NAME}-nginx-${r.files.configChecksum.slice(0, 10)}`,
          namespace: r.namespace,
          labels,
        },
        data: {
          "nginx.conf": r.files.nginxConfig,
          "entrypoint.sh": r.files.entrypoint,
          [basename(PROXY_PATHS.interimGuard)]: INTERIM_GUARD_SCRIPT,
        },
      },
      r.transform.config,
    );
  }

  /**
   * The keys the edge checks, in a Secret of their own: never in a ConfigMap. It is projected
   * into the route table's folder, so a new key is swapped in and taken by the same graceful
   * reload as a new route, and no pod restarts.
   */
  private createApiKeysSecret(name: string, r: ResolvedManagementProxyArgs): k8s.core.v1.Secret {
    const { labels } = proxyLabels(name, r.environment);
    return createChild(
      this,
      k8s.core.v1.Secret,
      `${name}-api-keys`,
      {
        metadata: { name: `${PROXY_NAME}-api-keys`, namespace: r.namespace, labels },
        type: "Opaque",
        stringData: { [API_KEY_TABLE_FILE]: proxyApiKeyTable(r.apiKeys) },
      },
      r.transform.apiKeys,
    );
  }

  private createOriginPullCaConfigMap(
    name: string,
    r: ResolvedManagementProxyArgs,
  ): k8s.core.v1.ConfigMap | undefined {
    const { labels } = proxyLabels(name, r.environment);
    if (r.originPullCaCertificate === undefined) return undefined;
    return createChild(
      this,
      k8s.core.v1.ConfigMap,
      `${name}-origin-pull-ca`,
      {
        metadata: { name: `${PROXY_NAME}-origin-pull-ca`, namespace: r.namespace, labels },
        data: { "ca.crt": r.originPullCaCertificate },
      },
      r.transform.originPullCa,
    );
  }

  /**
   * One stable name: the kubelet swaps the new table into every running pod's volume, and the
   * entry script reloads nginx on it. Nothing in the pod template refers to its content.
   */
  private createRoutesConfigMap(
    name: string,
    r: ResolvedManagementProxyArgs,
  ): k8s.core.v1.ConfigMap {
    const { labels } = proxyLabels(name, r.environment);
    return createChild(
      this,
      k8s.core.v1.ConfigMap,
      `${name}-routes`,
      {
        metadata: {
          name: ROUTES_CONFIG_MAP_NAME,
          namespace: r.namespace,
          labels,
          annotations: { "agent-cloud.io/routes-sha256": r.files.routesChecksum },
        },
        data: { "routes.conf": r.files.routes },
      },
      r.transform.routes,
    );
  }

  private createDeployment(name: string, r: ResolvedManagementProxyArgs): k8s.apps.v1.Deployment {
    const { selector, labels } = proxyLabels(name, r.environment);
    return createChild(
      this,
      k8s.apps.v1.Deployment,
      `${name}-deployment`,
      {
        metadata: { name: PROXY_NAME, namespace: r.namespace, labels },
        spec: {
          replicas: r.replicas,
          revisionHistoryLimit: 5,
          minReadySeconds: 5,
          selector: { matchLabels: selector },
          // A new pod is ready before an old one goes: capacity never drops during a rollout.
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            metadata: {
              labels: { ...labels },
              annotations: { [CONFIG_CHECKSUM_ANNOTATION]: r.files.configChecksum },
            },
            spec: this.podSpec(r, selector),
          },
        },
      },
      r.transform.deployment,
    );
  }

  private podSpec(
    r: ResolvedManagementProxyArgs,
    selector: Record<string, string>,
  ): k8s.types.input.core.v1.PodSpec {
    return {
      automountServiceAccountToken: false,
      // Thousands of tenant Services would otherwise become env vars in this pod.
      enableServiceLinks: false,
      // nginx resolves only fully qualified Service names; without this each would first be
      // tried under every search domain (ndots 5), at every reload.
      dnsConfig: { options: [{ name: "ndots", value: "1" }] },
      // Drain, then nginx's own graceful shutdown, then a little slack.
      terminationGracePeriodSeconds: r.drainSeconds + r.shutdownSeconds + 5,
      securityContext: restrictedPodSecurityContext(PROXY_UID),
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: "kubernetes.io/hostname",
          whenUnsatisfiable: "ScheduleAnyway",
          labelSelector: { matchLabels: { ...selector } },
        },
      ],
      containers: [this.nginxContainer(r)],
      volumes: this.podVolumes(r),
    };
  }

  private nginxContainer(r: ResolvedManagementProxyArgs): k8s.types.input.core.v1.Container {
    return {
      name: "nginx",
      image: r.image,
      imagePullPolicy: "IfNotPresent",
      // Our entry script, bypassing the image's (they write to /etc): it runs nginx and reloads
      // it when the route table, the TLS certificate or the origin-pull CA changes.
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
      lifecycle: { preStop: { exec: { command: preStopCommand(r) } } },
      resources: r.resources,
      securityContext: restrictedContainerSecurityContext(PROXY_UID),
      volumeMounts: [
        { name: "config", mountPath: PROXY_PATHS.configDir, readOnly: true },
        // A folder, never a subPath: only folder mounts receive ConfigMap updates.
        { name: "routes", mountPath: PROXY_PATHS.routesDir, readOnly: true },
        { name: "tls", mountPath: PROXY_PATHS.tlsDir, readOnly: true },
        { name: "run", mountPath: PROXY_PATHS.runDir },
        ...(this.originPullCaConfigMap
          ? [{ name: "origin-pull", mountPath: PROXY_PATHS.originPullDir, readOnly: true }]
          : []),
      ],
    };
  }

  private podVolumes(r: ResolvedManagementProxyArgs): k8s.types.input.core.v1.Volume[] {
    return [
      { name: "config", configMap: { name: this.configMap.metadata.name, defaultMode: 0o444 } },
      // The route table and the key table in one folder, updated in place together.
      {
        name: "routes",
        projected: {
          defaultMode: 0o444,
          sources: [
            { configMap: { name: this.routesConfigMap.metadata.name } },
            {
              secret: {
                name: this.apiKeysSecret.metadata.name,
                // Readable by the nginx user only, like the TLS key.
                items: [{ key: API_KEY_TABLE_FILE, path: "api-keys.conf", mode: 0o440 }],
              },
            },
          ],
        },
      },
      // Group-readable by the nginx user only. A folder: a renewed certificate (same Secret) is
      // swapped in by the kubelet and taken by the entry script's reload, as a new route table is.
      { name: "tls", secret: { secretName: r.tlsSecretName, defaultMode: 0o440 } },
      // pid file and nginx's temp folders; bodies stream through and are never written here.
      { name: "run", emptyDir: { sizeLimit: PROXY_TEMP_VOLUME_SIZE } },
      ...(this.originPullCaConfigMap
        ? [
            {
              name: "origin-pull",
              configMap: { name: this.originPullCaConfigMap.metadata.name, defaultMode: 0o444 },
            },
          ]
        : []),
    ];
  }

  private createService(name: string, r: ResolvedManagementProxyArgs): k8s.core.v1.Service {
    const { selector, labels } = proxyLabels(name, r.environment);
    return createChild(
      this,
      k8s.core.v1.Service,
      `${name}-service`,
      {
        metadata: {
          name: PROXY_NAME,
          namespace: r.namespace,
          labels,
          annotations: r.serviceAnnotations,
        },
        spec: {
          type: r.serviceType,
          selector: { ...selector },
          // With a CDN in front, only its ranges may reach the origin at all.
          ...(r.sourceRanges.length > 0 ? { loadBalancerSourceRanges: [...r.sourceRanges] } : {}),
          ...(r.externalTrafficPolicy !== undefined
            ? { externalTrafficPolicy: r.externalTrafficPolicy }
            : {}),
          ports: [
            {
              name: "http",
              port: 80,
              targetPort: "http",
              protocol: "TCP",
              ...(r.nodePorts ? { nodePort: r.nodePorts.http } : {}),
            },
            {
              name: "https",
              port: 443,
              targetPort: "https",
              protocol: "TCP",
              ...(r.nodePorts ? { nodePort: r.nodePorts.https } : {}),
            },
          ],
        },
      },
      r.transform.service,
    );
  }

  /**
   * Voluntary evictions (node drains, upgrades) take one pod at a time, so with N replicas N-1
   * keep serving. A PDB must never block every disruption: with one replica a drain evicts it
   * and the ReplicaSet starts it elsewhere (a short gap a one-replica stack accepts) instead of
   * hanging until someone scales up. Broken pods never block a drain.
   */
  private createDisruptionBudget(
    name: string,
    r: ResolvedManagementProxyArgs,
  ): k8s.policy.v1.PodDisruptionBudget {
    const { selector, labels } = proxyLabels(name, r.environment);
    return createChild(
      this,
      k8s.policy.v1.PodDisruptionBudget,
      `${name}-pdb`,
      {
        metadata: { name: PROXY_NAME, namespace: r.namespace, labels },
        spec: {
          selector: { matchLabels: selector },
          maxUnavailable: 1,
          unhealthyPodEvictionPolicy: "AlwaysAllow",
        },
      },
      r.transform.podDisruptionBudget,
    );
  }
}

/** The pods' selector and every child's labels. */
function proxyLabels(name: string, environment: string): ProxyLabels {
  const selector = { "app.kubernetes.io/name": PROXY_NAME, "app.kubernetes.io/instance": name };
  return {
    selector,
    labels: {
      ...selector,
      "app.kubernetes.io/component": "edge",
      "app.kubernetes.io/part-of": "agent-cloud",
      "agent-cloud.io/environment": environment,
    },
  };
}

/**
 * Keep serving while endpoints and load balancers drop this pod, then quit gracefully and hold
 * the hook until nginx has finished in-flight requests (at most shutdownTimeoutSeconds, then a
 * fast stop), so the kubelet's stop signal never cuts them short.
 */
function preStopCommand(r: ResolvedManagementProxyArgs): string[] {
  const signal = (name: string) => `nginx -c ${PROXY_PATHS.config} -e /dev/stderr -s ${name}`;
  return [
    "/bin/sh",
    "-c",
    `sleep ${r.drainSeconds}; ${signal("quit")} || kill -QUIT 1; i=0; ` +
      `while kill -0 1 2>/dev/null && [ $i -lt ${r.shutdownSeconds} ]; do sleep 1; i=$((i+1)); done; ` +
      `${signal("stop")} 2>/dev/null || true`,
  ];
}
