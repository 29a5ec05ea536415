import type { z } from "zod";
import { configSchema, type ParsedConfig, type TenantSettings } from "../../model/config-schema";

/** Which keys failed the schema, and where each parsed tenant sits in the stack file. */
export interface KeyFailures {
  /** Top-level keys whose value failed the schema (and `tenants` when any tenant did). */
  readonly failed: ReadonlySet<string>;
  /** For each parsed tenant, its index in the stack file. */
  readonly tenantIndex: readonly number[];
}

/** What parsed when the whole config did not: each key alone, and each tenant alone. */
export interface PartialParse extends KeyFailures {
  readonly config: ParsedConfig;
}

/**
 * Parses each top-level key on its own (and each tenant on its own), so the cross-field rules
 * can still run over every key that is valid by itself when the config as a whole is not.
 */
export function parseEachKey(raw: Record<string, unknown>): PartialParse {
  const failed = new Set<string>();
  const config: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(configSchema.shape)) {
    const parsed = (schema as z.ZodType).safeParse(raw[key]);
    if (parsed.success) config[key] = parsed.data;
    else failed.add(key);
  }
  const tenantIndex: number[] = [];
  if (failed.has("tenants") && Array.isArray(raw.tenants)) {
    const tenantSchema = configSchema.shape.tenants.unwrap().element;
    const tenants: TenantSettings[] = [];
    raw.tenants.forEach((rawTenant, index) => {
      const parsed = tenantSchema.safeParse(rawTenant);
      if (parsed.success) {
        tenants.push(parsed.data);
        tenantIndex.push(index);
      }
    });
    config.tenants = tenants;
  } else if (Array.isArray(config.tenants)) {
    config.tenants.forEach((_, index) => tenantIndex.push(index));
  } else {
    config.tenants = [];
  }
  return { config: config as ParsedConfig, failed, tenantIndex };
}
