export { ConfigError, type ConfigIssue } from "./errors";
export { loadConfig, CONFIG_NAMESPACE } from "./load";
export { BUILTIN_PLANS, type Plan } from "../../model/plans";
export { parseConfig } from "./parse";
export { PLATFORM_ENV, type PlatformConfig, type TenantConfig } from "../../model/platform-config";
export { SECRET_KEYS } from "../../model/config-schema";
export { SecretValue } from "../../model/secret-value";
export * from "../../model/names";
export { applyOverrides, OVERRIDE_ENV } from "./overrides";
