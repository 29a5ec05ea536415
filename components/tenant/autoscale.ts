/**
 * Autoscaling within a tenant's plan: a HorizontalPodAutoscaler (autoscaling/v2) on CPU between
 * `min` and `max` replicas. The namespace's quota, the PodDisruptionBudget and the rollout surge
 * are sized for `max`, so the autoscaler never scales into a quota wall and a rollout at `max`
 * still has room for its surge pod.
 */
import type * as k8s from "@pulumi/kubernetes";
import type { AutoscaleRange } from "../../model/rules/tenant-scale";

/**
 * `tenants[].autoscale`: `min` and `max` replicas and the target average CPU use (`cpuPercent`,
 * in percent of the plan's CPU request). Its rules live in model/rules/tenant-scale.ts.
 */
export type Autoscale = AutoscaleRange;

/** The replica count the quota and the PodDisruptionBudget are sized for. */
export function replicaCeiling(replicas: number, autoscale: Autoscale | undefined): number {
  return autoscale === undefined ? replicas : autoscale.max;
}

/** The HPA spec for the tenant's Deployment. */
export function autoscalerSpec(
  deploymentName: string,
  autoscale: Autoscale,
): k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerSpec {
  return {
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deploymentName },
    minReplicas: autoscale.min,
    maxReplicas: autoscale.max,
    metrics: [
      {
        type: "Resource",
        resource: {
          name: "cpu",
          target: { type: "Utilization", averageUtilization: autoscale.cpuPercent },
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
