/**
 * Credentials in the config's plain fields. Every value the stack file gives outside the secret
 * keys is deployed in clear (the state, Kubernetes objects, the update history), so a value
 * shaped like a credential (model/rules/secrets.ts `secretShape`) is refused wherever it sits: a
 * migration's arguments, the proxy Service's annotations, a backup endpoint's URL. Names are not
 * judged here (`credentialsSecret` names a Secret, it holds none); a tenant's `env` and
 * `agentConfig`, whose names do say what they hold, have their own rules (clear-text-secrets.ts).
 * A key that failed the schema is skipped: its own issue says what is wrong with it.
 */
import { secretShape } from "../../../model/rules/secrets";
import { isSecretKey } from "../../../model/config-schema";
import type { ConfigIssue } from "../errors";
import { clearTextIssue, type ConfigRule } from "./rule";

/** Tenant fields with rules of their own that judge names too. */
const TENANT_FIELDS_JUDGED_ELSEWHERE = new Set(["env", "agentConfig"]);

/** Every string leaf of a plain value shaped like a credential, with its path. */
function credentialLeaves(value: unknown, path: string): { path: string; shape: string }[] {
  if (typeof value === "string") {
    const shape = secretShape(value);
    return shape === undefined ? [] : [{ path, shape }];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => credentialLeaves(v, `${path}[${i}]`));
  // Only plain objects: a SecretValue (a secret key's value) is never read.
  if (
    value === null ||
    typeof value !== "object" ||
    Object.getPrototypeOf(value) !== Object.prototype
  ) {
    return [];
  }
  return Object.entries(value).flatMap(([k, v]) => credentialLeaves(v, `${path}.${k}`));
}

/**
 * The issue for a credential at `path`; `tenantId` when it is a tenant's field, whose app and
 * migration read the tenant's secrets as environment variables.
 */
function issue({ path, shape }: { path: string; shape: string }, tenantId?: string): ConfigIssue {
  const where =
    tenantId === undefined
      ? "move it to a Secret (for the app and its migration: tenantSecrets; for the backup's S3 keys: the Secret database.backup.target.credentialsSecret names)"
      : `keep it in tenantSecrets (pulumi config set --secret --path 'tenantSecrets.${tenantId}.<NAME>' <value>), which the app and its migration read as environment variables`;
  return clearTextIssue(
    path,
    `holds what looks like ${shape}, and this field is deployed in clear (the state, Kubernetes objects, the update history): ${where}`,
  );
}

export const plainFieldSecretIssues: ConfigRule = ({ config, tenants, valid }) => [
  ...Object.entries(config)
    .filter(([key]) => key !== "tenants" && !isSecretKey(key) && valid(key))
    .flatMap(([key, value]) => credentialLeaves(value, key).map((found) => issue(found))),
  ...(valid("tenants")
    ? tenants.flatMap(({ tenant, path }) =>
        Object.entries(tenant)
          .filter(([field]) => !TENANT_FIELDS_JUDGED_ELSEWHERE.has(field))
          .flatMap(([field, value]) => credentialLeaves(value, `${path}.${field}`))
          .map((found) => issue(found, tenant.id)),
      )
    : []),
];
