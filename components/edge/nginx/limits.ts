/**
 * The edge's abuse limits, as nginx config: per-client connection and request limits keyed by the
 * real client (after `real_ip`, so Cloudflare's own address is never the key; an IPv6 client by
 * its /64, client-key.ts), per-tenant
 * request limits from each tenant's plan (counting an `edge`-mode tenant's requests only when
 * their key was accepted, auth.ts PLAN_TENANT), and short timeouts for slow clients. Refusals are 429
 * with a JSON body naming which limit was hit.
 *
 * `limit_conn` counts requests in progress (an open SSE or WebSocket stream counts until it
 * ends); a connection that never completes its TLS handshake or request header is not a request
 * yet, so it is bounded by `client_header_timeout` (which in nginx 1.22 also bounds the
 * handshake) and by the worker's connection budget instead.
 */
import { EDGE_LIMIT_DEFAULTS } from "../../../model/edge-defaults";
import { PLAN_TENANT } from "./auth";
import { CLIENT_KEY, clientKeyHttpLines } from "./client-key";
import { mapKeyProblems } from "./map-keys";

export interface EdgeLimits {
  /** Requests one client address may have in progress at once. */
  readonly connectionsPerClient: number;
  readonly requestsPerSecondPerClient: number;
  readonly requestBurstPerClient: number;
  /** Whole request header, TLS handshake included. */
  readonly clientHeaderTimeoutSeconds: number;
  /** Between two reads of a request body. */
  readonly clientBodyTimeoutSeconds: number;
  /** Idle keep-alive connections are closed after this long. */
  readonly keepaliveTimeoutSeconds: number;
}

/**
 * A plan's per-tenant request limit and the tenants on it. List every plan, used or not, so the
 * main config stays the same when tenants come and go (only the route table changes).
 */
export interface PlanLimit {
  readonly plan: string;
  readonly requestsPerSecond: number;
  readonly requestBurst: number;
  readonly tenantIds: readonly string[];
}

export interface EdgeLimitsInput {
  readonly limits: EdgeLimits;
  readonly plans: readonly PlanLimit[];
}

/** The limits when none are given: the config schema's defaults (model/edge-defaults.ts). */
export const DEFAULT_EDGE_LIMITS: EdgeLimits = EDGE_LIMIT_DEFAULTS;

export const LIMIT_BODIES = {
  tooManyConnections:
    '{"error":"too_many_connections","message":"too many requests in progress from this client; retry shortly"}',
  rateLimited: '{"error":"rate_limited","message":"too many requests; retry shortly"}',
} as const;

const PLAN = /^[a-z]([a-z0-9-]*[a-z0-9])?$/;

export function edgeLimitsProblems(input: EdgeLimitsInput): string[] {
  const problems: string[] = [];
  const whole = (path: string, value: number, min: number, max: number) => {
    if (!Number.isInteger(value) || value < min || value > max)
      problems.push(
        `${path} ${JSON.stringify(value)}: must be a whole number from ${min} to ${max}`,
      );
  };
  const l = input.limits;
  whole("limits.connectionsPerClient", l.connectionsPerClient, 1, 100_000);
  whole("limits.requestsPerSecondPerClient", l.requestsPerSecondPerClient, 1, 100_000);
  // nginx refuses `burst=0` ("invalid burst value"): a burst is at least one request.
  whole("limits.requestBurstPerClient", l.requestBurstPerClient, 1, 100_000);
  whole("limits.clientHeaderTimeoutSeconds", l.clientHeaderTimeoutSeconds, 1, 300);
  whole("limits.clientBodyTimeoutSeconds", l.clientBodyTimeoutSeconds, 1, 300);
  whole("limits.keepaliveTimeoutSeconds", l.keepaliveTimeoutSeconds, 0, 300);
  const seen = new Map<string, string>();
  input.plans.forEach((p, i) => {
    if (!PLAN.test(p.plan))
      problems.push(`plans[${i}].plan ${JSON.stringify(p.plan)}: must be a DNS label`);
    else problems.push(...mapKeyProblems(`plans[${i}].plan`, p.plan));
    whole(`plans[${i}].requestsPerSecond`, p.requestsPerSecond, 1, 100_000);
    whole(`plans[${i}].requestBurst`, p.requestBurst, 1, 100_000);
    p.tenantIds.forEach((id, j) => {
      problems.push(...mapKeyProblems(`plans[${i}].tenantIds[${j}]`, id));
      const other = seen.get(id);
      if (other !== undefined)
        problems.push(`plans[${i}].tenantIds: tenant "${id}" is already on plan "${other}"`);
      seen.set(id, p.plan);
    });
  });
  return problems;
}

/** nginx variable and zone names allow no '-'; plan names are DNS labels, so '_' is unambiguous. */
const zoneName = (plan: string) => `edge_plan_${plan.replace(/-/g, "_")}`;

/**
 * Route-table lines (they change with the tenant list): which plan each tenant is on.
 */
export function edgeLimitsRouteLines(input: EdgeLimitsInput): string[] {
  return [
    "map $tenant_id $edge_plan {",
    '  default "";',
    ...input.plans.flatMap((p) => p.tenantIds.map((id) => `  "${id}" "${p.plan}";`)),
    "}",
  ];
}

/**
 * `http {}` lines that do not change with the tenant list: zones (one per plan, 10 MiB: state
 * for some 80,000 tenants), statuses, timeouts.
 */
export function edgeLimitsHttpLines(input: EdgeLimitsInput): string[] {
  const l = input.limits;
  const plans = input.plans;
  return [
    `client_header_timeout ${l.clientHeaderTimeoutSeconds}s;`,
    `client_body_timeout ${l.clientBodyTimeoutSeconds}s;`,
    `keepalive_timeout ${l.keepaliveTimeoutSeconds}s;`,
    // A refused client's body is read (and dropped) no longer than any body read may wait.
    `lingering_time ${l.clientBodyTimeoutSeconds}s;`,
    `lingering_timeout ${Math.min(5, l.clientBodyTimeoutSeconds)}s;`,
    "reset_timedout_connection on;",
    "limit_conn_status 429;",
    "limit_req_status 429;",
    // Below the error log's level (nginx-config.ts, ERROR_LOG_LEVEL), so a refusal never writes
    // the request line (query string and all) or Referer there; the access log records the 429.
    "limit_conn_log_level info;",
    "limit_req_log_level info;",
    // The real client once real_ip has run: an IPv4 address, an IPv6 /64 (client-key.ts).
    ...clientKeyHttpLines(),
    `limit_conn_zone ${CLIENT_KEY} zone=edge_client_conn:10m;`,
    `limit_req_zone ${CLIENT_KEY} zone=edge_client_req:10m rate=${l.requestsPerSecondPerClient}r/s;`,
    "",
    // Per-tenant limits: one zone per plan, keyed by the tenant id for that plan's tenants only
    // (an empty key is not counted); $edge_plan comes from the route table. The id is
    // PLAN_TENANT (auth.ts): empty for an edge-mode tenant's request that passed without an
    // accepted key (a public path), which only the per-client limits count.
    ...plans.flatMap((p) => [
      `map $edge_plan $${zoneName(p.plan)} {`,
      '  default "";',
      `  "${p.plan}" ${PLAN_TENANT};`,
      "}",
      `limit_req_zone $${zoneName(p.plan)} zone=${zoneName(p.plan)}:10m rate=${p.requestsPerSecond}r/s;`,
    ]),
  ];
}

/**
 * Server lines for the TLS server: the limits (server level, so every location inherits them)
 * and the 429 page. `hstsLine` is repeated where `add_header` would otherwise drop it.
 */
export function edgeLimitsServerLines(input: EdgeLimitsInput): string[] {
  const l = input.limits;
  return [
    `limit_conn edge_client_conn ${l.connectionsPerClient};`,
    ...edgeClientRateLines(input),
    ...input.plans.map(
      (p) => `limit_req zone=${zoneName(p.plan)} burst=${p.requestBurst} nodelay;`,
    ),
    "error_page 429 @edge_limited;",
  ];
}

/**
 * Location lines for every answer that refuses a request (429 here, the refusal path's in
 * refusals.ts): the connection is closed after it (`Connection: close`), so a refused client
 * cannot keep its connection, and the worker connection it holds, with one refused request
 * after another; each new attempt costs it a TCP and TLS handshake, and a connection that stalls
 * mid-header is bounded by `client_header_timeout`. HTTP/1.1 only: nginx closes no HTTP/2
 * connection for one stream's answer.
 */
export const CLOSE_AFTER_REFUSAL: readonly string[] = ["keepalive_timeout 0;"];

/** The per-client request rate alone (the refusal path counts it, never a tenant's plan). */
export function edgeClientRateLines(input: EdgeLimitsInput): string[] {
  return [`limit_req zone=edge_client_req burst=${input.limits.requestBurstPerClient} nodelay;`];
}

/**
 * The named location answering 429 with the limit that was hit. `hstsLine` is repeated where
 * `add_header` would otherwise drop it; none on plain HTTP, where HSTS must not be sent.
 */
export function edgeLimitedLocation(hstsLine?: string): string[] {
  const hsts = hstsLine === undefined ? [] : [hstsLine];
  return [
    "location @edge_limited {",
    ...CLOSE_AFTER_REFUSAL.map((l) => `  ${l}`),
    ...hsts.map((l) => `  ${l}`),
    "  add_header Retry-After 1 always;",
    "  if ($limit_conn_status = REJECTED) {",
    ...hsts.map((l) => `    ${l}`),
    "    add_header Retry-After 1 always;",
    `    return 429 '${LIMIT_BODIES.tooManyConnections}';`,
    "  }",
    `  return 429 '${LIMIT_BODIES.rateLimited}';`,
    "}",
  ];
}
