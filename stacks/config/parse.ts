import { showReceived } from "../../model/rules/config-problem";
import type { z } from "zod";
import { configSchema, isSecretKey, type ParsedConfig } from "../../model/config-schema";
import type { PlatformConfig } from "../../model/platform-config";
import { ConfigError, type ConfigIssue, fromZodIssue } from "./errors";
import { type KeyFailures, parseEachKey } from "./partial-parse";
import { resolveConfig } from "./resolve";
import {
  agentConfigSecretIssues,
  clearTextSecretKeyIssues,
  encryptedPlainKeyIssues,
} from "./rules/clear-text-secrets";
import { databaseAdminPasswordIssues } from "./rules/database-admin-password";
import { databaseConnectionIssues } from "./rules/database-connections";
import { databaseNetworkIssues } from "./rules/database-network";
import { edgeSecurityIssues } from "./rules/edge-security";
import { environmentNameIssues } from "./rules/environment-name";
import { plainFieldSecretIssues } from "./rules/plain-field-secrets";
import { privateEgressIssues } from "./rules/private-egress";
import { shardSettingsIssues } from "./rules/shard-settings";
import { edgeCertificateIssues } from "./rules/edge-certificate";
import { checkHosts } from "./rules/hosts";
import { imageIssues } from "./rules/image";
import { writablePathIssues } from "./rules/writable-paths";
import { nodePortCollisionIssues, proxyServiceIssues } from "./rules/node-ports";
import { dnsRecordIssues } from "./rules/dns-records";
import { fallbackOriginIssues } from "./rules/fallback-origin";
import { proxyImageIssues } from "./rules/proxy-image";
import { planResourceIssues, proxyResourceIssues, tenantPlanIssues } from "./rules/plans";
import { productionGuardIssues } from "./rules/production";
import { providedCertificateIssues } from "./rules/provided-certificate";
import { proxyWorkerIssues } from "./rules/proxy-workers";
import { type RuleContext, ruleContext } from "./rules/rule";
import { tenantEnvIssues } from "./rules/tenant-env";
import { tenantIdIssues } from "./rules/tenant-ids";
import { tenantSecretsIssues } from "./rules/tenant-secrets";
import { tlsIssues } from "./rules/tls";

export interface ParseOptions {
  /**
   * Keys whose value Pulumi holds encrypted (`pulumi config set --secret`). A secret key found
   * outside this set was given in clear text and is refused.
   */
  readonly secretKeys?: Iterable<string>;
}

/**
 * Validates raw `agent-cloud:*` config (keys without the namespace) and returns the typed config.
 * Pure: no Pulumi runtime needed. Throws one {@link ConfigError} that lists every problem.
 */
export function parseConfig(
  input: Record<string, unknown>,
  options: ParseOptions = {},
): PlatformConfig {
  assertConfigMap(input);
  const raw = withoutUnsetSecrets(input);
  const secretKeys = new Set(options.secretKeys ?? []);
  const issues = [
    ...clearTextSecretKeyIssues(raw, secretKeys),
    ...encryptedPlainKeyIssues(secretKeys),
  ];
  const parsed = configSchema.safeParse(raw);
  if (parsed.success) {
    issues.push(...crossFieldIssues(parsed.data));
    if (issues.length > 0) throw new ConfigError(issues);
    return resolveConfig(parsed.data);
  }
  issues.push(...schemaIssues(parsed.error, raw));
  // Cross-field rules still run over every key that is valid on its own, so one run lists
  // every problem; a rule reading a key that failed is skipped rather than guessed at.
  const partial = parseEachKey(raw);
  issues.push(...crossFieldIssues(partial.config, partial));
  throw new ConfigError(issues);
}

function assertConfigMap(input: unknown): asserts input is Record<string, unknown> {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw new ConfigError([
      { path: "", received: showReceived(input), message: "must be a map of agent-cloud:* keys" },
    ]);
  }
}

/** Pulumi.yaml declares an empty default for each secret key; empty means "not set". */
function withoutUnsetSecrets(input: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(input).filter(([key, value]) => !isSecretKey(key) || !isEmpty(value)),
  );
}

function isEmpty(value: unknown): boolean {
  return (
    value === undefined ||
    value === "" ||
    (value !== null && typeof value === "object" && Object.keys(value).length === 0)
  );
}

/** The schema's own issues in our words; a secret key's value shows as `[secret]`. */
function schemaIssues(error: z.ZodError, raw: Record<string, unknown>): ConfigIssue[] {
  const isSecretPath = (path: readonly PropertyKey[]) =>
    typeof path[0] === "string" && isSecretKey(path[0]);
  return error.issues.map((issue) => fromZodIssue(issue, raw, isSecretPath, configSchema));
}

/**
 * Every rule across keys, in a fixed order (the order issues are listed in): hosts, then each
 * tenant's own rules tenant by tenant, then the environment's. With `failures` (the config did
 * not parse as a whole), a rule over a failed key is skipped.
 */
function crossFieldIssues(config: ParsedConfig, failures?: KeyFailures): ConfigIssue[] {
  const context = ruleContext(config, failures);
  const issues = fieldRuleIssues(context);
  // A credential in a field another rule refused already is in that rule's issue (never shown).
  const refused = new Set(issues.map((issue) => issue.path));
  return [
    ...issues,
    ...plainFieldSecretIssues(context).filter((issue) => !refused.has(issue.path)),
  ];
}

/** The rules that judge what fields mean, in order; see {@link crossFieldIssues}. */
function fieldRuleIssues(context: RuleContext): ConfigIssue[] {
  const hosts = checkHosts(context);
  return [
    ...hosts.platformIssues,
    ...context.tenants.flatMap((tenant) => [
      ...tenantIdIssues(tenant, context),
      ...tenantPlanIssues(tenant, context),
      ...hosts.customDomainIssues(tenant),
      ...tenantEnvIssues(tenant, context),
      ...agentConfigSecretIssues(tenant, context),
    ]),
    ...tenantSecretsIssues(context),
    ...shardSettingsIssues(context),
    ...productionGuardIssues(context),
    ...databaseAdminPasswordIssues(context),
    ...tlsIssues(context),
    ...providedCertificateIssues(context),
    ...imageIssues(context),
    ...writablePathIssues(context),
    ...environmentNameIssues(context),
    ...privateEgressIssues(context),
    ...planResourceIssues(context),
    ...databaseNetworkIssues(context),
    ...databaseConnectionIssues(context),
    ...edgeCertificateIssues(context),
    ...dnsRecordIssues(context),
    ...fallbackOriginIssues(context),
    ...proxyServiceIssues(context),
    ...nodePortCollisionIssues(context),
    ...proxyImageIssues(context),
    ...proxyResourceIssues(context),
    ...proxyWorkerIssues(context),
    ...edgeSecurityIssues(context),
  ];
}
