/**
 * What a tenant's API key will be when the update creates its app anew (components/tenant/api-key.ts):
 * generation 0's key is a random value in the state of the stack that ran the tenant, which went
 * with it when it was removed; a generation N ≥ 1 key is derived from the key seed of the stack
 * that runs it (`{platform}-api-key-seed`), one per stack (the platform, or each shard).
 */
import { API_KEY_SEED_SUFFIX } from "../../model/names";
import type { StackConfig, StateResource } from "../engine";
import { KEY } from "../stack-config";
import { parseUrn } from "./urn";

const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";

/** Whether a stack's state holds its API-key seed (it does while any tenant's key is rotated). */
export function holdsApiKeySeed(resources: readonly StateResource[]): boolean {
  return resources.some(
    (r) =>
      r.type === RANDOM_PASSWORD && (parseUrn(r.urn)?.name ?? "").endsWith(API_KEY_SEED_SUFFIX),
  );
}

/** A tenant's `apiKey` in a stack's config: generation 0 and no overlap when unset or unreadable. */
export function apiKeyRotationOf(
  config: StackConfig,
  tenantId: string,
): { readonly generation: number; readonly acceptPrevious: boolean } {
  const tenants = config[KEY.tenants];
  const entry = Array.isArray(tenants)
    ? (
        tenants as { id?: unknown; apiKey?: { generation?: unknown; acceptPrevious?: unknown } }[]
      ).find((t) => t.id === tenantId)
    : undefined;
  const generation = entry?.apiKey?.generation;
  return {
    generation: typeof generation === "number" ? generation : 0,
    acceptPrevious: entry?.apiKey?.acceptPrevious === true,
  };
}

/** A tenant's `apiKey.generation` in a stack's config (0 when unset or unreadable). */
export function apiKeyGenerationOf(config: StackConfig, tenantId: string): number {
  return apiKeyRotationOf(config, tenantId).generation;
}

/** What a tenant created anew at generation 0 gets: its old key went with the state that held it. */
export const NEW_GENERATION_0_KEY = "a new API key: generation 0's is random and went with it";
