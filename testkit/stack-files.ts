/**
 * Reads Pulumi.<stack>.yaml the way the engine hands config to the program: full keys
 * (`agent-cloud:domain`), structured values as JSON text, plus the secrets an operator sets with
 * `pulumi config set --secret` (the files hold none in clear text), listed as secret keys.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

export const STACKS = ["local", "dev", "production"] as const;
export type StackName = (typeof STACKS)[number];

const ROOT = join(__dirname, "..");
/**
 * The stack files the suites read: copies of the examples under testkit/fixtures/stacks, so a user
 * who adds a tenant or changes a registry in Pulumi.<stack>.yaml breaks no test. The examples
 * themselves are checked by test/config/stack-files.test.ts and run by the e2e suite.
 */
export const FIXTURE_DIR = join(__dirname, "fixtures", "stacks");

/** Test stand-ins for the secrets each stack's comments tell the operator to set. */
export const OPERATOR_SECRETS: Record<StackName, Record<string, unknown>> = {
  local: {},
  dev: {
    "cloudflare:apiToken": "cf-test-token-dev",
    "agent-cloud:registryPassword": "registry-test-token-dev",
    "agent-cloud:databaseAdminPassword": "pg-admin-test-password-dev",
    "agent-cloud:tenantSecrets": {
      acme: { ANTHROPIC_API_KEY: "sk-ant-test-dev-acme-0000000000" },
      initech: { OPENAI_API_KEY: "sk-test-dev-initech-000000000000" },
    },
  },
  production: {
    "cloudflare:apiToken": "cf-test-token-production",
    "agent-cloud:databaseAdminPassword": "pg-admin-test-password",
    "agent-cloud:registryPassword": "registry-test-token-production",
    "agent-cloud:tenantSecrets": {
      acme: { ANTHROPIC_API_KEY: "sk-ant-test-prod-acme-000000000" },
      umbrella: { ANTHROPIC_API_KEY: "sk-ant-test-prod-umbrella-0000" },
    },
  },
};

/** The `config:` block of a stack file as written (the fixture copy unless `dir` is given). */
export function readStackFile(stack: string, dir = FIXTURE_DIR): Record<string, unknown> {
  const doc = parse(readFileSync(join(dir, `Pulumi.${stack}.yaml`), "utf8")) as {
    config?: Record<string, unknown>;
  };
  return doc.config ?? {};
}

/** The repository root, where the example stack files a user edits live. */
export const EXAMPLE_DIR = ROOT;

function encode(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Engine-shaped config for a stack: values as strings, and which keys are secret. */
export function engineConfig(stack: StackName): {
  config: Record<string, string>;
  secretKeys: string[];
} {
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(readStackFile(stack))) config[key] = encode(value);
  const secrets = OPERATOR_SECRETS[stack];
  for (const [key, value] of Object.entries(secrets)) config[key] = encode(value);
  return { config, secretKeys: Object.keys(secrets) };
}

/** `agent-cloud:*` keys without the namespace, decoded, as parseConfig takes them. */
export function rawConfig(stack: StackName): {
  raw: Record<string, unknown>;
  secretKeys: string[];
} {
  const raw: Record<string, unknown> = {};
  const secretKeys: string[] = [];
  const all = { ...readStackFile(stack), ...OPERATOR_SECRETS[stack] };
  for (const [fullKey, value] of Object.entries(all)) {
    if (!fullKey.startsWith("agent-cloud:")) continue;
    const key = fullKey.slice("agent-cloud:".length);
    raw[key] = value;
    if (fullKey in OPERATOR_SECRETS[stack]) secretKeys.push(key);
  }
  return { raw, secretKeys };
}
