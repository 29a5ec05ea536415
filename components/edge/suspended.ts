/**
 * Suspended tenants at the edge: their hosts keep resolving to them (so the answer names the
 * tenant), but the proxy answers 503 with a JSON body instead of proxying to a workload that
 * is scaled to zero. The flag lives in the route table, so suspending a tenant is a route-table
 * change taken by a reload, like adding one.
 *
 * The 503 is a refusal like the others (nginx/refusals.ts): answered after the client's limits
 * are counted, and only after the key check, so a caller without a valid key gets the 401 it
 * would get from any tenant and learns nothing of the suspension.
 */
import { type RefusalAnswer, refusalGuardLines } from "./nginx/refusals";

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

/**
 * The guard in the tenant location, after the key check: a suspended tenant's request goes to
 * the refusal path as a bare 503 (its own `error_page`: nginx's own 502–504 go to the
 * tenant-unavailable page), never to its upstream.
 */
export function suspendedGuard(): string[] {
  return ["if ($tenant_suspended) {", ...refusalGuardLines(503).map((l) => `  ${l}`), "}"];
}

/** The refusal path's answer to the guard's 503. */
export const SUSPENDED_ANSWER: RefusalAnswer = {
  status: 503,
  body: tenantSuspendedBody("$tenant_id"),
};
