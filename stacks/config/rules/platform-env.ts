/**
 * Env names the platform sets itself (PLATFORM_ENV): no tenant env or secret may override them.
 * The one rule TenantApp also applies: model/rules/tenant-env.ts.
 */
import { reservedEnvProblem } from "../../../model/rules/tenant-env";
import type { ConfigIssue } from "../errors";
import { configIssue } from "./rule";

/** The issue for a tenant env or secret named like a platform variable, or undefined. */
export function platformEnvIssue(path: string, name: string): ConfigIssue | undefined {
  const problem = reservedEnvProblem(name);
  return problem === undefined ? undefined : configIssue(path, undefined, problem);
}
