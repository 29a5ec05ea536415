/**
 * Secrets given in clear text: a secret key Pulumi does not hold encrypted, a tenant env value
 * that looks like a credential, a credential inside agentConfig (mounted in a ConfigMap). Each
 * issue says the command that stores the value encrypted, and never shows the value.
 */
import { SET_DATABASE_ADMIN_PASSWORD } from "../../../model/rules/database-admin-password";
import { findNestedSecrets, secretEntry } from "../../../model/rules/secrets";
import { isSecretKey, SECRET_KEYS, type SecretKey } from "../../../model/config-schema";
import type { ConfigIssue } from "../errors";
import { clearTextIssue, type TenantRule } from "./rule";

/** How to store each secret key encrypted. */
export const SET_SECRET_COMMAND: Record<SecretKey, string> = {
  tenantSecrets: "pulumi config set --secret --path 'tenantSecrets.<tenant-id>.<NAME>' <value>",
  databaseAdminPassword: SET_DATABASE_ADMIN_PASSWORD,
  tlsPrivateKey: "pulumi config set --secret tlsPrivateKey < key.pem",
  registryPassword: "pulumi config set --secret registryPassword <value>",
};

/** Secret keys that are set but not among `secretKeys` (the keys Pulumi holds encrypted). */
export function clearTextSecretKeyIssues(
  raw: Readonly<Record<string, unknown>>,
  secretKeys: ReadonlySet<string>,
): ConfigIssue[] {
  return SECRET_KEYS.filter((key) => raw[key] !== undefined && !secretKeys.has(key)).map((key) =>
    clearTextIssue(
      key,
      `is a secret and must be stored encrypted; run: pulumi config rm ${key} && ${SET_SECRET_COMMAND[key]}`,
    ),
  );
}

/**
 * Keys Pulumi holds encrypted (`secretKeys`) that are not secret keys: the program uses their
 * values in clear (Deployment specs, ConfigMaps, the state), so `--secret` there protects
 * nothing, and ops, which never decrypts history, could no longer read what an update ran.
 */
export function encryptedPlainKeyIssues(secretKeys: ReadonlySet<string>): ConfigIssue[] {
  return [...secretKeys]
    .filter((key) => !isSecretKey(key))
    .sort()
    .map((key) => ({
      path: key,
      received: "(encrypted)",
      message: `holds a value set with --secret, but ${key} is not a secret key: the program deploys it in clear; keep secrets in tenantSecrets (${SET_SECRET_COMMAND.tenantSecrets}, read by the app as environment variables) and set ${key} without --secret`,
    }));
}

/** A tenant env value whose name or shape says it is a credential, or undefined. */
export function clearTextEnvIssue(
  path: string,
  tenantId: string,
  name: string,
  value: string,
): ConfigIssue | undefined {
  if (secretEntry(name, value) === undefined) return undefined;
  return clearTextIssue(
    path,
    `looks like a secret and must not be stored in clear text; remove it from env and run: pulumi config set --secret --path 'tenantSecrets.${tenantId}.${name}' <value>`,
  );
}

/** agentConfig is mounted in a ConfigMap: it may hold no credential at all. */
export const agentConfigSecretIssues: TenantRule = ({ tenant, path }) =>
  findNestedSecrets(tenant.agentConfig).map((found) =>
    clearTextIssue(
      `${path}.agentConfig${found.path}`,
      `looks like a secret and must not be stored in clear text; remove it from agentConfig and run: pulumi config set --secret --path 'tenantSecrets.${tenant.id}.${secretNameFor(found.key) || "NAME"}' <value>`,
    ),
  );

/** `webhookUrl` → `WEBHOOK_URL`: the tenantSecrets name suggested for a nested credential. */
function secretNameFor(key: string): string {
  return key
    .replace(/([a-z])([A-Z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9]/g, "_")
    .toUpperCase();
}
