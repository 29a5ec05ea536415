/**
 * TenantApp's args, and `resolveTenantAppArgs`: every check of them, gathered into one
 * ComponentArgsError before anything is registered, and every value derived from them.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { DEFAULT_CLUSTER_DOMAIN, tenantNamespace, tenantServiceName } from "../../model/names";
import type { Plan } from "../../model/plans";
import { unpinnedImageProblem } from "../../model/rules/pinned-image";
import { tenantEnvProblems } from "../../model/rules/tenant-env";
import { tenantScaleProblems } from "../../model/rules/tenant-scale";
import { assertNoProblems } from "../component-args-error";
import {
  nonRootProblem,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
} from "../kubernetes/security";
import type { Transform } from "../transform";
import { type ApiKeyRotation, apiKeyRotationProblems } from "./api-key";
import { type Autoscale, replicaCeiling } from "./autoscale";
import { tenantPodLabels } from "./labels";
import {
  type DatabasePeer,
  networkPolicyProblems,
  type TenantNetworkPolicyInput,
  tenantNetworkPolicySpec,
} from "./network-policy";
import { warnPrivateEgress } from "./private-egress";
import {
  type AppProbeInput,
  type AppProbes,
  appProbes,
  gracePeriodProblems,
  preStopSleepSeconds,
  probePathProblems,
  startupBudgetSeconds,
} from "./probes";
import { planResourceProblems } from "./resources";
import { writablePathProblems } from "../../model/rules/writable-paths";
import { appVolumes, type PodVolumes } from "./volumes";

/** Class name in TenantApp's errors. */
export const TENANT_APP_COMPONENT = "TenantApp";
/** Name of the app's container port; probes and the Service refer to it. */
export const PORT_NAME = "http";
/** Size cap of each writable emptyDir when none is given. */
export const DEFAULT_WRITABLE_SIZE_LIMIT = "1Gi";

/** How a caller adjusts each child of a TenantApp before it is registered. */
export interface TenantAppTransforms {
  readonly namespace?: Transform<k8s.core.v1.NamespaceArgs>;
  readonly secret?: Transform<k8s.core.v1.SecretArgs>;
  readonly migrationJob?: Transform<k8s.batch.v1.JobArgs>;
  readonly deployment?: Transform<k8s.apps.v1.DeploymentArgs>;
  readonly service?: Transform<k8s.core.v1.ServiceArgs>;
  readonly networkPolicy?: Transform<k8s.networking.v1.NetworkPolicyArgs>;
  readonly quota?: Transform<k8s.core.v1.ResourceQuotaArgs>;
  readonly autoscaler?: Transform<k8s.autoscaling.v2.HorizontalPodAutoscalerArgs>;
  readonly disruptionBudget?: Transform<k8s.policy.v1.PodDisruptionBudgetArgs>;
}

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
  /** Pods to run (within the plan's `maxReplicas`: model/rules/tenant-scale.ts); at least 2 adds a PodDisruptionBudget. */
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
  /** Plain env vars; must not name a platform variable or one of `secrets` (model/rules/tenant-env.ts). */
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
  /** The cluster's DNS domain, for `serviceHost`. @default {@link DEFAULT_CLUSTER_DOMAIN} (model/names.ts) */
  readonly clusterDomain?: string;
  /** Where the database is, for the egress rule (SharedDatabase's `networkPeer`). */
  readonly databaseEgress: DatabasePeer;
  /** Size cap of each writable emptyDir. @default {@link DEFAULT_WRITABLE_SIZE_LIMIT} */
  readonly writableSizeLimit?: string;
  /**
   * Migration command run by the new image, with the app's env, in a Job that must succeed
   * before the Deployment rolls; none while `suspended` (it runs on resume). @default no migration
   */
  readonly migrate?: readonly string[];
  /**
   * Keep the namespace, Secret, config and database, but run no pod, not even the migration Job
   * (the edge answers 503 for the tenant). Quota and PodDisruptionBudget keep `replicas`, so
   * resuming is one change.
   * @default false
   */
  readonly suspended?: boolean;
  /**
   * Scale on CPU between `min` and `max` (within the plan's `maxReplicas`) with a
   * HorizontalPodAutoscaler; quota and PodDisruptionBudget are sized for `max`, and `replicas`
   * is left to the autoscaler. @default a fixed `replicas`
   */
  readonly autoscale?: Autoscale;
  /** Adjust the children before they are registered (see components/transform.ts). @default none */
  readonly transform?: TenantAppTransforms;
}

/** TenantApp's args once checked, with every value the children are built from. */
export interface ResolvedTenantAppArgs extends TenantAppArgs {
  /** `{environment}-tenant-{id}`. */
  readonly namespaceName: string;
  /** `sp-{id}`: the Deployment, Service, autoscaler and PodDisruptionBudget. */
  readonly appName: string;
  /** `{appName}-env`: the Secret with the credentials and the agent config. */
  readonly secretName: string;
  readonly podLabels: Record<string, string>;
  /** The most pods the tenant may run: quota, PodDisruptionBudget and spreading are sized for it. */
  readonly replicaCeiling: number;
  readonly probes: AppProbes;
  /** Seconds a terminating pod keeps serving before SIGTERM. */
  readonly preStopSeconds: number;
  /** How long `pulumi up` waits for a rollout: the slowest allowed first boot plus image pull. */
  readonly rolloutTimeout: string;
  readonly volumes: PodVolumes;
  readonly networkPolicySpec: k8s.types.input.networking.v1.NetworkPolicySpec;
  readonly podSecurity: k8s.types.input.core.v1.PodSecurityContext;
  readonly containerSecurity: k8s.types.input.core.v1.SecurityContext;
  readonly clusterDomain: string;
}

/**
 * Checks TenantApp's args (every problem gathered, then one ComponentArgsError naming the
 * component, `name` and each problem) and derives what its children are built from. Runs before
 * anything is registered, so bad args leave no half-built component.
 */
export function resolveTenantAppArgs(name: string, args: TenantAppArgs): ResolvedTenantAppArgs {
  const probeInput: AppProbeInput = {
    portName: PORT_NAME,
    healthPath: args.healthPath,
    readinessPath: args.readinessPath,
    startupPeriodSeconds: args.startupPeriodSeconds,
    startupFailureThreshold: args.startupFailureThreshold,
  };
  const networkPolicyInput: TenantNetworkPolicyInput = {
    appPort: args.port,
    proxyNamespace: args.proxyNamespace,
    database: args.databaseEgress,
    egressPorts: args.plan.egressPorts,
    egressCidrs: args.plan.egressCidrs,
    allowPrivateEgress: args.plan.allowPrivateEgress,
  };
  assertNoProblems(TENANT_APP_COMPONENT, name, [
    ...tenantAppProblems(args),
    ...probePathProblems(probeInput),
    ...gracePeriodProblems(args.terminationGracePeriodSeconds),
    ...writablePathProblems(args.writablePaths),
    ...networkPolicyProblems(networkPolicyInput),
    ...[nonRootProblem(args.uid, "uid")].filter((problem) => problem !== undefined),
  ]);
  warnPrivateEgress(args.tenantId, args.planName, args.plan);

  const appName = tenantServiceName(args.tenantId);
  const secretName = `${appName}-env`;
  return {
    ...args,
    namespaceName: tenantNamespace(args.environment, args.tenantId),
    appName,
    secretName,
    podLabels: tenantPodLabels(args.tenantId, appName),
    replicaCeiling: replicaCeiling(args.replicas, args.autoscale),
    probes: appProbes(probeInput),
    preStopSeconds: preStopSleepSeconds(args.terminationGracePeriodSeconds),
    rolloutTimeout: `${Math.ceil(startupBudgetSeconds(probeInput) / 60) + 10}m`,
    volumes: appVolumes({
      secretName,
      writablePaths: args.writablePaths,
      writableSizeLimit: args.writableSizeLimit ?? DEFAULT_WRITABLE_SIZE_LIMIT,
    }),
    networkPolicySpec: tenantNetworkPolicySpec(networkPolicyInput),
    podSecurity: restrictedPodSecurityContext(args.uid),
    containerSecurity: restrictedContainerSecurityContext(args.uid),
    clusterDomain: args.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN,
  };
}

/** The problems of the tenant's own settings: keys, image, scale, plan, env, admin email. */
function tenantAppProblems(args: TenantAppArgs): string[] {
  const at = `tenant "${args.tenantId}"`;
  const image =
    typeof args.image === "string" ? tenantImageProblem(args.tenantId, args.image) : undefined;
  return [
    ...apiKeyRotationProblems(args.tenantId, args.apiKeyRotation, args.apiKeySeed !== undefined),
    ...(image === undefined ? [] : [image]),
    ...tenantScaleProblems({
      replicas: args.replicas,
      autoscale: args.autoscale,
      plan: { name: args.planName, maxReplicas: args.plan.maxReplicas },
    }).map((problem) => `${at} ${problem.field} ${problem.received}: ${problem.message}`),
    ...planResourceProblems(args.planName, args.plan),
    ...tenantEnvProblems({
      tenantId: args.tenantId,
      envNames: Object.keys(args.env),
      secretNames: Object.keys(args.secrets),
    }).map((problem) => `${at} ${problem.field}: ${problem.message}`),
    ...(args.adminEmail !== undefined && !/^[^\s@]+@[^\s@]+$/.test(args.adminEmail)
      ? [`${at} adminEmail "${args.adminEmail}": must be an email address`]
      : []),
  ];
}

/**
 * The problem with a tenant image that is not pinned by digest, or undefined. A ref known when
 * the args are given is checked by {@link resolveTenantAppArgs}; one from a build once it is known.
 */
export function tenantImageProblem(tenantId: string, ref: string): string | undefined {
  const problem = unpinnedImageProblem(ref);
  return problem === undefined
    ? undefined
    : `tenant "${tenantId}" image "${ref}": ${problem}; deploy the image component's ref or set tenants[].image to a digest`;
}
