/**
 * A tenant's API keys and their rotation.
 *
 * Model: a tenant's key has a generation (`tenants[].apiKey.generation`, 0 at creation).
 * - Generation 0 is the random key the tenant got when it was created (a `RandomPassword` in the
 *   stack state, `{tenant component}-api-key`), kept as it was so existing clients keep working.
 * - Generation N ≥ 1 is derived: `ac_{env}_` + 40 letters and digits of
 *   HMAC-SHA256(the stack's key seed, "agent-cloud/api-key/v1/{env}/{tenant}/{N}"). The seed is one
 *   `RandomPassword` per stack (`{platform}-api-key-seed`: the platform stack's, and each shard
 *   stack's own), created with the first rotation.
 *   Any generation's key can be recomputed from the seed, so no old key has to be stored.
 * - Rotating is bumping the generation with `acceptPrevious: true`: the edge and the app accept
 *   the new and the previous key while clients switch; then `acceptPrevious: false` retires it.
 * The keys live in the tenant's Secret (`AGENT_CLOUD_API_KEY`, and `AGENT_CLOUD_API_KEY_PREVIOUS`
 * during an overlap) and in the proxy's key-table Secret, nowhere else.
 */
import { createHmac } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

export const API_KEY_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const RANDOM_LENGTH = 40;

/** Key of `generation` ≥ 1, derived from the environment's seed. Pure and deterministic. */
export function deriveApiKey(
  seed: string,
  environment: string,
  tenantId: string,
  generation: number,
): string {
  if (!Number.isInteger(generation) || generation < 1)
    throw new Error(`derived API keys start at generation 1 (got ${generation})`);
  if (seed.length < 32) throw new Error("the API key seed must be at least 32 characters");
  const mac = createHmac("sha256", seed)
    .update(`agent-cloud/api-key/v1/${environment}/${tenantId}/${generation}`)
    .digest();
  // 256 bits → 40 base-62 digits (238 bits); the modulo bias is below 2^-18.
  let n = BigInt(`0x${mac.toString("hex")}`);
  let out = "";
  for (let i = 0; i < RANDOM_LENGTH; i++) {
    out += API_KEY_ALPHABET[Number(n % 62n)];
    n /= 62n;
  }
  return `ac_${environment}_${out}`;
}

export interface ApiKeyRotation {
  /** @default 0 */
  readonly generation?: number;
  /** Accept the previous generation's key too. @default false */
  readonly acceptPrevious?: boolean;
}

export interface TenantApiKeys {
  readonly current: pulumi.Output<string>;
  /** Set only during a rotation overlap. */
  readonly previous?: pulumi.Output<string>;
}

/** Every reason a rotation cannot work (empty when it can), checked before anything is registered. */
export function apiKeyRotationProblems(
  tenantId: string,
  rotation: ApiKeyRotation | undefined,
  hasSeed: boolean,
): string[] {
  const generation = rotation?.generation ?? 0;
  const at = `tenant "${tenantId}" apiKey`;
  if (!Number.isInteger(generation) || generation < 0)
    return [`${at}.generation ${generation}: must be a whole number, 0 or more`];
  const problems: string[] = [];
  if ((rotation?.acceptPrevious ?? false) && generation === 0)
    problems.push(`${at}.acceptPrevious: generation 0 has no previous key`);
  if (generation >= 1 && !hasSeed)
    problems.push(`${at}.generation ${generation}: derived keys need the environment's seed`);
  return problems;
}

/** Throws the {@link apiKeyRotationProblems} of a rotation, if it has any. */
export function checkApiKeyRotation(
  tenantId: string,
  rotation: ApiKeyRotation | undefined,
  hasSeed: boolean,
): void {
  const problems = apiKeyRotationProblems(tenantId, rotation, hasSeed);
  if (problems.length > 0) throw new Error(problems.join("; "));
}

/**
 * Creates what a tenant's keys need (the generation-0 random key while generation 0 or 1 is in
 * use) and returns the accepted keys as secret Outputs.
 */
export function tenantApiKeys(
  name: string,
  args: {
    readonly environment: string;
    readonly tenantId: string;
    readonly apiKeyPrefix: string;
    readonly rotation?: ApiKeyRotation;
    /** The environment's seed; required from generation 1 on. */
    readonly seed?: pulumi.Input<string>;
  },
  opts: pulumi.CustomResourceOptions,
): TenantApiKeys {
  checkApiKeyRotation(args.tenantId, args.rotation, args.seed !== undefined);
  const generation = args.rotation?.generation ?? 0;
  const acceptPrevious = args.rotation?.acceptPrevious ?? false;

  // Generation 0's key, kept while it is current or the previous one.
  const initial =
    generation <= 1
      ? pulumi.interpolate`${args.apiKeyPrefix}${
          // Alphanumeric only: the key travels in headers and URLs without escaping.
          new random.RandomPassword(`${name}-api-key`, { length: 40, special: false }, opts).result
        }`
      : undefined;
  const keyOf = (g: number): pulumi.Output<string> =>
    g === 0
      ? (initial as pulumi.Output<string>)
      : pulumi
          .output(args.seed as pulumi.Input<string>)
          .apply((seed) => deriveApiKey(seed, args.environment, args.tenantId, g));
  return {
    current: pulumi.secret(keyOf(generation)),
    ...(acceptPrevious ? { previous: pulumi.secret(keyOf(generation - 1)) } : {}),
  };
}
