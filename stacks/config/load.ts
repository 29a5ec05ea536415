import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { applyOverrides } from "./overrides";
import { parseConfig } from "./parse";
import { type PlatformConfig } from "../../model/platform-config";
import { readStackFileConfig, withPlatformSettings } from "./shards";
import { CONFIG_NAMESPACE } from "../../model/config-schema";
import {
  decodeConfigText,
  parseWithFileIssues,
  readStackFileBlock,
  secretsInClear,
} from "./stack-file";

/** Where Pulumi.yaml and the stack files are. */
const PROJECT_DIR = path.join(__dirname, "..", "..");

export { CONFIG_NAMESPACE };

// The SDK keeps this helper internal; it is how `Config.requireSecret*` itself knows a key is
// secret. We need the same fact synchronously, before anything is registered.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as {
  isConfigSecret(this: void, fullKey: string): boolean;
};

/**
 * Reads every `agent-cloud:*` key of the current stack and validates it with parseConfig.
 *
 * Why not `config.requireSecretObject`: that hands back an Output, so a bad value would only be
 * found while resources are already being registered. Here the whole config is checked before
 * the first resource exists (bad config deploys nothing), and each secret value is wrapped in a
 * SecretValue at once, which only ever leaves as `pulumi.secret(...)`. A key listed as secret by
 * the engine is passed as such, so a secret set in clear text is refused with the command to fix it.
 * What the engine cannot say (a leaf left in clear beside an encrypted one, which makes the whole
 * key secret; `cloudflare:apiToken` in clear) is read from the stack file itself, when there is
 * one, and refused the same way. Image overrides for one run come from `env` (see overrides.ts).
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  projectDir: string = PROJECT_DIR,
  stack: string = pulumi.getStack(),
): PlatformConfig {
  const raw: Record<string, unknown> = {};
  const secretKeys: string[] = [];
  for (const [fullKey, text] of Object.entries(pulumi.runtime.allConfig())) {
    if (!fullKey.startsWith(`${CONFIG_NAMESPACE}:`)) continue;
    const key = fullKey.slice(CONFIG_NAMESPACE.length + 1);
    raw[key] = decodeConfigText(text);
    if (isConfigSecret(fullKey)) secretKeys.push(key);
  }
  // A shard stack takes its environment-wide settings from its platform's stack file.
  const full = withPlatformSettings(raw, (platform) => readStackFileConfig(projectDir, platform));
  // The secrets Pulumi.<stack>.yaml holds in clear; none when the stack has no file here.
  const inClear = secretsInClear(readStackFileBlock(projectDir, stack) ?? {});
  return parseWithFileIssues(inClear, () => parseConfig(applyOverrides(full, env), { secretKeys }));
}
