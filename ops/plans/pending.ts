/**
 * What a preview would change, grouped the way an operator thinks about the platform: each
 * tenant's own resources, the edge (its route table apart), the database, and the rest.
 */

/** One resource a preview would touch (Automation API step metadata). */
export interface PreviewStep {
  /** `create`, `update`, `replace`, `delete`, `create-replacement`, ... */
  readonly op: string;
  readonly urn: string;
  readonly type: string;
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

/**
 * The tenant a resource belongs to: its logical name holds `{marker}{id}` followed by `-` or the
 * end (`-tenant-` for TenantApp children, `-` for the database's per-tenant ones); the longest id
 * wins, so `big-acme` is never taken for `acme`.
 */
function tenantOf(urn: string, tenants: readonly string[], marker: string): string | undefined {
  const name = nameOf(urn);
  return [...tenants]
    .sort((a, b) => b.length - a.length)
    .find((id) => name.includes(`${marker}${id}-`) || name.endsWith(`${marker}${id}`));
}

/** Groups the steps: tenants (in the given order), then the route table, edge, database, other. */
export function groupPending(
  steps: readonly PreviewStep[],
  tenants: readonly string[],
): PendingGroup[] {
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
    const tenant = tenantOf(step.urn, tenants, "-tenant-");
    if (chain.includes("agent-cloud:edge:ManagementProxy")) {
      push(/routes|route-table/.test(nameOf(step.urn)) ? "route table" : "edge proxy", line);
    } else if (chain.includes("agent-cloud:data:SharedDatabase")) {
      const owner = tenantOf(step.urn, tenants, "-");
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
