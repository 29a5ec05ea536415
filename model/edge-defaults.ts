/**
 * Defaults of the edge that the config schema (model/config-schema.ts) and the edge components
 * (components/edge) share, so the two cannot drift.
 */
import { DEFAULT_CLUSTER_DOMAIN } from "./names";

/**
 * The official nginx image the proxy runs, pinned by digest: the production policy requires a
 * digest, and a tag alone can be moved to other content.
 */
export const DEFAULT_PROXY_IMAGE =
  "nginx:1.27.5-alpine@sha256:65645c7bb6a0661892a8b03b89d0743208a18dd2f3f17a54ef4b76fb8e2f2a10";

/** The validities Cloudflare's Origin CA issues, in days. */
export const ORIGIN_CA_VALIDITY_DAYS = [7, 30, 90, 365, 730, 1095, 5475] as const;

/** The wildcard certificate's defaults, per mode. */
export const CERTIFICATE_DEFAULTS = {
  /** `self-signed`: a year. */
  validityHours: 8760,
  /** `acme`: Let's Encrypt's production directory. */
  server: "https://acme-v02.api.letsencrypt.org/directory",
  /** `acme`: the cert-manager chart installed when asked, pinned (v1.15+ has `crds.enabled`). */
  certManagerVersion: "v1.16.2",
  /** `cloudflare-origin-ca`: an ECDSA key. */
  requestType: "origin-ecc",
  /** `cloudflare-origin-ca`: the longest validity the Origin CA issues, 15 years. */
  validityDays: 5475,
} as const;

/** The proxy's defaults the schema's `proxy` and ManagementProxy's args share. */
export const PROXY_DEFAULTS = {
  replicas: 2,
  serviceType: "LoadBalancer",
  /** nginx `client_max_body_size`. */
  maxBodySize: "10m",
  connectTimeoutSeconds: 5,
  /** Long: agents stream (SSE, WebSocket) for minutes. */
  readTimeoutSeconds: 3600,
  sendTimeoutSeconds: 3600,
  clusterDomain: DEFAULT_CLUSTER_DOMAIN,
  /**
   * nginx workers when neither `workerProcesses` nor a plain CPU limit says how many: the
   * ManagementProxy otherwise runs one per CPU of its container's limit.
   */
  workerProcesses: 2,
} as const;

/** The DNS defaults the schema's `dns` and WildcardDns's args share. */
export const DNS_DEFAULTS = {
  proxied: true,
  apex: false,
  /** Automatic, which Cloudflare requires for proxied records. */
  ttl: 1,
  customDomainMode: "cloudflare-for-saas",
  edgeCertificate: "universal",
  /** A stack owns its zone's Custom Hostnames fallback origin only when it says so. */
  ownsFallbackOrigin: false,
} as const;

/** Abuse limits per client address and client timeouts the edge applies when none are set. */
export const EDGE_LIMIT_DEFAULTS = {
  connectionsPerClient: 100,
  requestsPerSecondPerClient: 50,
  requestBurstPerClient: 200,
  clientHeaderTimeoutSeconds: 10,
  clientBodyTimeoutSeconds: 20,
  keepaliveTimeoutSeconds: 30,
} as const;

/** A plan's per-tenant request limit at the edge when the plan sets none. */
export const PLAN_EDGE_LIMIT_DEFAULTS = { requestsPerSecond: 50, requestBurst: 100 } as const;

/** The header a trusted peer (`proxy.realIpFrom`) names the client in: Cloudflare's. */
export const DEFAULT_REAL_IP_HEADER = "CF-Connecting-IP";
