/**
 * A plan's requests must be quantities that do not exceed its limits, and its limits must be
 * greater than zero (cpu and memory). The one rule the config validation
 * (stacks/config/rules/plans.ts, for `plans` and `proxy.resources`), the tenant component
 * (components/tenant/resources.ts, from TenantApp's resolve) and ManagementProxy's args
 * (components/edge/management-proxy-args.ts, {@link zeroLimitReason}) all apply.
 */
import type { Plan } from "../plans";
import { compareQuantities, quantityReason } from "../quantity";

export const PLAN_RESOURCES = ["cpu", "memory"] as const;
export type PlanResource = (typeof PLAN_RESOURCES)[number];

/** One problem with a plan's resources, its field relative to the plan. */
export type PlanResourceProblem =
  | {
      /** A quantity that cannot be computed with; `message` says what is allowed. */
      readonly kind: "quantity";
      readonly field: `requests.${PlanResource}` | `limits.${PlanResource}`;
      readonly received: string;
      readonly message: string;
    }
  | {
      /** A limit of zero, which Kubernetes reads as no limit; `message` says what is allowed. */
      readonly kind: "zero-limit";
      readonly field: `limits.${PlanResource}`;
      readonly received: string;
      readonly message: string;
    }
  | {
      /** A request above its limit. */
      readonly kind: "above-limit";
      readonly field: `requests.${PlanResource}`;
      readonly received: string;
      /** The matching `limits.<resource>` field and its value: the most the request may be. */
      readonly limitField: `limits.${PlanResource}`;
      readonly limit: string;
    };

/** What a limit may be, beyond a quantity, and why, by resource. */
const ZERO_LIMIT_MESSAGES: Record<PlanResource, string> = {
  cpu: "must be greater than 0, such as 500m or 2: Kubernetes takes a limit of 0 as no limit, so the container could use every CPU of its node",
  memory:
    "must be greater than 0, such as 512Mi or 1Gi: Kubernetes takes a limit of 0 as no limit, so the container could use all of its node's memory",
};

/**
 * Why `limit` cannot be a container's `resource` limit: it is zero (`0`, `0m`, `0Gi`), which
 * Kubernetes reads as no limit at all, and a tenant quota sized from it admits the container
 * all the same (0 ≤ 0). Undefined when it is more than zero, and when it is not a quantity one
 * can compute with ({@link quantityReason} says why).
 */
export function zeroLimitReason(resource: PlanResource, limit: string): string | undefined {
  if (quantityReason(limit) !== undefined || compareQuantities(limit, "0") !== 0) return undefined;
  return ZERO_LIMIT_MESSAGES[resource];
}

/**
 * Every problem with a plan's requests and limits; empty when the quota can be sized. A zero
 * limit is its only problem for that resource: no request is compared with it.
 */
export function planResourceProblems(
  plan: Pick<Plan, "requests" | "limits">,
): PlanResourceProblem[] {
  return PLAN_RESOURCES.flatMap((resource): PlanResourceProblem[] => {
    const request = plan.requests[resource];
    const limit = plan.limits[resource];
    const invalid = [
      { field: `requests.${resource}` as const, received: request },
      { field: `limits.${resource}` as const, received: limit },
    ].flatMap(({ field, received }): PlanResourceProblem[] => {
      const message = quantityReason(received);
      return message === undefined ? [] : [{ kind: "quantity", field, received, message }];
    });
    if (invalid.length > 0) return invalid;
    const zero = zeroLimitReason(resource, limit);
    if (zero !== undefined)
      return [{ kind: "zero-limit", field: `limits.${resource}`, received: limit, message: zero }];
    if (compareQuantities(request, limit) <= 0) return [];
    return [
      {
        kind: "above-limit",
        field: `requests.${resource}`,
        received: request,
        limitField: `limits.${resource}`,
        limit,
      },
    ];
  });
}
