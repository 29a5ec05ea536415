/** A plan's egress reaches public ranges only, unless the plan opts in (named in every preview). */
import { nonPublicOverlaps } from "../../../lib/cidr";
import { configIssue, type ConfigRule } from "./rule";

export const privateEgressIssues: ConfigRule = ({ config, valid }) => {
  if (!valid("plans")) return [];
  return Object.entries(config.plans).flatMap(([planName, plan]) =>
    plan.allowPrivateEgress
      ? []
      : plan.egressCidrs.flatMap((cidr, nth) => {
          const overlaps = nonPublicOverlaps(cidr);
          if (overlaps.length === 0) return [];
          return [
            configIssue(
              `plans.${planName}.egressCidrs[${nth}]`,
              cidr,
              `overlaps non-public ranges (${overlaps.join(", ")}), where cluster, node, VPC and cloud metadata addresses live; list public ranges only, or set plans.${planName}.allowPrivateEgress: true (named in every preview)`,
            ),
          ];
        }),
  );
};
