/**
 * Resolved defaults of the edge's security settings (see model/edge-schema.ts): which follow
 * from Cloudflare being in front. The combinations that cannot work are rules/edge-security.ts.
 */
import { CLOUDFLARE_ORIGIN_PULL_CA, CLOUDFLARE_RANGES } from "./cloudflare";
import type { ParsedConfig } from "../../model/config-schema";
import type { ResolvedProxyConfig } from "../../model/platform-config";

/** Whether Cloudflare's proxy sits in front of the edge (proxied records). */
export function cloudflareInFront(config: Pick<ParsedConfig, "dns">): boolean {
  return config.dns.provider === "cloudflare" && config.dns.proxied;
}

/** The proxy config with its Cloudflare-dependent defaults filled in. */
export function resolveProxy(config: ParsedConfig): ResolvedProxyConfig {
  const { proxy } = config;
  const behindCloudflare = cloudflareInFront(config);
  const cloudflare = behindCloudflare ? [...CLOUDFLARE_RANGES] : [];
  const sourceRanges =
    proxy.sourceRanges ?? (proxy.serviceType === "LoadBalancer" ? cloudflare : []);
  const realIpFrom = proxy.realIpFrom ?? cloudflare;
  return {
    ...proxy,
    sourceRanges,
    realIpFrom,
    // Without Local, the cloud's load balancer hands nginx a node's address, so neither the
    // trusted-peer check nor per-client limits could see the real peer.
    externalTrafficPolicy:
      proxy.externalTrafficPolicy ??
      (proxy.serviceType === "LoadBalancer" && realIpFrom.length > 0 ? "Local" : undefined),
    originPull: {
      enabled: proxy.originPull.enabled,
      caCertificate: proxy.originPull.caCertificate ?? CLOUDFLARE_ORIGIN_PULL_CA,
    },
  };
}

/** A tenant's public paths: its own list, or the app's health path. */
export function resolvePublicPaths(
  config: Pick<ParsedConfig, "app">,
  tenant: { readonly publicPaths?: readonly string[] },
): string[] {
  return [...(tenant.publicPaths ?? [config.app.healthPath])];
}
