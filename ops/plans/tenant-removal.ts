/**
 * Tenants a deploy would remove: what is deleted, what is retained, and whether the stack lets
 * that happen without an explicit `--remove-tenant`. A tenant's database and role are retained
 * on delete in every environment (components/data/shared-database.ts, and tenant-databases.ts in a
 * shard stack); in a stack that protects
 * its databases they are also protected, so removing the tenant needs the flag, which lifts the
 * protection from exactly those two resources first.
 */
import { tenantDatabaseName, tenantNamespace } from "../../model/names";
import type { StateResource } from "../engine";
import { OpsError, UsageError } from "../errors";
import { DATABASE_COMPONENT_TYPES } from "./groups";
import { parseUrn } from "./urn";

/** What removing tenants does, and the protected resources to unprotect first. */
export interface RemovalPlan {
  readonly removed: readonly string[];
  /** One line per removed tenant: what is deleted and what stays. */
  readonly notes: readonly string[];
  /** URNs of the removed tenants' protected database and role. */
  readonly unprotect: readonly string[];
}

/**
 * Plans the removal of the tenants deployed now (`deployed`) but absent from the config
 * (`configured`); throws when the stack protects databases and a removal was not asked for.
 */
export function planRemoval(input: {
  readonly stack: string;
  readonly environment: string;
  readonly deployed: readonly string[];
  readonly configured: readonly string[];
  readonly requested: readonly string[];
  readonly protectedDatabases: boolean;
  readonly resources: readonly StateResource[];
  readonly configFile: string;
  /** The `--group` a deploy targets, if any: it updates the route table but deletes nothing. */
  readonly groups?: readonly string[];
}): RemovalPlan {
  const removed = input.deployed.filter((id) => !input.configured.includes(id)).sort();
  if (removed.length > 0 && (input.groups ?? []).length > 0) {
    throw new OpsError(
      `tenant ${removed.join(", ")} is deployed in stack "${input.stack}" but gone from ${input.configFile}: a --group ${input.groups?.join(", ")} deploy would take it out of the route table and leave its app and database running; deploy the whole stack to remove it${input.protectedDatabases ? ` (with ${removed.map((id) => `--remove-tenant ${id}`).join(" ")})` : ""}, or put it back in ${input.configFile} first`,
    );
  }
  const stray = input.requested.filter((id) => !removed.includes(id));
  if (stray.length > 0) {
    throw new UsageError(
      `--remove-tenant ${stray.join(", ")}: not removed by this deploy (tenants it removes: ${removed.join(", ") || "none"}); delete the tenant from ${input.configFile} first`,
    );
  }
  const notes = removed.map((id) => {
    const db = tenantDatabaseName(input.environment, id);
    return `tenant ${id} is removed: namespace ${tenantNamespace(input.environment, id)} and everything in it are deleted; PostgreSQL role and database ${db} are retained on the server (drop them by hand once the data is no longer needed)`;
  });
  const unasked = removed.filter((id) => !input.requested.includes(id));
  if (input.protectedDatabases && unasked.length > 0) {
    throw new OpsError(
      `stack "${input.stack}" protects its databases and this deploy removes tenant ${unasked.join(", ")} (not in ${input.configFile}); if that is intended, repeat with ${unasked.map((id) => `--remove-tenant ${id}`).join(" ")}. Their databases and roles are retained either way.`,
    );
  }
  const unprotect: string[] = [];
  if (input.protectedDatabases && removed.length > 0) {
    const parsed = input.resources.map((r) => ({ urn: r.urn, parts: parseUrn(r.urn) }));
    const components = parsed.flatMap((r) =>
      r.parts !== undefined && DATABASE_COMPONENT_TYPES.includes(r.parts.type)
        ? [r.parts.name]
        : [],
    );
    const names = new Set(
      components.flatMap((c) =>
        removed.flatMap((id) => [`${c}-${id}-role`, `${c}-${id}-database`]),
      ),
    );
    for (const { urn, parts } of parsed) {
      const underDatabase = parts?.typeChain.some((t) => DATABASE_COMPONENT_TYPES.includes(t));
      if (parts !== undefined && underDatabase === true && names.has(parts.name)) {
        unprotect.push(urn);
      }
    }
  }
  return { removed, notes, unprotect };
}
