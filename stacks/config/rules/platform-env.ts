/** Env names the platform sets itself (PLATFORM_ENV): no tenant env or secret may override them. */
import { PLATFORM_ENV } from "../../../model/platform-config";
import type { ConfigIssue } from "../errors";
import { configIssue } from "./rule";

/** The issue for a tenant env or secret named like a platform variable, or undefined. */
export function platformEnvIssue(path: string, name: string): ConfigIssue | undefined {
  if (!(PLATFORM_ENV as readonly string[]).includes(name)) return undefined;
  return configIssue(
    path,
    undefined,
    `is set by the platform and cannot be overridden (${PLATFORM_ENV.join(", ")})`,
  );
}
