/**
 * Renders a stack file's program under the mocks harness (testkit/mocks.ts), exactly as the
 * test suites do: the real entry point `stacks/index.ts`, fed the engine-shaped config of
 * `Pulumi.<stack>.yaml`. Every `secure:` value and every secret the file's config requires but
 * leaves to the operator gets a generated stand-in (never a real secret).
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { type RecordedResource, runProgram, valueOf } from "../../testkit/mocks";
import { parseConfig } from "../../stacks/config/parse";
import { type PlatformConfig } from "../../model/platform-config";
import {
  fromStackFile,
  type ProjectConfig,
  ENCRYPTED_VALUE_MARK,
} from "../../stacks/config/stack-file";

export interface RenderedStack {
  readonly stack: string;
  readonly resources: readonly RecordedResource[];
  /** Stack outputs, resolved. */
  readonly outputs: Record<string, unknown>;
  /** Config keys (full) that got a generated stand-in instead of a real secret. */
  readonly standIns: readonly string[];
  /** The validated config the program ran with. */
  readonly platform: PlatformConfig;
  /** The stack file's `config:` block as written. */
  readonly stackConfig: Record<string, unknown>;
}

const standIn = (label: string) => `e2e-${label}-${randomBytes(9).toString("hex")}`;

/** The program's config for a stack file, with stand-ins for the secrets the operator sets. */
export function engineConfigFor(
  dir: string,
  stack: string,
): {
  config: Record<string, string>;
  secretKeys: string[];
  standIns: string[];
  raw: Record<string, unknown>;
  stackConfig: Record<string, unknown>;
  secrets: string[];
} {
  const doc = parse(readFileSync(path.join(dir, `Pulumi.${stack}.yaml`), "utf8")) as {
    config?: Record<string, unknown>;
  };
  const projectFile = path.join(__dirname, "..", "..", "Pulumi.yaml");
  const project = parse(readFileSync(projectFile, "utf8")) as { config?: ProjectConfig };
  const stackConfig = doc.config ?? {};
  const file = fromStackFile(stackConfig, project.config ?? {});
  const raw: Record<string, unknown> = JSON.parse(
    JSON.stringify(file.raw, (_k, v: unknown) =>
      v === ENCRYPTED_VALUE_MARK ? standIn("secure") : v,
    ),
  ) as Record<string, unknown>;
  const secretKeys = new Set(file.secretKeys);
  const standIns: string[] = file.secretKeys.map((k) => `agent-cloud:${k}`);
  const field = (key: string, name: string) =>
    (raw[key] as Record<string, unknown> | undefined)?.[name];
  const need = (key: string, when: boolean) => {
    if (!when || (raw[key] !== undefined && raw[key] !== "")) return;
    raw[key] = standIn(key);
    secretKeys.add(key);
    standIns.push(`agent-cloud:${key}`);
  };
  need("databaseAdminPassword", field("database", "mode") === "external");
  need("registryPassword", field("image", "registryUsername") !== undefined);

  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries(stackConfig)) {
    if (!k.startsWith("agent-cloud:")) config[k] = typeof v === "string" ? v : JSON.stringify(v);
  }
  const uses = field("dns", "provider") === "cloudflare" || field("tls", "mode") === "acme";
  if (uses && config["cloudflare:apiToken"] === undefined) {
    config["cloudflare:apiToken"] = standIn("cloudflare");
    standIns.push("cloudflare:apiToken");
  }
  for (const [k, v] of Object.entries(raw))
    config[`agent-cloud:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  const fullSecretKeys = [...secretKeys].map((k) => `agent-cloud:${k}`);
  if (config["cloudflare:apiToken"] !== undefined) fullSecretKeys.push("cloudflare:apiToken");
  return {
    config,
    secretKeys: fullSecretKeys,
    standIns,
    raw,
    stackConfig,
    secrets: [...secretKeys],
  };
}

/** Runs `stacks/index.ts` under mocks for the stack file in `dir` (once per process). */
export async function renderStack(dir: string, stack: string): Promise<RenderedStack> {
  const { config, secretKeys, standIns, raw, stackConfig, secrets } = engineConfigFor(dir, stack);
  const platform = parseConfig(raw, { secretKeys: secrets });
  const run = await runProgram(
    async () => (await import("../../stacks/index.js")) as unknown as Record<string, unknown>,
    { stack, config, secretKeys },
  );
  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(run.result)) {
    outputs[key] = await valueOf(value);
  }
  return { stack, resources: run.resources, outputs, standIns, platform, stackConfig };
}
