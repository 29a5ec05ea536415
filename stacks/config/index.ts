export { ConfigError, type ConfigIssue } from "./errors";
export { loadConfig, CONFIG_NAMESPACE } from "./load";
export { BUILTIN_PLANS, type Plan } from "./plans";
export { parseConfig, PLATFORM_ENV, type PlatformConfig, type TenantConfig } from "./parse";
export { SECRET_KEYS } from "./schema";
export { SecretValue } from "./secret";
export * from "./names";
export { applyOverrides, OVERRIDE_ENV } from "./overrides";
