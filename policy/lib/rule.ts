/** Small wrappers so every rule is a plain function over {@link Res} and stays mandatory. */
import type { ResourceValidationPolicy, Severity, StackValidationPolicy } from "@pulumi/policy";
import { toRes, type Res } from "./resources";

/** Reports one finding; stack rules pass the URN of the offending resource. */
export type Report = (message: string, urn?: string) => void;

export interface RuleInfo {
  readonly name: string;
  /** One sentence; the analyzer prefixes every message with it. */
  readonly description: string;
  readonly severity: Severity;
}

/** A rule over one resource at a time, run before the resource is created or updated. */
export function resourceRule(
  info: RuleInfo,
  check: (resource: Res, report: Report) => void,
): ResourceValidationPolicy {
  return {
    ...info,
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => check(toRes(args), (m) => reportViolation(m)),
  };
}

/** A rule over the whole stack, for facts that span resources. */
export function stackRule(
  info: RuleInfo,
  check: (resources: readonly Res[], report: Report, notApplicable: (why: string) => never) => void,
): StackValidationPolicy {
  return {
    ...info,
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) =>
      check(args.resources.map(toRes), reportViolation, (why) => args.notApplicable(why)),
  };
}
