/**
 * Autoscaling within a tenant's plan: a HorizontalPodAutoscaler (autoscaling/v2) on CPU between
 * `min` and `max` replicas. The namespace's quota, the PodDisruptionBudget and the rollout surge
 * are sized for `max`, so the autoscaler never scales into a quota wall and a rollout at `max`
 * still has room for its surge pod.
 */
import type * as k8s from "@pulumi/kubernetes";

/** `tenants[].autoscale`. */
export interface Autoscale {
  readonly min: number;
  readonly max: number;
  /** Target average CPU use, in percent of the plan's CPU request. */
  readonly cpuPercent: number;
}

/** The replica count the quota and the PodDisruptionBudget are sized for. */
export function replicaCeiling(replicas: number, autoscale: Autoscale | undefined): number {
  return autoscale === undefined ? replicas : autoscale.max;
}

/** Refuses an autoscale range that the plan does not allow (`at` names the tenant). */
export function checkAutoscale(at: string, a: Autoscale, maxReplicas: number): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(a.min) || a.min < 1)
    problems.push(`${at}.autoscale.min ${a.min}: must be 1 or more`);
  if (!Number.isInteger(a.max) || a.max < a.min)
    problems.push(`${at}.autoscale.max ${a.max}: must be at least autoscale.min (${a.min})`);
  if (a.max > maxReplicas)
    problems.push(`${at}.autoscale.max ${a.max}: the plan allows at most ${maxReplicas} replicas`);
  if (!Number.isInteger(a.cpuPercent) || a.cpuPercent < 10 || a.cpuPercent > 100)
    problems.push(
      `${at}.autoscale.cpuPercent ${a.cpuPercent}: must be a whole percent from 10 to 100`,
    );
  return problems;
}

/** The HPA spec for the tenant's Deployment. */
export function autoscalerSpec(
  deploymentName: string,
  a: Autoscale,
): k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerSpec {
  return {
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deploymentName },
    minReplicas: a.min,
    maxReplicas: a.max,
    metrics: [
      {
        type: "Resource",
        resource: {
          name: "cpu",
          target: { type: "Utilization", averageUtilization: a.cpuPercent },
        },
      },
    ],
    // Agents hold long streams: scale down slowly, one pod at a time.
    behavior: {
      scaleDown: {
        stabilizationWindowSeconds: 300,
        policies: [{ type: "Pods", value: 1, periodSeconds: 60 }],
      },
    },
  };
}
