/**
 * The `local` stack's config (Pulumi.local.yaml, as the engine hands it over) with its tenant
 * list replaced, so every benchmark evaluates the shipped program with a realistic config.
 */
import { parseConfig } from "../stacks/config";
import { type PlatformConfig } from "../model/platform-config";
import { BUILTIN_PLANS } from "../model/plans";
import { rawConfig } from "../testkit/stack-files";

/** Tenant id number `ordinal` (1-based) of a synthetic fleet: `t0001`, `t0002`, … */
export function benchTenantId(ordinal: number): string {
  return `t${String(ordinal).padStart(4, "0")}`;
}

/** A tenant shaped like the local stack's own (a plan, a group, an agent config). */
export function benchTenant(id: string): Record<string, unknown> {
  return {
    id,
    plan: "starter",
    groups: ["bench"],
    agentConfig: {
      model: "claude-sonnet-4-5",
      systemPrompt: `You are ${id}'s support agent. Be brief.`,
      tools: ["search"],
    },
  };
}

/** The local stack's raw tenant list (acme, globex). */
export function localTenants(): Record<string, unknown>[] {
  return (rawConfig("local").raw.tenants as Record<string, unknown>[]).map((t) => ({ ...t }));
}

/** The local stack's config with exactly these tenants, validated by the real `parseConfig`. */
export function localConfigWith(tenants: readonly Record<string, unknown>[]): PlatformConfig {
  const { raw, secretKeys } = rawConfig("local");
  // One stack past the per-stack limit (250) is what the evaluation benchmark measures.
  const limit = tenants.length > 250 ? { maxTenantsPerStack: tenants.length } : {};
  // The in-cluster server's connection budget (database.maxConnections, 200 in the local stack)
  // holds at most 19 starter tenants at 10 connections each; a larger fleet (the smoke run's 40,
  // the evaluation's 100 and 1,000) gets 2 each, which changes only the roles' CONNECTION LIMIT,
  // not what the program registers.
  const budget =
    tenants.length > 10
      ? {
          plans: { starter: { ...BUILTIN_PLANS.starter, databaseConnections: 2 } },
          database: { ...(raw.database as object), maxConnections: 2 * tenants.length + 100 },
        }
      : {};
  return parseConfig({ ...raw, tenants: [...tenants], ...limit, ...budget }, { secretKeys });
}

/** The local stack's config with `tenantCount` synthetic tenants. */
export function localConfigWithN(tenantCount: number): PlatformConfig {
  return localConfigWith(
    Array.from({ length: tenantCount }, (_, i) => benchTenant(benchTenantId(i + 1))),
  );
}
