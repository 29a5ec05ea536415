/**
 * A tenant's plain env: each variable gets at most one issue, the first that applies: a name the
 * platform sets, a credential in clear text, or a name also set in tenantSecrets.
 */
import { envSecretClashProblem } from "../../../model/rules/tenant-env";
import type { ConfigIssue } from "../errors";
import { clearTextEnvIssue } from "./clear-text-secrets";
import { platformEnvIssue } from "./platform-env";
import { configIssue, type RuleContext, type TenantRule } from "./rule";

export const tenantEnvIssues: TenantRule = ({ tenant, path }, context) =>
  Object.entries(tenant.env).flatMap(([name, value]) => {
    const at = `${path}.env.${name}`;
    const found =
      platformEnvIssue(at, name) ??
      clearTextEnvIssue(at, tenant.id, name, value) ??
      alsoInTenantSecretsIssue(at, tenant.id, name, context);
    return found === undefined ? [] : [found];
  });

function alsoInTenantSecretsIssue(
  path: string,
  tenantId: string,
  name: string,
  { config, valid }: RuleContext,
): ConfigIssue | undefined {
  if (!valid("tenantSecrets") || config.tenantSecrets[tenantId]?.[name] === undefined) {
    return undefined;
  }
  return configIssue(path, undefined, envSecretClashProblem(tenantId));
}
