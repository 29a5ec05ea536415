import { isIP } from "node:net";
import { z } from "zod";
import { pemCertificate } from "./pem";
import {
  DEFAULT_REAL_IP_HEADER,
  EDGE_LIMIT_DEFAULTS,
  PLAN_EDGE_LIMIT_DEFAULTS,
} from "./edge-defaults";

/*
 * Config for the edge's security: who may reach a tenant (API keys, public paths, auth mode),
 * how much one client or one tenant may ask of the edge, and which peers are trusted to say who
 * the client is. config-schema.ts plugs these into the proxy, plan and tenant shapes;
 * stacks/config/edge-security.ts resolves the defaults that depend on other keys (Cloudflare in
 * front, the app's health path) and stacks/config/rules/edge-security.ts refuses the combinations
 * that cannot work.
 */

/** An IPv4 or IPv6 CIDR such as `173.245.48.0/20` or `2400:cb00::/32`. */
export function isCidr(value: string): boolean {
  const [address, prefix, ...rest] = value.split("/");
  if (rest.length > 0 || address === undefined || prefix === undefined) return false;
  const family = isIP(address);
  if (family === 0 || !/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

export const anyCidr = z.string().refine(isCidr, {
  error: "must be an IPv4 or IPv6 CIDR such as 203.0.113.0/24 or 2001:db8::/32",
});

/**
 * A path the edge lets through without a key: an exact path (`/api/v1/health`) or a prefix
 * ending in `/*` (`/oauth/*`: everything under `/oauth/`). Only unreserved characters, and no
 * segment may start with `.`, so the raw request path and nginx's normalised one are the same
 * text and no `..`, `%2e` or `;` trick can make a protected path look public.
 */
export const PUBLIC_PATH = /^(\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*(\/|\/\*)?$/;

export const publicPath = z
  .string()
  .max(200, { error: "must be at most 200 characters" })
  .refine((p) => p.startsWith("/") && PUBLIC_PATH.test(p), {
    error:
      "must be a plain path such as /api/v1/health or a prefix such as /oauth/* (letters, digits, '.', '_', '~', '-'; no segment starting with '.')",
  });

/** How a tenant's callers are authenticated. */
export const tenantAuth = z.enum(["edge", "app"]);

/**
 * A tenant's API key: generation 0 is the key it got when it was created; each rotation bumps
 * the generation. With `acceptPrevious`, the edge and the app accept the previous generation's
 * key too, so clients can switch over without a refused request.
 */
export const apiKeySchema = z.strictObject({
  generation: z.number().int().min(0).max(1_000_000).default(0),
  acceptPrevious: z.boolean().default(false),
});

/**
 * A request burst: requests let through at once above the rate. At least 1, because nginx's
 * `limit_req` refuses `burst=0` and the proxy would not start; the message says so.
 */
const requestBurst = z
  .number()
  .int()
  .min(1, {
    error:
      "must be at least 1: nginx's limit_req refuses a burst of 0, so the proxy would not start",
  })
  .max(100_000);

/** Per-tenant request limit of a plan, enforced at the edge (requests per second, and burst). */
export const planEdgeLimits = {
  requestsPerSecond: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(PLAN_EDGE_LIMIT_DEFAULTS.requestsPerSecond),
  requestBurst: requestBurst.default(PLAN_EDGE_LIMIT_DEFAULTS.requestBurst),
};

/** Abuse limits per client address, and how long the edge waits on a slow client. */
export const edgeLimitsSchema = z.strictObject({
  /** Requests one client address may have open at once (streams count until they end). */
  connectionsPerClient: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(EDGE_LIMIT_DEFAULTS.connectionsPerClient),
  requestsPerSecondPerClient: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(EDGE_LIMIT_DEFAULTS.requestsPerSecondPerClient),
  requestBurstPerClient: requestBurst.default(EDGE_LIMIT_DEFAULTS.requestBurstPerClient),
  /** Also bounds the TLS handshake. */
  clientHeaderTimeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(300)
    .default(EDGE_LIMIT_DEFAULTS.clientHeaderTimeoutSeconds),
  /** Between two reads of a request body. */
  clientBodyTimeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(300)
    .default(EDGE_LIMIT_DEFAULTS.clientBodyTimeoutSeconds),
  keepaliveTimeoutSeconds: z
    .number()
    .int()
    .min(0)
    .max(300)
    .default(EDGE_LIMIT_DEFAULTS.keepaliveTimeoutSeconds),
});

export const originPullSchema = z.strictObject({
  /** Require Cloudflare's client certificate (authenticated origin pulls) on every TLS connection. */
  enabled: z.boolean().default(false),
  /** PEM CA the client certificate must chain to. @default Cloudflare's origin-pull CA */
  caCertificate: pemCertificate.optional(),
});

/** The edge-security keys of `proxy`. */
export const proxyEdgeSecurity = {
  limits: edgeLimitsSchema.default(edgeLimitsSchema.parse({})),
  /**
   * Client ranges the LoadBalancer admits. @default Cloudflare's ranges when records are proxied
   * through Cloudflare, else every address
   */
  sourceRanges: z.array(anyCidr).optional(),
  /** Peers whose `realIpHeader` names the client. @default as sourceRanges */
  realIpFrom: z.array(anyCidr).optional(),
  realIpHeader: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/, {
      error: "must be an HTTP header name such as CF-Connecting-IP",
    })
    .default(DEFAULT_REAL_IP_HEADER),
  originPull: originPullSchema.default(originPullSchema.parse({})),
  /**
   * `Local` keeps the client's (or Cloudflare's) address visible to nginx.
   * @default Local when realIpFrom is set, else the cluster's default
   */
  externalTrafficPolicy: z.enum(["Cluster", "Local"]).optional(),
};

/** The edge-security keys of a tenant. */
export const tenantEdgeSecurity = {
  /** `edge`: the edge checks the tenant's API key; `app`: the app authenticates its callers. */
  auth: tenantAuth.default("edge"),
  /** Paths open without a key in edge mode. @default [app.healthPath] */
  publicPaths: z.array(publicPath).max(50).optional(),
  apiKey: apiKeySchema.default(apiKeySchema.parse({})),
};
