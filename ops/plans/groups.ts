/**
 * Tenant groups to Pulumi targets: `deploy --group beta` updates only the resources of the tenants
 * labelled `beta` and the proxy's route table, so one group can be rolled out before the rest.
 * Pure: it takes the tenants from config and the URNs of the stack's current state.
 */
import { tenantOfName } from "../../model/names";
import { OpsError, UsageError } from "../errors";
import { parseUrn, type ParsedUrn } from "./urn";

/** The component type of one tenant's app (named `{environment}-tenant-{id}`, see tenantOfName). */
export const TENANT_COMPONENT_TYPES: readonly string[] = ["agent-cloud:tenant:TenantApp"];
/** The component type of the edge proxy, whose route table lists every tenant. */
export const PROXY_COMPONENT_TYPES: readonly string[] = ["agent-cloud:edge:ManagementProxy"];
/** The image build: a group rolls out a new build to its tenants only. */
export const IMAGE_COMPONENT_TYPES: readonly string[] = ["agent-cloud:image:AppImage"];
/**
 * The tenants' databases: the shared database (a platform stack) or a shard's tenant databases
 * on the same server, each with per-tenant children `${name}-${id}-<role>`.
 */
export const DATABASE_COMPONENT_TYPES: readonly string[] = [
  "agent-cloud:data:SharedDatabase",
  "agent-cloud:data:TenantDatabases",
];
/** Roles of a tenant's children in the shared database. */
const DATABASE_ROLES = ["password", "role", "database", "revoke-public"];

/** A tenant as far as groups are concerned. */
export interface GroupedTenant {
  readonly id: string;
  readonly groups: readonly string[];
}

/** What `deploy --group` targets. */
export interface GroupTargets {
  /** Tenants selected by the groups, in config order. */
  readonly tenantIds: readonly string[];
  /** URNs to pass as `target` (with `targetDependents`), in state order. */
  readonly targets: readonly string[];
}

/** Component types to match, for programs that name them differently. */
export interface GroupTargetOptions {
  readonly tenantTypes?: readonly string[];
  readonly proxyTypes?: readonly string[];
  /**
   * Whether the stack must hold the proxy: a shard stack has none (its platform routes its
   * tenants). @default true
   */
  readonly requireProxy?: boolean;
}

/** Whether a tenant is in one of `groups`: what `deploy --group` selects. */
export function inGroups(tenant: GroupedTenant, groups: readonly string[]): boolean {
  return tenant.groups.some((g) => groups.includes(g));
}

/** Every group named by some tenant, sorted. */
export function knownGroups(tenants: readonly GroupedTenant[]): string[] {
  return [...new Set(tenants.flatMap((t) => t.groups))].sort();
}

/** Throws a {@link UsageError} naming the groups that exist when one requested group does not. */
export function checkGroups(
  requested: readonly string[],
  tenants: readonly GroupedTenant[],
  stack: string,
  configFile: string,
): void {
  const known = knownGroups(tenants);
  const unknown = requested.filter((g) => !known.includes(g));
  if (unknown.length === 0) return;
  const which = unknown.map((g) => `"${g}"`).join(", ");
  throw new UsageError(
    known.length === 0
      ? `unknown group ${which}: no tenant of stack "${stack}" has groups; label tenants with groups: [...] in ${configFile}`
      : `unknown group ${which}; groups of stack "${stack}": ${known.join(", ")}`,
  );
}

function isUnder(resource: ParsedUrn, types: readonly string[]): boolean {
  return resource.typeChain.some((t) => types.includes(t));
}

/** Names a child gets from its component (`${name}-<role>`), or the component itself. */
function namedFrom(name: string, componentName: string): boolean {
  return name === componentName || name.startsWith(`${componentName}-`);
}

/** A resource of the stack's state: its URN and, when known, its parent's URN. */
export interface StateNode {
  readonly urn: string;
  readonly parent?: string;
}

/**
 * The URNs that make up the selected tenants (their app components and every resource beneath
 * them, and their own role, database and grant in the shared database) plus the proxy and the
 * image build. The other tenants' resources are not targeted, and `ops deploy` pins their
 * Deployments to the images they run now, so nothing of theirs changes. A resource belongs to the
 * tenant component it descends from (by `parent`), whose tenant is read from its name
 * (`{environment}-tenant-{id}`, tenantOfName in model/names.ts); without parents it is matched by
 * name, children being named `${component}-<role>`. Fails when a
 * selected tenant or the proxy has nothing in the stack's state: a targeted update cannot create a
 * component it does not know the URN of.
 */
export function groupTargets(
  groups: readonly string[],
  tenants: readonly GroupedTenant[],
  resources: readonly StateNode[],
  stack: string,
  options: GroupTargetOptions = {},
): GroupTargets {
  const tenantTypes = options.tenantTypes ?? TENANT_COMPONENT_TYPES;
  const proxyTypes = options.proxyTypes ?? PROXY_COMPONENT_TYPES;
  const selected = tenants.filter((t) => inGroups(t, groups)).map((t) => t.id);
  const allIds = tenants.map((t) => t.id);
  const parsed = resources.map((r) => ({ ...r, parts: parseUrn(r.urn) }));
  const parentOf = new Map(parsed.map((r) => [r.urn, r.parent]));

  // Tenant component URN → tenant id, and component name → URN for the name fallback.
  const tenantOf = new Map<string, string>();
  const componentByName = new Map<string, string>();
  for (const { urn, parts } of parsed) {
    if (parts === undefined || !tenantTypes.includes(parts.type)) continue;
    const id = tenantOfName(parts.name);
    if (id === undefined || !allIds.includes(id)) continue;
    tenantOf.set(urn, id);
    componentByName.set(parts.name, urn);
  }
  const namesLongestFirst = [...componentByName.keys()].sort((a, b) => b.length - a.length);

  const ownerOf = (urn: string, parts: ParsedUrn): string | undefined => {
    for (let at: string | undefined = urn; at !== undefined; at = parentOf.get(at)) {
      const id = tenantOf.get(at);
      if (id !== undefined) return id;
      if (!parentOf.has(at)) break;
    }
    if (parentOf.get(urn) !== undefined) return undefined;
    // No parent recorded: the longest component name wins (`dev-acme-corp-*` is not `dev-acme`'s).
    const name = namesLongestFirst.find((c) => namedFrom(parts.name, c));
    return name === undefined ? undefined : tenantOf.get(componentByName.get(name) ?? "");
  };

  const databases = parsed.flatMap((r) =>
    r.parts !== undefined && DATABASE_COMPONENT_TYPES.includes(r.parts.type) ? [r.parts.name] : [],
  );
  const ownDatabaseChild = (name: string) =>
    databases.some((db) =>
      selected.some((id) => DATABASE_ROLES.some((role) => name === `${db}-${id}-${role}`)),
    );

  const targets: string[] = [];
  const found = new Set<string>();
  let proxyFound = false;
  for (const { urn, parts } of parsed) {
    if (parts === undefined) continue;
    if (isUnder(parts, IMAGE_COMPONENT_TYPES)) {
      targets.push(urn);
      continue;
    }
    if (
      isUnder(parts, DATABASE_COMPONENT_TYPES) &&
      !DATABASE_COMPONENT_TYPES.includes(parts.type)
    ) {
      if (ownDatabaseChild(parts.name)) targets.push(urn);
      continue;
    }
    if (isUnder(parts, proxyTypes)) {
      targets.push(urn);
      proxyFound = true;
      continue;
    }
    if (!isUnder(parts, tenantTypes)) continue;
    const id = ownerOf(urn, parts);
    if (id !== undefined && selected.includes(id)) {
      targets.push(urn);
      found.add(id);
    }
  }

  const missing = selected.filter((id) => !found.has(id));
  if (missing.length > 0) {
    throw new OpsError(
      `tenant ${missing.map((id) => `"${id}"`).join(", ")} of group ${groups.join(", ")} has no ` +
        `resources in stack "${stack}" yet, and a targeted deploy cannot create them; deploy the ` +
        `whole stack once (without --group) to create new tenants`,
    );
  }
  if (!proxyFound && options.requireProxy !== false) {
    throw new OpsError(
      `stack "${stack}" has no proxy (${proxyTypes.join(", ")}) in its state, so the route table ` +
        `cannot be updated with the group; deploy the whole stack once (without --group)`,
    );
  }
  return { tenantIds: selected, targets };
}
