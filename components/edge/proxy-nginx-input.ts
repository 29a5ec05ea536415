/**
 * The proxy's settings turned into the exact nginx input the container runs with: defaults
 * filled, routes checked to lead only to each tenant's own Service, paths and ports from the
 * pod's layout (proxy-layout.ts).
 */
import { apiKeyPrefix, tenantNamespace, tenantServiceName } from "../../model/names";
import { DEFAULT_PROXY_IMAGE, PROXY_DEFAULTS } from "../../model/edge-defaults";
import type { NginxConfigInput, NginxRoute } from "./nginx-config";
import type { TenantAuth } from "./nginx/auth";
import { DEFAULT_EDGE_LIMITS, type EdgeLimits, type PlanLimit } from "./nginx/limits";
import { PROXY_PATHS, PROXY_PORTS } from "./proxy-layout";

/** Cluster DNS name of a tenant's app Service; the only kind of upstream the proxy ever has. */
export function tenantUpstreamHost(
  environment: string,
  tenantId: string,
  clusterDomain: string,
): string {
  return `${tenantServiceName(tenantId)}.${tenantNamespace(environment, tenantId)}.svc.${clusterDomain}`;
}

/**
 * Routes for validated tenants (`TenantConfig` fits): each tenant's hosts to its own `sp-{id}`
 * Service on `port` (the tenant Service port, the same for every tenant).
 */
export function routesFromTenants(
  tenants: readonly {
    readonly id: string;
    readonly hosts: readonly string[];
    readonly suspended?: boolean;
  }[],
  options: { readonly environment: string; readonly port: number; readonly clusterDomain?: string },
): NginxRoute[] {
  return tenants.map((t) => ({
    tenantId: t.id,
    hosts: [...t.hosts],
    upstreamHost: tenantUpstreamHost(
      options.environment,
      t.id,
      options.clusterDomain ?? PROXY_DEFAULTS.clusterDomain,
    ),
    upstreamPort: options.port,
    ...(t.suspended === true ? { suspended: true } : {}),
  }));
}

/** The settings that decide the nginx config (everything but Kubernetes plumbing). */
export interface ProxyNginxSettings {
  readonly environment: string;
  /**
   * The domain tenants are served under (`{id}.{domain}`); a tenant's cookie for it, a parent or
   * another tenant's host is rewritten to the request's own host (nginx/cookies.ts).
   * @default no rewrite; ManagementProxy requires it
   */
  readonly domain?: string;
  /** @default `ac_{environment}_` */
  readonly apiKeyPrefix?: string;
  /**
   * Each tenant's hosts and Service (see {@link routesFromTenants}). An upstream must be the
   * tenant's own `sp-{id}` Service in its own namespace; anything else is refused.
   */
  readonly routes: readonly NginxRoute[];
  /** nginx `client_max_body_size`. @default PROXY_DEFAULTS.maxBodySize (model/edge-defaults.ts): "10m" */
  readonly maxBodySize?: string;
  /** @default PROXY_DEFAULTS.connectTimeoutSeconds: 5 */
  readonly connectTimeoutSeconds?: number;
  /** @default PROXY_DEFAULTS.readTimeoutSeconds: 3600 */
  readonly readTimeoutSeconds?: number;
  /** @default PROXY_DEFAULTS.sendTimeoutSeconds: 3600 */
  readonly sendTimeoutSeconds?: number;
  /**
   * No longer used: tenants are `upstream` blocks resolved when the route table loads, so nginx
   * needs no resolver. Accepted so existing stack files keep working.
   * @deprecated
   */
  readonly resolver?: string;
  /** @default PROXY_DEFAULTS.clusterDomain: DEFAULT_CLUSTER_DOMAIN (model/names.ts) */
  readonly clusterDomain?: string;
  /**
   * nginx workers (`worker_processes`), 1 to MOST_WORKER_PROCESSES (nginx-config.ts): 256.
   * @default ManagementProxy: one per CPU of the container's limit, rounded up (2 with the
   * default resources); PROXY_DEFAULTS.workerProcesses (2) when the limit is unset or an Output
   */
  readonly workerProcesses?: number;
  /** How long a stopping pod waits for open requests and streams. @default 60 */
  readonly shutdownTimeoutSeconds?: number;
  /**
   * Each tenant's auth mode and public paths. A routed tenant not listed here is in `edge` mode
   * with no public path: every request needs its key.
   * @default every tenant in edge mode, no public paths
   */
  readonly tenantAuth?: readonly TenantAuth[];
  /** Per-client limits and client timeouts. @default DEFAULT_EDGE_LIMITS */
  readonly limits?: EdgeLimits;
  /** Per-tenant request limits, one entry per plan with its tenants. @default none */
  readonly planLimits?: readonly PlanLimit[];
  /** Peers (CIDRs) whose `realIpHeader` names the client. @default none */
  readonly realIpFrom?: readonly string[];
  /** @default DEFAULT_REAL_IP_HEADER (model/edge-defaults.ts), Cloudflare's */
  readonly realIpHeader?: string;
  /** Require the authenticated-origin-pull client certificate. @default false */
  readonly originPull?: boolean;
  /**
   * How long the previous workers keep serving open requests and streams after a reload (every
   * route change reloads): a stream open when a tenant is added is cut only after this long.
   * @default 3600
   */
  readonly reloadDrainSeconds?: number;
  /** Old workers the entry script lets drain at once. @default no limit */
  readonly drainingWorkersKept?: number;
  /**
   * Idle keep-alive connections to a tenant are closed after this long; keep it below the
   * tenant app's own idle timeout (Node's default is 5 s).
   * @default 4
   */
  readonly upstreamKeepaliveSeconds?: number;
  /**
   * nginx image tag's version, which decides how HTTP/2 is switched on (`http2 on;` from
   * 1.25.1). Derived from `image` by the component.
   * @default the version of DEFAULT_PROXY_IMAGE (model/edge-defaults.ts), {@link DEFAULT_NGINX_VERSION}
   */
  readonly nginxVersion?: string;
}

/** `http2 on;` exists from nginx 1.25.1; older versions only know the listen parameter. */
export function http2Style(version: string): "listen" | "directive" {
  const [major = 0, minor = 0, patch = 0] = version.split(".").map(Number);
  return major > 1 || (major === 1 && (minor > 25 || (minor === 25 && patch >= 1)))
    ? "directive"
    : "listen";
}

/** The nginx version in an image reference's tag (`nginx:1.27.5-alpine@sha256:…` → `1.27.5`). */
export function imageNginxVersion(image: string): string | undefined {
  return /:(\d+\.\d+\.\d+)(-[\w.-]*)?(@|$)/.exec(image)?.[1];
}

/** The nginx version of the default image, `1.27.5`. */
export const DEFAULT_NGINX_VERSION = imageNginxVersion(DEFAULT_PROXY_IMAGE) as string;

/**
 * The exact nginx input the container runs with. The live tests render this and change only the
 * resolver address, listen ports and file paths.
 */
export function proxyNginxConfigInput(s: ProxyNginxSettings): NginxConfigInput {
  const problems = proxyRouteProblems(s);
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return unverifiedProxyNginxConfigInput(s);
}

/**
 * Routes that lead anywhere but to their tenant's own Service in its own namespace: one
 * problem each. Pure; {@link proxyNginxConfigInput} throws them, the component gathers them.
 */
export function proxyRouteProblems(
  s: Pick<ProxyNginxSettings, "environment" | "routes" | "clusterDomain">,
): string[] {
  const clusterDomain = s.clusterDomain ?? PROXY_DEFAULTS.clusterDomain;
  return s.routes.flatMap((route, i) => {
    const own = tenantUpstreamHost(s.environment, route.tenantId, clusterDomain);
    return route.upstreamHost === own
      ? []
      : [
          `proxy routes[${i}].upstreamHost "${route.upstreamHost}": must be tenant "${route.tenantId}"'s own Service ${own}`,
        ];
  });
}

/** {@link proxyNginxConfigInput} without the route check, for callers that gathered it. */
export function unverifiedProxyNginxConfigInput(s: ProxyNginxSettings): NginxConfigInput {
  return {
    environment: s.environment,
    domain: s.domain,
    apiKeyPrefix: s.apiKeyPrefix ?? apiKeyPrefix(s.environment),
    routes: s.routes,
    upstream: { keepaliveTimeoutSeconds: s.upstreamKeepaliveSeconds ?? 4 },
    http2: http2Style(s.nginxVersion ?? DEFAULT_NGINX_VERSION),
    listen: { ...PROXY_PORTS },
    tls: { certificate: PROXY_PATHS.certificate, key: PROXY_PATHS.key },
    maxBodySize: s.maxBodySize ?? PROXY_DEFAULTS.maxBodySize,
    timeouts: {
      connectSeconds: s.connectTimeoutSeconds ?? PROXY_DEFAULTS.connectTimeoutSeconds,
      readSeconds: s.readTimeoutSeconds ?? PROXY_DEFAULTS.readTimeoutSeconds,
      sendSeconds: s.sendTimeoutSeconds ?? PROXY_DEFAULTS.sendTimeoutSeconds,
    },
    paths: {
      pidFile: PROXY_PATHS.pidFile,
      tempDir: PROXY_PATHS.runDir,
      routesFile: PROXY_PATHS.routes,
      interimGuardScript: PROXY_PATHS.interimGuard,
    },
    workers: {
      processes: s.workerProcesses ?? PROXY_DEFAULTS.workerProcesses,
      shutdownTimeoutSeconds: s.reloadDrainSeconds ?? 3600,
    },
    drainingWorkersKept: s.drainingWorkersKept,
    auth: {
      keyTablePath: PROXY_PATHS.apiKeyTable,
      tenants:
        s.tenantAuth ??
        s.routes.map((r) => ({ tenantId: r.tenantId, mode: "edge", publicPaths: [] })),
    },
    limits: { limits: s.limits ?? DEFAULT_EDGE_LIMITS, plans: s.planLimits ?? [] },
    clientIdentity: {
      realIpFrom: s.realIpFrom ?? [],
      realIpHeader: s.realIpHeader,
      originPullCaPath: s.originPull === true ? PROXY_PATHS.originPullCa : undefined,
    },
  };
}
