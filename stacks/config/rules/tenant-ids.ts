/** Tenant ids: none reserved for the platform, each used once. */
import { RESERVED_TENANT_IDS } from "../../../model/names";
import type { ConfigIssue } from "../errors";
import { configIssue, type TenantRule } from "./rule";

export const tenantIdIssues: TenantRule = ({ tenant, index, path }, { firstIndexOfId }) => {
  const issues: ConfigIssue[] = [];
  if (RESERVED_TENANT_IDS.includes(tenant.id)) {
    issues.push(
      configIssue(
        `${path}.id`,
        tenant.id,
        `is reserved for the platform (${RESERVED_TENANT_IDS.join(", ")}); choose another id`,
      ),
    );
  }
  const first = firstIndexOfId.get(tenant.id);
  if (first !== undefined && first !== index) {
    issues.push(
      configIssue(
        `${path}.id`,
        tenant.id,
        `is already used by tenants[${first}]; tenant ids must be unique`,
      ),
    );
  }
  return issues;
};
