/**
 * A plan's requests must be quantities that do not exceed its limits (cpu and memory). The one
 * rule the config validation (stacks/config/rules/plans.ts) and the tenant component
 * (components/tenant/resources.ts, from TenantApp's resolve) both apply.
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
      /** A request above its limit. */
      readonly kind: "above-limit";
      readonly field: `requests.${PlanResource}`;
      readonly received: string;
      /** The matching `limits.<resource>` field and its value: the most the request may be. */
      readonly limitField: `limits.${PlanResource}`;
      readonly limit: string;
    };

/** Every problem with a plan's requests and limits; empty when the quota can be sized. */
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
    if (invalid.length > 0 || compareQuantities(request, limit) <= 0) return invalid;
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
