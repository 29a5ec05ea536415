import type * as k8s from "@pulumi/kubernetes";
import type { Plan } from "../../model/plans";
import { multiplyQuantity } from "../../model/quantity";
import { planResourceProblems as resourceProblems } from "../../model/rules/plan-resources";

/**
 * Pods one Deployment may hold at once: its replicas, the surge pod of a rolling update
 * (maxSurge 1, maxUnavailable 0), and one old pod still draining: quota counts a terminating
 * pod until its grace period ends, so without that slot each rollout step would wait for it.
 */
export function podBudget(replicas: number): number {
  return replicas + 2;
}

/**
 * Every problem with a plan's container resources (empty when the quota can be sized from them):
 * a quantity that is not one, a limit of zero (no limit at all to Kubernetes), or a request
 * above its limit (the rule: model/rules/plan-resources.ts).
 */
export function planResourceProblems(planName: string, plan: Plan): string[] {
  return resourceProblems(plan).map((problem) => {
    switch (problem.kind) {
      case "quantity":
        return `plan "${planName}" ${problem.field}: quantity "${problem.received}": ${problem.message}`;
      case "zero-limit":
        return `plan "${planName}" ${problem.field} "${problem.received}": ${problem.message}`;
      case "above-limit":
        return `plan "${planName}" ${problem.field} ${problem.received} exceeds ${problem.limitField} ${problem.limit}`;
    }
  });
}

/** Requests and limits of the app container, straight from the plan. */
export function containerResources(plan: Plan): k8s.types.input.core.v1.ResourceRequirements {
  return {
    requests: { cpu: plan.requests.cpu, memory: plan.requests.memory },
    limits: { cpu: plan.limits.cpu, memory: plan.limits.memory },
  };
}

/**
 * The namespace's ResourceQuota: room for {@link podBudget} pods at the plan's size and nothing
 * more. Load balancers and node ports are zeroed so nothing in a tenant namespace can open a
 * path into the cluster that bypasses the proxy.
 */
export function tenantQuotaSpec(
  plan: Plan,
  replicas: number,
): k8s.types.input.core.v1.ResourceQuotaSpec {
  const pods = podBudget(replicas);
  return {
    hard: {
      pods: String(pods),
      "requests.cpu": multiplyQuantity(plan.requests.cpu, pods),
      "requests.memory": multiplyQuantity(plan.requests.memory, pods),
      "limits.cpu": multiplyQuantity(plan.limits.cpu, pods),
      "limits.memory": multiplyQuantity(plan.limits.memory, pods),
      "services.loadbalancers": "0",
      "services.nodeports": "0",
    },
  };
}
