/**
 * How many pods a tenant may run: its fixed `replicas`, or its `autoscale` range, within its
 * plan's `maxReplicas`. The one rule the config validation (stacks/config/parse.ts) and the
 * tenant component (components/tenant/tenant-app.ts) both apply. No dependencies.
 */

/** Bounds of `tenants[].autoscale.cpuPercent`: target CPU use, in percent of the request. */
export const AUTOSCALE_CPU_PERCENT = { min: 10, max: 100, default: 70 } as const;

/** A tenant's autoscale range, as `tenants[].autoscale` gives it. */
export interface AutoscaleRange {
  readonly min: number;
  readonly max: number;
  readonly cpuPercent: number;
}

export interface TenantScaleInput {
  /** Pods to run without an autoscaler. */
  readonly replicas: number;
  /** The autoscale range, if the tenant scales on CPU. */
  readonly autoscale?: AutoscaleRange;
  /** The tenant's plan; undefined when it is not known (the plan check is then skipped). */
  readonly plan?: { readonly name: string; readonly maxReplicas: number };
}

/** One problem: the field (relative to the tenant), the value received, what is allowed. */
export interface TenantScaleProblem {
  readonly field: "replicas" | "autoscale.min" | "autoscale.max" | "autoscale.cpuPercent";
  readonly received: number;
  readonly message: string;
}

/** Every problem with a tenant's replica count and autoscale range; empty when it is fine. */
export function tenantScaleProblems(input: TenantScaleInput): TenantScaleProblem[] {
  const problems: TenantScaleProblem[] = [];
  const { replicas, autoscale, plan } = input;
  const planCeiling = (field: TenantScaleProblem["field"], received: number) => {
    if (plan !== undefined && received > plan.maxReplicas) {
      problems.push({
        field,
        received,
        message: `plan "${plan.name}" allows at most ${plan.maxReplicas} replicas`,
      });
    }
  };
  if (!Number.isInteger(replicas) || replicas < 1) {
    problems.push({ field: "replicas", received: replicas, message: "must be a positive integer" });
  }
  planCeiling("replicas", replicas);
  if (autoscale === undefined) return problems;

  planCeiling("autoscale.max", autoscale.max);
  if (!Number.isInteger(autoscale.min) || autoscale.min < 1) {
    problems.push({
      field: "autoscale.min",
      received: autoscale.min,
      message: "must be 1 or more",
    });
  }
  if (!Number.isInteger(autoscale.max) || autoscale.max < 1) {
    problems.push({
      field: "autoscale.max",
      received: autoscale.max,
      message: "must be 1 or more",
    });
  } else if (autoscale.min > autoscale.max) {
    problems.push({
      field: "autoscale.min",
      received: autoscale.min,
      message: `must not exceed autoscale.max (${autoscale.max})`,
    });
  }
  const percent = AUTOSCALE_CPU_PERCENT;
  if (
    !Number.isInteger(autoscale.cpuPercent) ||
    autoscale.cpuPercent < percent.min ||
    autoscale.cpuPercent > percent.max
  ) {
    problems.push({
      field: "autoscale.cpuPercent",
      received: autoscale.cpuPercent,
      message: `must be a whole percent from ${percent.min} to ${percent.max}`,
    });
  }
  return problems;
}
