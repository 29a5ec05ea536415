import { apiKeyPrefix } from "../../model/names";
import { BUILTIN_PLANS, type Plan } from "../../model/plans";
import type { ParsedConfig } from "../../model/config-schema";
import type { PlatformConfig } from "../../model/platform-config";
import { SecretValue } from "../../model/secret-value";
import { resolveProxy, resolvePublicPaths } from "./edge-security";

/**
 * A valid parsed config with everything derived filled in: plans by name, each tenant's hosts
 * and public paths, the proxy's Cloudflare-dependent defaults, and every secret wrapped in a
 * SecretValue.
 */
export function resolveConfig(config: ParsedConfig): PlatformConfig {
  const plans = { ...BUILTIN_PLANS, ...config.plans };
  const { tenantSecrets, databaseAdminPassword, tlsPrivateKey, registryPassword, ...rest } = config;
  return {
    ...rest,
    apiKeyPrefix: apiKeyPrefix(config.environment),
    proxy: resolveProxy(config),
    plans,
    database: {
      ...config.database,
      protect: config.database.protect ?? config.environment === "production",
    },
    tenants: config.tenants.map(({ plan, ...tenant }) => ({
      ...tenant,
      planName: plan,
      plan: plans[plan] as Plan,
      hosts: [`${tenant.id}.${config.domain}`, ...tenant.customDomains],
      publicPaths: resolvePublicPaths(config, tenant),
      secrets: Object.fromEntries(
        Object.entries(tenantSecrets[tenant.id] ?? {}).map(([name, value]) => [
          name,
          new SecretValue(value),
        ]),
      ),
    })),
    secrets: {
      databaseAdminPassword: secretValue(databaseAdminPassword),
      tlsPrivateKey: secretValue(tlsPrivateKey),
      registryPassword: secretValue(registryPassword),
    },
  };
}

function secretValue(value: string | undefined): SecretValue | undefined {
  return value === undefined ? undefined : new SecretValue(value);
}
