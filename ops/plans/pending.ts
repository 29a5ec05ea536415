/**
 * What a preview would change, grouped the way an operator thinks about the platform: each
 * tenant's own resources, the edge (its route table apart), the database, and the rest.
 */
import { ENVIRONMENT_NAME } from "../../model/names";
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
};

function nameOf(urn: string): string {
  return urn.split("::").pop() ?? urn;
}

function kindOf(type: string): string {
  return type.split(":").pop() ?? type;
}

/** The listed tenants, each with its place in the list. */
type TenantPlaces = ReadonlyMap<string, number>;

const TENANT_INFIX = "-tenant-";

/**
 * The tenant whose resource a step is: the listed tenant whose TenantApp component the step is,
 * or is a child of (by its parent's URN). The component is named `{env}-tenant-{id}` and an
 * environment holds no `-` (model/names.ts), so a name has one id only: everything after the
 * first `-tenant-`. The key `dev-tenant-acme-api-key` of `dev-tenant-acme` is acme's even when
 * `acme-api` is a tenant too. Undefined for anything else, and for a child whose parent the
 * engine did not report.
 */
function tenantOf(step: PreviewStep, tenants: TenantPlaces): string | undefined {
  const component = TENANT_COMPONENT_TYPES.includes(step.type) ? step.urn : step.parent;
  const parsed = component === undefined ? undefined : parseUrn(component);
  if (parsed === undefined || !TENANT_COMPONENT_TYPES.includes(parsed.type)) return undefined;
  const dash = parsed.name.indexOf("-");
  if (dash < 0 || !ENVIRONMENT_NAME.test(parsed.name.slice(0, dash))) return undefined;
  if (!parsed.name.startsWith(TENANT_INFIX, dash)) return undefined;
  const id = parsed.name.slice(dash + TENANT_INFIX.length);
  return tenants.has(id) ? id : undefined;
}

/**
 * The tenant a shared database child belongs to (`{env}-database-{id}-role`, ...): its logical
 * name holds `-{id}-` or ends with `-{id}`; the longest id wins (the first listed of equal length), so `big-acme` is
 * never taken for `acme`. Each run of the name between a `-` and a later `-` (or its end) is looked up, so the
 * cost follows the name's dashes, not the number of tenants.
 */
function databaseTenantOf(urn: string, tenants: TenantPlaces): string | undefined {
  const name = nameOf(urn);
  const dashes = [...name.matchAll(/-/g)].map((m) => m.index);
  const ends = [...dashes, name.length];
  let best: string | undefined;
  for (const start of dashes) {
    for (const end of ends) {
      if (end <= start + 1) continue;
      const id = name.slice(start + 1, end);
      const place = tenants.get(id);
      if (place === undefined) continue;
      if (
        best === undefined ||
        id.length > best.length ||
        (id.length === best.length && place < (tenants.get(best) as number))
      ) {
        best = id;
      }
    }
  }
  return best;
}

/** Groups the steps: tenants (in the given order), then the route table, edge, database, other. */
export function groupPending(
  steps: readonly PreviewStep[],
  tenants: readonly string[],
): PendingGroup[] {
  const places: TenantPlaces = new Map(tenants.map((id, i) => [id, i]));
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
    const tenant = tenantOf(step, places);
    if (chain.includes("agent-cloud:edge:ManagementProxy")) {
      push(/routes|route-table/.test(nameOf(step.urn)) ? "route table" : "edge proxy", line);
    } else if (DATABASE_COMPONENT_TYPES.some((type) => chain.includes(type))) {
      const owner = databaseTenantOf(step.urn, places);
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
