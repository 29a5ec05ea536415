/**
 * What a preview would change, grouped the way an operator thinks about the platform: each
 * tenant's own resources, the edge (its route table apart), the database, and the rest.
 */
import { TENANT_DATABASE_PARTS, tenantOfName } from "../../model/names";
import { DATABASE_COMPONENT_TYPES, TENANT_COMPONENT_TYPES } from "./groups";
import { parseUrn } from "./urn";

/** One resource a preview would touch (Automation API step metadata). */
export interface PreviewStep {
  /** `create`, `update`, `replace`, `delete`, `create-replacement`, ... */
  readonly op: string;
  readonly urn: string;
  readonly type: string;
  /** The parent's URN, when the engine reports it (a URN names its ancestors' types, not them). */
  readonly parent?: string;
}

/** A group of pending changes and its lines. */
export interface PendingGroup {
  readonly label: string;
  readonly changes: readonly string[];
}

const SIGN: Record<string, string> = {
  create: "+",
  update: "~",
  replace: "+-",
  "create-replacement": "+-",
  "delete-replaced": "",
  delete: "-",
  import: "=",
};

function nameOf(urn: string): string {
  return urn.split("::").pop() ?? urn;
}

function kindOf(type: string): string {
  return type.split(":").pop() ?? type;
}

/** The listed tenants. */
type ListedTenants = ReadonlySet<string>;

const DATABASE_INFIX = "-database-";

/**
 * The tenant whose resource a step is: the listed tenant whose TenantApp component the step is,
 * or is a child of (by its parent's URN). The component's name is read by tenantOfName
 * (model/names.ts), so a name has one id only. The key `dev-tenant-acme-api-key` of
 * `dev-tenant-acme` is acme's even when `acme-api` is a tenant too. Undefined for anything else,
 * and for a child whose parent the engine did not report.
 */
function tenantOf(step: PreviewStep, tenants: ListedTenants): string | undefined {
  const component = TENANT_COMPONENT_TYPES.includes(step.type) ? step.urn : step.parent;
  const parsed = component === undefined ? undefined : parseUrn(component);
  if (parsed === undefined || !TENANT_COMPONENT_TYPES.includes(parsed.type)) return undefined;
  const id = tenantOfName(parsed.name);
  return id !== undefined && tenants.has(id) ? id : undefined;
}

/**
 * The tenant a database child belongs to: the listed tenant whose role, database or hardening it
 * is, named `{component}-{id}-{part}` (model/names.ts) under a component named `…-database`.
 * The name is read exactly, never searched: `dev-database-acme-role` is acme's even when
 * `acme-role` is a tenant, and the server's own `dev-database-server-hardening` is no tenant's
 * (`server` is a reserved id). Undefined for the component's own resources.
 */
function databaseTenantOf(urn: string, tenants: ListedTenants): string | undefined {
  const name = nameOf(urn);
  const part = TENANT_DATABASE_PARTS.find((p) => name.endsWith(`-${p}`));
  if (part === undefined) return undefined;
  const owned = name.slice(0, name.length - part.length - 1);
  // The component's name ends in `-database`; a shard's may hold it more than once.
  for (
    let at = owned.indexOf(DATABASE_INFIX);
    at >= 0;
    at = owned.indexOf(DATABASE_INFIX, at + 1)
  ) {
    const id = owned.slice(at + DATABASE_INFIX.length);
    if (tenants.has(id)) return id;
  }
  return undefined;
}

/** Groups the steps: tenants (in the given order), then the route table, edge, database, other. */
export function groupPending(
  steps: readonly PreviewStep[],
  tenants: readonly string[],
): PendingGroup[] {
  const listed: ListedTenants = new Set(tenants);
  const groups = new Map<string, string[]>();
  const push = (label: string, line: string) => {
    const list = groups.get(label) ?? [];
    list.push(line);
    groups.set(label, list);
  };
  for (const step of steps) {
    const sign = SIGN[step.op];
    if (sign === undefined || sign === "") continue;
    const line = `${sign} ${kindOf(step.type)} ${nameOf(step.urn)}`;
    const chain = step.urn.split("::")[2] ?? "";
    const tenant = tenantOf(step, listed);
    if (chain.includes("agent-cloud:edge:ManagementProxy")) {
      push(/routes|route-table/.test(nameOf(step.urn)) ? "route table" : "edge proxy", line);
    } else if (DATABASE_COMPONENT_TYPES.some((type) => chain.includes(type))) {
      const owner = databaseTenantOf(step.urn, listed);
      push(owner === undefined ? "database" : `database (tenant ${owner})`, line);
    } else if (tenant !== undefined) {
      push(`tenant ${tenant}`, line);
    } else if (chain.includes("agent-cloud:data:TenantBackups")) {
      push("backups", line);
    } else {
      push("other", line);
    }
  }
  const order = [
    ...tenants.map((t) => `tenant ${t}`),
    "route table",
    "edge proxy",
    "database",
    ...tenants.map((t) => `database (tenant ${t})`),
    "backups",
    "other",
  ];
  return order.flatMap((label) => {
    const changes = groups.get(label);
    return changes === undefined ? [] : [{ label, changes }];
  });
}
