import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { tenantNamespace, tenantServiceName } from "../../model/names";
import { PLATFORM_ENV } from "../../model/platform-config";
import type { Plan } from "../../model/plans";
import { DIGEST_REF } from "../../model/patterns";
import { type ApiKeyRotation, checkApiKeyRotation, tenantApiKeys } from "./api-key";
import { checksum, stableJson } from "./checksum";
import { type Autoscale, autoscalerSpec, checkAutoscale, replicaCeiling } from "./autoscale";
import { TENANT_CONTAINER_NAME } from "./container";
import { migrationJobName, migrationJobSpec, migrationLabels } from "./migration-job";
import { tenantNamespaceLabels, tenantPodLabels } from "./labels";
import { type DatabasePeer, tenantNetworkPolicySpec } from "./network-policy";
import { networkPolicyAnnotations, warnPrivateEgress } from "./private-egress";
import { appProbes, preStopSleepSeconds, startupBudgetSeconds } from "./probes";
import { compareQuantities } from "./quantity";
import { containerResources, tenantQuotaSpec } from "./resources";
import {
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
} from "../kubernetes/security";
import { AGENT_CONFIG_DIR, AGENT_CONFIG_FILE, appVolumes, secretEnv } from "./volumes";

export const TENANT_APP_TYPE = "agent-cloud:tenant:TenantApp";

/** Pod annotation holding the hash of the agent config; a new value rolls the pods. */
export const CONFIG_CHECKSUM_ANNOTATION = "agent-cloud.io/config-checksum";
/** Pod annotation holding the hash of the tenant's Secret; a rotated credential rolls the pods. */
export const SECRET_CHECKSUM_ANNOTATION = "agent-cloud.io/secret-checksum";
/** Env var pointing the app at its mounted agent config. */
export const AGENT_CONFIG_ENV = "AGENT_CLOUD_CONFIG";
/** Port the tenant's Service listens on; the proxy routes to `{serviceHost}:{SERVICE_PORT}`. */
export const SERVICE_PORT = 80;
const PORT_NAME = "http";
const CONTAINER_NAME = TENANT_CONTAINER_NAME;

export interface TenantAppArgs {
  /** Environment name; it prefixes the namespace (`{environment}-tenant-{id}`). */
  readonly environment: string;
  /** Validated tenant id (a DNS label); every name of this tenant derives from it. */
  readonly tenantId: string;
  /** Groups, stamped on the namespace as `agent-cloud.io/group.<group>: "true"`. */
  readonly groups: readonly string[];
  /** Name of the plan, stamped on the namespace. */
  readonly planName: string;
  /** Resources, replica ceiling and allowed egress of the tenant. */
  readonly plan: Plan;
  /** Pods to run; at least 2 adds a PodDisruptionBudget. */
  readonly replicas: number;
  /** Image pinned by digest (`repo@sha256:...`); a tag alone is refused. */
  readonly image: pulumi.Input<string>;
  /** Port the app listens on (passed as `PORT`). */
  readonly port: number;
  /** Liveness and startup probe path. */
  readonly healthPath: string;
  /** Readiness probe path. @default healthPath */
  readonly readinessPath?: string;
  /** Startup probe period. */
  readonly startupPeriodSeconds: number;
  /** Startup probe failures before the pod is restarted. */
  readonly startupFailureThreshold: number;
  /** Absolute paths that get a writable emptyDir (the root filesystem is read-only). */
  readonly writablePaths: readonly string[];
  /** Time a pod has to drain after SIGTERM (the preStop sleep comes out of it). */
  readonly terminationGracePeriodSeconds: number;
  /** Non-root uid (and gid) the app runs as. */
  readonly uid: number;
  /** Non-secret agent settings, mounted read-only as `/etc/agent-cloud/agent.json`. */
  readonly agentConfig: Readonly<Record<string, unknown>>;
  /** Plain env vars; must not name a platform variable or one of `secrets`. */
  readonly env: Readonly<Record<string, string>>;
  /** The tenant's secret env values (already secret Outputs). */
  readonly secrets: Readonly<Record<string, pulumi.Input<string>>>;
  /** The tenant's own `DATABASE_URL` (secret). */
  readonly databaseUrl: pulumi.Input<string>;
  /** Prefix of the tenant's API key, naming the environment (`ac_{environment}_`). */
  readonly apiKeyPrefix: string;
  /** Which key generation is current, and whether the previous one is still accepted. @default generation 0 */
  readonly apiKeyRotation?: ApiKeyRotation;
  /** The environment's key seed (secret); required from generation 1 on. @default none */
  readonly apiKeySeed?: pulumi.Input<string>;
  /** Passed as `ADMIN_EMAIL` for the app's first boot. @default not set */
  readonly adminEmail?: string;
  /** Namespace of the edge proxy, the only source of ingress. */
  readonly proxyNamespace: string;
  /** The cluster's DNS domain, for `serviceHost`. @default "cluster.local" */
  readonly clusterDomain?: string;
  /** Where the database is, for the egress rule (SharedDatabase's `networkPeer`). */
  readonly databaseEgress: DatabasePeer;
  /** Size cap of each writable emptyDir. @default "1Gi" */
  readonly writableSizeLimit?: string;
  /**
   * Migration command run by the new image, with the app's env, in a Job that must succeed
   * before the Deployment rolls. @default no migration
   */
  readonly migrate?: readonly string[];
  /**
   * Keep the namespace, Secret, config and database, but run no pod (the edge answers 503 for
   * the tenant). Quota and PodDisruptionBudget keep `replicas`, so resuming is one change.
   * @default false
   */
  readonly suspended?: boolean;
  /**
   * Scale on CPU between `min` and `max` (within the plan's `maxReplicas`) with a
   * HorizontalPodAutoscaler; quota and PodDisruptionBudget are sized for `max`, and `replicas`
   * is left to the autoscaler. @default a fixed `replicas`
   */
  readonly autoscale?: Autoscale;
}

/**
 * One tenant's app, isolated in its own namespace: Deployment and Service `sp-{id}`, one Secret
 * with its credentials and its agent config, a deny-by-default NetworkPolicy and a quota.
 */
export class TenantApp extends pulumi.ComponentResource {
  /** The tenant's namespace. */
  public readonly namespace: pulumi.Output<string>;
  /** Name of the tenant's Service (`sp-{id}`). */
  public readonly serviceName: pulumi.Output<string>;
  /** In-cluster DNS name the proxy routes to: `sp-{id}.{namespace}.svc.{clusterDomain}`. */
  public readonly serviceHost: pulumi.Output<string>;
  /** Port of the Service. */
  public readonly servicePort: number;
  /** The tenant's current API key (secret), `{apiKeyPrefix}{40 letters and digits}`. */
  public readonly apiKey: pulumi.Output<string>;
  /** The previous generation's key (secret), only while `apiKeyRotation.acceptPrevious`. */
  public readonly previousApiKey?: pulumi.Output<string>;

  constructor(name: string, args: TenantAppArgs, opts?: pulumi.ComponentResourceOptions) {
    // Everything that can refuse the args runs before anything is registered, so bad args
    // leave no half-built component.
    validate(args);
    const id = args.tenantId;
    const nsName = tenantNamespace(args.environment, id);
    const appName = tenantServiceName(id);
    const podLabels = tenantPodLabels(id, appName);
    // Quota, PodDisruptionBudget and spreading are sized for the most pods the tenant may run.
    const ceiling = replicaCeiling(args.replicas, args.autoscale);
    const grace = args.terminationGracePeriodSeconds;
    const preStopSeconds = preStopSleepSeconds(grace);
    const probeInput = {
      portName: PORT_NAME,
      healthPath: args.healthPath,
      readinessPath: args.readinessPath,
      startupPeriodSeconds: args.startupPeriodSeconds,
      startupFailureThreshold: args.startupFailureThreshold,
    };
    const probes = appProbes(probeInput);
    const volumes = appVolumes({
      secretName: `${appName}-env`,
      writablePaths: args.writablePaths,
      writableSizeLimit: args.writableSizeLimit ?? "1Gi",
    });
    const networkPolicy = tenantNetworkPolicySpec({
      appPort: args.port,
      proxyNamespace: args.proxyNamespace,
      database: args.databaseEgress,
      egressPorts: args.plan.egressPorts,
      egressCidrs: args.plan.egressCidrs,
      allowPrivateEgress: args.plan.allowPrivateEgress,
    });
    warnPrivateEgress(args.tenantId, args.planName, args.plan);
    const podSecurity = restrictedPodSecurityContext(args.uid);
    const containerSecurity = restrictedContainerSecurityContext(args.uid);

    super(TENANT_APP_TYPE, name, {}, opts);
    const child = { parent: this };

    const ns = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: {
          name: nsName,
          labels: tenantNamespaceLabels({
            environment: args.environment,
            tenantId: id,
            planName: args.planName,
            groups: args.groups,
          }),
        },
      },
      child,
    );
    const namespace = ns.metadata.name;

    // The agent config rides in the tenant's Secret (one object fewer per tenant, and nothing
    // a tenant puts in it can ever sit in a ConfigMap); only that key is mounted as a file.
    const configText = stableJson(args.agentConfig);

    const keys = tenantApiKeys(
      name,
      {
        environment: args.environment,
        tenantId: id,
        apiKeyPrefix: args.apiKeyPrefix,
        rotation: args.apiKeyRotation,
        seed: args.apiKeySeed,
      },
      child,
    );
    this.apiKey = keys.current;
    this.previousApiKey = keys.previous;

    // Every key but the config file becomes an env var (secretEnv below).
    const credentials: Record<string, pulumi.Input<string>> = {
      ...args.secrets,
      DATABASE_URL: args.databaseUrl,
      AGENT_CLOUD_API_KEY: this.apiKey,
      ...(keys.previous ? { AGENT_CLOUD_API_KEY_PREVIOUS: keys.previous } : {}),
    };
    const secretData = pulumi.secret(
      pulumi.all({ ...credentials, [AGENT_CONFIG_FILE]: configText }),
    );
    const secret = new k8s.core.v1.Secret(
      `${name}-secret`,
      {
        metadata: { name: `${appName}-env`, namespace, labels: podLabels },
        type: "Opaque",
        stringData: secretData,
      },
      child,
    );
    // Env from a Secret is read once at start, so a rotated credential must roll the pods. The
    // hash covers the 238-bit API key with everything else, so it reveals nothing and can be
    // shown in clear in diffs.
    const secretChecksum = pulumi.unsecret(secretData.apply(checksum));

    // A ref known now was checked in validate(); one from a build is checked once it is known.
    const image = pulumi.output(args.image).apply((ref) => assertPinned(id, ref));

    const migrate = args.migrate;
    const migration =
      migrate === undefined || migrate.length === 0
        ? undefined
        : new k8s.batch.v1.Job(
            `${name}-migrate`,
            {
              metadata: {
                name: image.apply((ref) => migrationJobName(id, ref, migrate)),
                namespace,
                labels: migrationLabels(id),
              },
              spec: migrationJobSpec({
                tenantId: id,
                podSecurity,
                volumes: volumes.volumes,
                container: {
                  name: "migrate",
                  image,
                  command: [...migrate],
                  env: [
                    ...plainEnv(args, nsName),
                    ...secretEnv(secret.metadata.name, Object.keys(credentials)),
                  ],
                  resources: containerResources(args.plan),
                  securityContext: containerSecurity,
                  volumeMounts: volumes.mounts,
                },
              }),
            },
            child,
          );

    // Waiting for the rollout must outlast the slowest allowed first boot plus image pull.
    const rolloutTimeout = `${Math.ceil(startupBudgetSeconds(probeInput) / 60) + 10}m`;
    new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: { name: appName, namespace, labels: podLabels },
        spec: {
          // With an autoscaler the replica count is its to set; a deploy must not reset it.
          ...(args.suspended === true
            ? { replicas: 0 }
            : args.autoscale === undefined
              ? { replicas: args.replicas }
              : {}),
          selector: { matchLabels: podLabels },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            metadata: {
              labels: podLabels,
              annotations: {
                [CONFIG_CHECKSUM_ANNOTATION]: checksum(configText),
                [SECRET_CHECKSUM_ANNOTATION]: secretChecksum,
              },
            },
            spec: {
              automountServiceAccountToken: false,
              // Service env vars would leak the names of whatever shares the namespace and can
              // shadow the app's own settings.
              enableServiceLinks: false,
              terminationGracePeriodSeconds: grace,
              securityContext: podSecurity,
              ...(ceiling >= 2
                ? {
                    topologySpreadConstraints: [
                      {
                        maxSkew: 1,
                        topologyKey: "kubernetes.io/hostname",
                        whenUnsatisfiable: "ScheduleAnyway",
                        labelSelector: { matchLabels: podLabels },
                      },
                    ],
                  }
                : {}),
              containers: [
                {
                  name: CONTAINER_NAME,
                  image,
                  ports: [{ name: PORT_NAME, containerPort: args.port, protocol: "TCP" }],
                  env: [
                    ...plainEnv(args, nsName),
                    ...secretEnv(secret.metadata.name, Object.keys(credentials)),
                  ],
                  resources: containerResources(args.plan),
                  securityContext: containerSecurity,
                  ...probes,
                  // A sleep action needs no shell in the image (Kubernetes 1.30+).
                  lifecycle: { preStop: { sleep: { seconds: preStopSeconds } } },
                  volumeMounts: volumes.mounts,
                },
              ],
              volumes: volumes.volumes,
            },
          },
        },
      },
      {
        ...child,
        ...(migration === undefined ? {} : { dependsOn: [migration] }),
        customTimeouts: { create: rolloutTimeout, update: rolloutTimeout },
      },
    );

    const service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: { name: appName, namespace, labels: podLabels },
        spec: {
          type: "ClusterIP",
          selector: podLabels,
          ports: [{ name: PORT_NAME, port: SERVICE_PORT, targetPort: PORT_NAME, protocol: "TCP" }],
        },
      },
      child,
    );

    new k8s.networking.v1.NetworkPolicy(
      `${name}-network-policy`,
      {
        metadata: {
          name: "tenant-isolation",
          namespace,
          // The policy pack admits private egress only where the plan opted in, by this mark.
          ...networkPolicyAnnotations(args.plan.allowPrivateEgress, args.databaseEgress),
        },
        spec: networkPolicy,
      },
      child,
    );

    new k8s.core.v1.ResourceQuota(
      `${name}-quota`,
      {
        metadata: { name: "tenant-quota", namespace },
        spec: tenantQuotaSpec(args.plan, ceiling),
      },
      child,
    );
    // No LimitRange: the only container in the namespace states its resources (from the plan),
    // and only the platform creates pods here; the quota still caps the namespace as a whole.

    if (args.autoscale !== undefined && args.suspended !== true) {
      new k8s.autoscaling.v2.HorizontalPodAutoscaler(
        `${name}-autoscaler`,
        {
          metadata: { name: appName, namespace, labels: podLabels },
          spec: autoscalerSpec(appName, args.autoscale),
        },
        child,
      );
    }

    if (ceiling >= 2) {
      new k8s.policy.v1.PodDisruptionBudget(
        `${name}-pdb`,
        {
          metadata: { name: appName, namespace, labels: podLabels },
          spec: { maxUnavailable: 1, selector: { matchLabels: podLabels } },
        },
        child,
      );
    }

    this.namespace = namespace;
    this.serviceName = service.metadata.name;
    this.serviceHost = pulumi.interpolate`${service.metadata.name}.${namespace}.svc.${args.clusterDomain ?? "cluster.local"}`;
    this.servicePort = SERVICE_PORT;
    this.registerOutputs({
      namespace: this.namespace,
      serviceName: this.serviceName,
      serviceHost: this.serviceHost,
      servicePort: this.servicePort,
      apiKey: this.apiKey,
    });
  }
}

/** Plain env: the tenant's own first, then what the platform sets (which wins on a clash). */
function plainEnv(args: TenantAppArgs, nsName: string): { name: string; value: string }[] {
  return [
    ...Object.keys(args.env)
      .sort()
      .map((name) => ({ name, value: args.env[name] as string })),
    { name: "HOST", value: "0.0.0.0" },
    { name: "PORT", value: String(args.port) },
    { name: "AGENT_CLOUD_TENANT", value: args.tenantId },
    { name: "AGENT_CLOUD_ENVIRONMENT", value: args.environment },
    { name: "AGENT_CLOUD_NAMESPACE", value: nsName },
    { name: AGENT_CONFIG_ENV, value: `${AGENT_CONFIG_DIR}/${AGENT_CONFIG_FILE}` },
    ...(args.adminEmail !== undefined ? [{ name: "ADMIN_EMAIL", value: args.adminEmail }] : []),
  ];
}

/** Env names a tenant's own env or secrets may not use: the component sets them. */
export const RESERVED_ENV: readonly string[] = PLATFORM_ENV;

function assertPinned(tenantId: string, ref: string): string {
  if (!DIGEST_REF.test(ref)) {
    throw new pulumi.RunError(
      `tenant "${tenantId}" image "${ref}": must be pinned by digest (repo@sha256:<64 hex>); deploy the image component's ref or set tenants[].image to a digest`,
    );
  }
  return ref;
}

function validate(args: TenantAppArgs): void {
  const at = `tenant "${args.tenantId}"`;
  checkApiKeyRotation(args.tenantId, args.apiKeyRotation, args.apiKeySeed !== undefined);
  if (typeof args.image === "string") assertPinned(args.tenantId, args.image);
  if (!Number.isInteger(args.replicas) || args.replicas < 1) {
    throw new Error(`${at} replicas ${args.replicas}: must be a positive integer`);
  }
  if (args.replicas > args.plan.maxReplicas) {
    throw new Error(
      `${at} replicas ${args.replicas}: plan "${args.planName}" allows at most ${args.plan.maxReplicas}`,
    );
  }
  if (args.autoscale !== undefined) {
    const problems = checkAutoscale(at, args.autoscale, args.plan.maxReplicas);
    if (problems.length > 0) throw new Error(problems.join("; "));
  }
  for (const r of ["cpu", "memory"] as const) {
    if (compareQuantities(args.plan.requests[r], args.plan.limits[r]) > 0) {
      throw new Error(
        `plan "${args.planName}" requests.${r} ${args.plan.requests[r]} exceeds limits.${r} ${args.plan.limits[r]}`,
      );
    }
  }
  // A plain env entry and a Secret key of the same name would be two values for one variable.
  const secretNames = new Set(Object.keys(args.secrets));
  for (const name of Object.keys(args.env)) {
    if (RESERVED_ENV.includes(name)) {
      throw new Error(`${at} env.${name}: is set by the platform (${RESERVED_ENV.join(", ")})`);
    }
    if (secretNames.has(name)) {
      throw new Error(`${at} env.${name}: is also a secret; keep it in tenantSecrets only`);
    }
  }
  for (const name of secretNames) {
    if (RESERVED_ENV.includes(name)) {
      throw new Error(
        `${at} tenantSecrets.${name}: is set by the platform (${RESERVED_ENV.join(", ")})`,
      );
    }
  }
  if (args.adminEmail !== undefined && !/^[^\s@]+@[^\s@]+$/.test(args.adminEmail)) {
    throw new Error(`${at} adminEmail "${args.adminEmail}": must be an email address`);
  }
}
