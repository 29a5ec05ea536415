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

/** A tenant's `apiKey.generation` in a stack's config (0 when unset or unreadable). */
export function apiKeyGenerationOf(config: StackConfig, tenantId: string): number {
  const tenants = config[KEY.tenants];
  if (!Array.isArray(tenants)) return 0;
  const entry = (tenants as { id?: unknown; apiKey?: { generation?: unknown } }[]).find(
    (t) => t.id === tenantId,
  );
  const generation = entry?.apiKey?.generation;
  return typeof generation === "number" ? generation : 0;
}
