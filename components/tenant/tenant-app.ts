import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PLATFORM_ENV } from "../../model/platform-config";
import { ComponentArgsError } from "../component-args-error";
import { type TenantApiKeys, tenantApiKeys } from "./api-key";
import { autoscalerSpec } from "./autoscale";
import { checksum, stableJson } from "./checksum";
import { createChild } from "../create-child";
import { TENANT_CONTAINER_NAME } from "./container";
import { tenantNamespaceLabels } from "./labels";
import { migrationJobName, migrationJobSpec, migrationLabels } from "./migration-job";
import { networkPolicyAnnotations } from "./private-egress";
import { containerResources, tenantQuotaSpec } from "./resources";
import {
  PORT_NAME,
  type ResolvedTenantAppArgs,
  resolveTenantAppArgs,
  TENANT_APP_COMPONENT,
  type TenantAppArgs,
  tenantImageProblem,
} from "./tenant-app-args";
import { AGENT_CONFIG_DIR, AGENT_CONFIG_FILE } from "../../model/rules/writable-paths";
import { secretEnv } from "./volumes";

export {
  type TenantAppArgs,
  type TenantAppTransforms,
  type ResolvedTenantAppArgs,
  resolveTenantAppArgs,
} from "./tenant-app-args";

export const TENANT_APP_TYPE = "agent-cloud:tenant:TenantApp";

/** Pod annotation holding the hash of the agent config; a new value rolls the pods. */
export const CONFIG_CHECKSUM_ANNOTATION = "agent-cloud.io/config-checksum";
/** Pod annotation holding the hash of the tenant's Secret; a rotated credential rolls the pods. */
export const SECRET_CHECKSUM_ANNOTATION = "agent-cloud.io/secret-checksum";
/** Env var pointing the app at its mounted agent config. */
export const AGENT_CONFIG_ENV = "AGENT_CLOUD_CONFIG";
/** Port the tenant's Service listens on; the proxy routes to `{serviceHost}:{SERVICE_PORT}`. */
export const SERVICE_PORT = 80;

/** What the app's pods (the Deployment's and the migration Job's) share. */
interface TenantPod {
  /** The tenant's namespace, once it exists. */
  readonly namespace: pulumi.Output<string>;
  /** The image, pinned by digest (checked once a built ref is known). */
  readonly image: pulumi.Output<string>;
  /** Plain env, then one `secretKeyRef` per credential of the tenant's Secret. */
  env(): k8s.types.input.core.v1.EnvVar[];
  /** Hash of the agent config: a new config rolls the pods. */
  readonly configChecksum: string;
  /** Hash of the Secret's content (not secret itself): a rotated credential rolls the pods. */
  readonly secretChecksum: pulumi.Output<string>;
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

  /** The tenant's Namespace object (its name is {@link namespace}). */
  public readonly namespaceResource: k8s.core.v1.Namespace;
  /** `sp-{id}-env`: credentials as env, and the agent config as a file. */
  public readonly secret: k8s.core.v1.Secret;
  /** The pre-release migration, when `migrate` is set and the tenant is not suspended. */
  public readonly migrationJob?: k8s.batch.v1.Job;
  public readonly deployment: k8s.apps.v1.Deployment;
  public readonly service: k8s.core.v1.Service;
  /** The deny-by-default isolation policy of the namespace. */
  public readonly networkPolicy: k8s.networking.v1.NetworkPolicy;
  public readonly quota: k8s.core.v1.ResourceQuota;
  /** Present with `autoscale` while the tenant is not suspended. */
  public readonly autoscaler?: k8s.autoscaling.v2.HorizontalPodAutoscaler;
  /** Present when the tenant may run two or more pods. */
  public readonly disruptionBudget?: k8s.policy.v1.PodDisruptionBudget;

  constructor(name: string, args: TenantAppArgs, opts?: pulumi.ComponentResourceOptions) {
    const resolved = resolveTenantAppArgs(name, args);
    super(TENANT_APP_TYPE, name, {}, opts);

    this.namespaceResource = this.createNamespace(name, resolved);
    this.namespace = this.namespaceResource.metadata.name;
    const keys = tenantApiKeys(
      name,
      {
        environment: resolved.environment,
        tenantId: resolved.tenantId,
        apiKeyPrefix: resolved.apiKeyPrefix,
        rotation: resolved.apiKeyRotation,
        seed: resolved.apiKeySeed,
      },
      { parent: this },
    );
    this.apiKey = keys.current;
    this.previousApiKey = keys.previous;
    const credentials = tenantCredentials(resolved, keys);
    // The agent config rides in the tenant's Secret (one object fewer per tenant, and nothing
    // a tenant puts in it can ever sit in a ConfigMap); only that key is mounted as a file.
    const configText = stableJson(resolved.agentConfig);
    const secretData = pulumi.secret(
      pulumi.all({ ...credentials, [AGENT_CONFIG_FILE]: configText }),
    );
    this.secret = this.createSecret(name, resolved, secretData);

    const pod: TenantPod = {
      namespace: this.namespace,
      image: pulumi.output(resolved.image).apply((ref) => assertPinned(name, resolved, ref)),
      env: () => [
        ...plainEnv(resolved),
        ...secretEnv(this.secret.metadata.name, Object.keys(credentials)),
      ],
      configChecksum: checksum(configText),
      // Env from a Secret is read once at start, so a rotated credential must roll the pods. The
      // hash covers the 238-bit API key with everything else, so it reveals nothing and can be
      // shown in clear in diffs.
      secretChecksum: pulumi.unsecret(secretData.apply(checksum)),
    };
    this.migrationJob = this.createMigrationJob(name, resolved, pod);
    this.deployment = this.createDeployment(name, resolved, pod, this.migrationJob);
    this.service = this.createService(name, resolved);
    this.networkPolicy = this.createNetworkPolicy(name, resolved);
    this.quota = this.createQuota(name, resolved);
    // No LimitRange: the only container in the namespace states its resources (from the plan),
    // and only the platform creates pods here; the quota still caps the namespace as a whole.
    this.autoscaler = this.createAutoscaler(name, resolved);
    this.disruptionBudget = this.createDisruptionBudget(name, resolved);

    this.serviceName = this.service.metadata.name;
    this.serviceHost = pulumi.interpolate`${this.service.metadata.name}.${this.namespace}.svc.${resolved.clusterDomain}`;
    this.servicePort = SERVICE_PORT;
    this.registerOutputs({
      namespace: this.namespace,
      serviceName: this.serviceName,
      serviceHost: this.serviceHost,
      servicePort: this.servicePort,
      apiKey: this.apiKey,
    });
  }

  private createNamespace(name: string, args: ResolvedTenantAppArgs): k8s.core.v1.Namespace {
    return createChild(
      this,
      k8s.core.v1.Namespace,
      `${name}-namespace`,
      {
        metadata: {
          name: args.namespaceName,
          labels: tenantNamespaceLabels({
            environment: args.environment,
            tenantId: args.tenantId,
            planName: args.planName,
            groups: args.groups,
          }),
        },
      },
      args.transform?.namespace,
    );
  }

  private createSecret(
    name: string,
    args: ResolvedTenantAppArgs,
    stringData: pulumi.Output<Record<string, string>>,
  ): k8s.core.v1.Secret {
    return createChild(
      this,
      k8s.core.v1.Secret,
      `${name}-secret`,
      {
        metadata: { name: args.secretName, namespace: this.namespace, labels: args.podLabels },
        type: "Opaque",
        stringData,
      },
      args.transform?.secret,
    );
  }

  /**
   * The migration Job, none without a command or while suspended: a suspended tenant runs none of
   * its code (no pod of its image with its key and DATABASE_URL). Suspending deletes the Job;
   * resuming creates it again under the same resource name, named for the current image and
   * command, so the migration runs before the Deployment scales up again.
   */
  private createMigrationJob(
    name: string,
    args: ResolvedTenantAppArgs,
    pod: TenantPod,
  ): k8s.batch.v1.Job | undefined {
    const migrate = args.migrate;
    if (migrate === undefined || migrate.length === 0 || args.suspended === true) return undefined;
    return createChild(
      this,
      k8s.batch.v1.Job,
      `${name}-migrate`,
      {
        metadata: {
          name: pod.image.apply((ref) => migrationJobName(args.tenantId, ref, migrate)),
          namespace: pod.namespace,
          labels: migrationLabels(args.tenantId),
        },
        spec: migrationJobSpec({
          tenantId: args.tenantId,
          podSecurity: args.podSecurity,
          volumes: args.volumes.volumes,
          container: {
            name: "migrate",
            image: pod.image,
            command: [...migrate],
            env: pod.env(),
            resources: containerResources(args.plan),
            securityContext: args.containerSecurity,
            volumeMounts: args.volumes.mounts,
          },
        }),
      },
      args.transform?.migrationJob,
    );
  }

  private createDeployment(
    name: string,
    args: ResolvedTenantAppArgs,
    pod: TenantPod,
    migration: k8s.batch.v1.Job | undefined,
  ): k8s.apps.v1.Deployment {
    const labels = args.podLabels;
    return createChild(
      this,
      k8s.apps.v1.Deployment,
      `${name}-deployment`,
      {
        metadata: { name: args.appName, namespace: pod.namespace, labels },
        spec: {
          // With an autoscaler the replica count is its to set; a deploy must not reset it.
          ...(args.suspended === true
            ? { replicas: 0 }
            : args.autoscale === undefined
              ? { replicas: args.replicas }
              : {}),
          selector: { matchLabels: labels },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            metadata: {
              labels,
              annotations: {
                [CONFIG_CHECKSUM_ANNOTATION]: pod.configChecksum,
                [SECRET_CHECKSUM_ANNOTATION]: pod.secretChecksum,
              },
            },
            spec: {
              automountServiceAccountToken: false,
              // Service env vars would leak the names of whatever shares the namespace and can
              // shadow the app's own settings.
              enableServiceLinks: false,
              terminationGracePeriodSeconds: args.terminationGracePeriodSeconds,
              securityContext: args.podSecurity,
              ...(args.replicaCeiling >= 2
                ? {
                    topologySpreadConstraints: [
                      {
                        maxSkew: 1,
                        topologyKey: "kubernetes.io/hostname",
                        whenUnsatisfiable: "ScheduleAnyway",
                        labelSelector: { matchLabels: labels },
                      },
                    ],
                  }
                : {}),
              containers: [
                {
                  name: TENANT_CONTAINER_NAME,
                  image: pod.image,
                  ports: [{ name: PORT_NAME, containerPort: args.port, protocol: "TCP" }],
                  env: pod.env(),
                  resources: containerResources(args.plan),
                  securityContext: args.containerSecurity,
                  ...args.probes,
                  // A sleep action needs no shell in the image (Kubernetes 1.30+).
                  lifecycle: { preStop: { sleep: { seconds: args.preStopSeconds } } },
                  volumeMounts: args.volumes.mounts,
                },
              ],
              volumes: args.volumes.volumes,
            },
          },
        },
      },
      args.transform?.deployment,
      {
        ...(migration === undefined ? {} : { dependsOn: [migration] }),
        customTimeouts: { create: args.rolloutTimeout, update: args.rolloutTimeout },
      },
    );
  }

  private createService(name: string, args: ResolvedTenantAppArgs): k8s.core.v1.Service {
    return createChild(
      this,
      k8s.core.v1.Service,
      `${name}-service`,
      {
        metadata: { name: args.appName, namespace: this.namespace, labels: args.podLabels },
        spec: {
          type: "ClusterIP",
          selector: args.podLabels,
          ports: [{ name: PORT_NAME, port: SERVICE_PORT, targetPort: PORT_NAME, protocol: "TCP" }],
        },
      },
      args.transform?.service,
    );
  }

  private createNetworkPolicy(
    name: string,
    args: ResolvedTenantAppArgs,
  ): k8s.networking.v1.NetworkPolicy {
    return createChild(
      this,
      k8s.networking.v1.NetworkPolicy,
      `${name}-network-policy`,
      {
        metadata: {
          name: "tenant-isolation",
          namespace: this.namespace,
          // The policy pack admits private egress only where the plan opted in, by this mark.
          ...networkPolicyAnnotations(args.plan.allowPrivateEgress, args.databaseEgress),
        },
        spec: args.networkPolicySpec,
      },
      args.transform?.networkPolicy,
    );
  }

  private createQuota(name: string, args: ResolvedTenantAppArgs): k8s.core.v1.ResourceQuota {
    return createChild(
      this,
      k8s.core.v1.ResourceQuota,
      `${name}-quota`,
      {
        metadata: { name: "tenant-quota", namespace: this.namespace },
        spec: tenantQuotaSpec(args.plan, args.replicaCeiling),
      },
      args.transform?.quota,
    );
  }

  private createAutoscaler(
    name: string,
    args: ResolvedTenantAppArgs,
  ): k8s.autoscaling.v2.HorizontalPodAutoscaler | undefined {
    if (args.autoscale === undefined || args.suspended === true) return undefined;
    return createChild(
      this,
      k8s.autoscaling.v2.HorizontalPodAutoscaler,
      `${name}-autoscaler`,
      {
        metadata: { name: args.appName, namespace: this.namespace, labels: args.podLabels },
        spec: autoscalerSpec(args.appName, args.autoscale),
      },
      args.transform?.autoscaler,
    );
  }

  private createDisruptionBudget(
    name: string,
    args: ResolvedTenantAppArgs,
  ): k8s.policy.v1.PodDisruptionBudget | undefined {
    if (args.replicaCeiling < 2) return undefined;
    return createChild(
      this,
      k8s.policy.v1.PodDisruptionBudget,
      `${name}-pdb`,
      {
        metadata: { name: args.appName, namespace: this.namespace, labels: args.podLabels },
        spec: { maxUnavailable: 1, selector: { matchLabels: args.podLabels } },
      },
      args.transform?.disruptionBudget,
    );
  }
}

/** What the tenant's Secret gives the app as env: its secrets, its database and its keys. */
function tenantCredentials(
  args: ResolvedTenantAppArgs,
  keys: TenantApiKeys,
): Record<string, pulumi.Input<string>> {
  return {
    ...args.secrets,
    DATABASE_URL: args.databaseUrl,
    AGENT_CLOUD_API_KEY: keys.current,
    ...(keys.previous ? { AGENT_CLOUD_API_KEY_PREVIOUS: keys.previous } : {}),
  };
}

/** Plain env: the tenant's own first, then what the platform sets (which wins on a clash). */
function plainEnv(args: ResolvedTenantAppArgs): { name: string; value: string }[] {
  return [
    ...Object.keys(args.env)
      .sort()
      .map((name) => ({ name, value: args.env[name] as string })),
    { name: "HOST", value: "0.0.0.0" },
    { name: "PORT", value: String(args.port) },
    { name: "AGENT_CLOUD_TENANT", value: args.tenantId },
    { name: "AGENT_CLOUD_ENVIRONMENT", value: args.environment },
    { name: "AGENT_CLOUD_NAMESPACE", value: args.namespaceName },
    { name: AGENT_CONFIG_ENV, value: `${AGENT_CONFIG_DIR}/${AGENT_CONFIG_FILE}` },
    ...(args.adminEmail !== undefined ? [{ name: "ADMIN_EMAIL", value: args.adminEmail }] : []),
  ];
}

/** Env names a tenant's own env or secrets may not use: the component sets them. */
export const RESERVED_ENV: readonly string[] = PLATFORM_ENV;

/** A ref from a build is only known during the update: checked then, with the same problem. */
function assertPinned(name: string, args: ResolvedTenantAppArgs, ref: string): string {
  const problem = tenantImageProblem(args.tenantId, ref);
  if (problem !== undefined) throw new ComponentArgsError(TENANT_APP_COMPONENT, name, [problem]);
  return ref;
}
