/**
 * Suspended tenants at the edge: their hosts keep resolving to them (so the answer names the
 * tenant), but the proxy answers 503 with a JSON body instead of proxying to a workload that
 * is scaled to zero. The flag lives in the route table, so suspending a tenant is a route-table
 * change taken by a reload, like adding one.
 */

/** The 503 body for a suspended tenant (`$tenant_id` is filled in by nginx). */
export function tenantSuspendedBody(tenantId: string): string {
  return `{"error":"tenant_suspended","tenant":"${tenantId}","message":"this agent is suspended"}`;
}

/** `map $tenant_id $tenant_suspended`: 1 for each suspended tenant, 0 for every other. */
export function suspendedMapSection(
  routes: readonly { readonly tenantId: string; readonly suspended?: boolean }[],
): string[] {
  return [
    "map $tenant_id $tenant_suspended {",
    "  default 0;",
    ...routes.filter((r) => r.suspended === true).map((r) => `  "${r.tenantId}" 1;`),
    "}",
  ];
}

/** The guard in the tenant location: a suspended tenant gets its 503, never its upstream. */
export function suspendedGuard(): string[] {
  return ["if ($tenant_suspended) {", `  return 503 '${tenantSuspendedBody("$tenant_id")}';`, "}"];
}
