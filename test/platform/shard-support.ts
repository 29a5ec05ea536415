/**
 * Runs a stack of the sharded test environment (test/platform/fixtures/sharded) under mocks the
 * way `pulumi up --stack <name>` would: the engine's config from that stack file (and the
 * secrets its operator sets), the real loader reading the platform's file for a shard, the real
 * program, and the other stacks' outputs answered through stack references.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { loadConfig } from "../../stacks/config";
import { environmentProgram } from "../../stacks/program";
import {
  runProgram,
  settledExports,
  type ProgramRun,
  type StackReferenceAnswer,
} from "../../testkit/mocks";

export const SHARDED_DIR = join(__dirname, "fixtures", "sharded");
const PROJECT_ROOT = join(__dirname, "..", "..");

/** Test stand-ins for the secrets each stack of the sharded environment holds. */
export const SHARDED_SECRETS: Record<string, Record<string, unknown>> = {
  production: {
    "cloudflare:apiToken": "cf-test-token-production",
    "agent-cloud:databaseAdminPassword": "pg-admin-test-password",
  },
  "production-s01": {
    "agent-cloud:databaseAdminPassword": "pg-admin-test-password",
    "agent-cloud:tenantSecrets": { acme: { ANTHROPIC_API_KEY: "sk-ant-test-prod-acme-000000000" } },
  },
  "production-s02": { "agent-cloud:databaseAdminPassword": "pg-admin-test-password" },
};

/** A stack file's `config:` block, optionally changed first. */
export function shardedFile(stack: string): Record<string, unknown> {
  const doc = parse(readFileSync(join(SHARDED_DIR, `Pulumi.${stack}.yaml`), "utf8")) as {
    config: Record<string, unknown>;
  };
  return doc.config;
}

/** The platform image the fixtures' platform stack reports. */
export const PLATFORM_IMAGE = `ghcr.io/example-org/agent-cloud/agent@sha256:${"c".repeat(64)}`;

/** The outputs of the platform stack, as a shard reads them. */
export const PLATFORM_OUTPUTS: StackReferenceAnswer = {
  outputs: {
    environment: "production",
    imageRef: PLATFORM_IMAGE,
    proxyAddress: "203.0.113.10",
    edgeNamespace: "production-edge",
    tenants: {},
    hostsFileLines: [],
  },
};

export interface ShardedRun extends ProgramRun<Record<string, unknown>> {
  readonly outputs: Record<string, unknown>;
}

/**
 * Runs `stack` with the config of its file (or `config`, to try a change), answering stack
 * references from `references` (qualified name → outputs).
 */
export async function runSharded(
  stack: string,
  options: {
    readonly config?: Record<string, unknown>;
    readonly references?: Record<string, StackReferenceAnswer>;
    /** The program's environment (its per-run overrides). */
    readonly env?: NodeJS.ProcessEnv;
  } = {},
): Promise<ShardedRun> {
  const file = options.config ?? shardedFile(stack);
  const secrets = SHARDED_SECRETS[stack] ?? {};
  const encode = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
  const config = Object.fromEntries(
    Object.entries({ ...file, ...secrets }).map(([k, v]) => [k, encode(v)]),
  );
  const run = await runProgram(
    async () => {
      const parsed = loadConfig(options.env ?? {}, SHARDED_DIR);
      const out = environmentProgram(parsed, { projectRoot: PROJECT_ROOT });
      const outputs: Record<string, unknown> = {
        environment: parsed.environment,
        domain: parsed.domain,
      };
      // Every output, as the engine awaits them; the first that failed fails the run.
      const { values, failure } = await settledExports(out as unknown as Record<string, unknown>);
      if (failure !== undefined) throw failure as Error;
      return { ...outputs, ...values };
    },
    {
      stack,
      config,
      secretKeys: Object.keys(secrets),
      stackReferences: {
        "organization/agent-cloud/production": PLATFORM_OUTPUTS,
        ...options.references,
      },
    },
  );
  return { ...run, outputs: run.result };
}

/** The platform's view of a shard: its `tenants` and (secret) `apiKeys` outputs, from a run. */
export function shardAnswer(run: ShardedRun): StackReferenceAnswer {
  return {
    outputs: { tenants: run.outputs.tenants, apiKeys: run.outputs.apiKeys },
    secretOutputNames: ["apiKeys"],
  };
}
