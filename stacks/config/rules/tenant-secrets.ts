/** `tenantSecrets`: every entry belongs to a tenant of this stack and names no platform variable. */
import type { ConfigIssue } from "../errors";
import { platformEnvIssue } from "./platform-env";
import { configIssue, type ConfigRule } from "./rule";

export const tenantSecretsIssues: ConfigRule = ({ config, valid, firstIndexOfId }) => {
  if (!valid("tenantSecrets")) return [];
  return Object.entries(config.tenantSecrets).flatMap(([tenantId, values]): ConfigIssue[] => {
    if (!firstIndexOfId.has(tenantId) && valid("tenants")) {
      return [
        configIssue(
          `tenantSecrets.${tenantId}`,
          undefined,
          `no tenant has id "${tenantId}"; remove it with: pulumi config rm --path 'tenantSecrets.${tenantId}'`,
        ),
      ];
    }
    return Object.keys(values).flatMap(
      (name) => platformEnvIssue(`tenantSecrets.${tenantId}.${name}`, name) ?? [],
    );
  });
};
