/**
 * Cross-field rules and resolved defaults of the edge's security settings (see edge-schema.ts):
 * which defaults follow from Cloudflare being in front, and which combinations cannot work.
 */
import { CLOUDFLARE_ORIGIN_PULL_CA, CLOUDFLARE_RANGES } from "./cloudflare";
import { PUBLIC_PATH } from "../../model/edge-schema";
import { type ConfigIssue, showValue } from "./errors";
import type { ParsedConfig } from "../../model/config-schema";
import type { ResolvedProxyConfig } from "../../model/platform-config";

/** Whether Cloudflare's proxy sits in front of the edge (proxied records). */
export function cloudflareInFront(c: Pick<ParsedConfig, "dns">): boolean {
  return c.dns.provider === "cloudflare" && c.dns.proxied;
}

/**
 * Rules across keys. With `partial` (the config did not parse as a whole), a rule reading a key
 * that failed on its own is skipped, and tenants keep their index in the stack file.
 */
export function edgeSecurityIssues(
  c: ParsedConfig,
  partial: {
    readonly failed: ReadonlySet<string>;
    readonly tenantIndex: readonly number[];
  } = { failed: new Set(), tenantIndex: [] },
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const ok = (...keys: string[]) => keys.every((k) => !partial.failed.has(k));
  const add = (path: string, received: unknown, message: string) =>
    issues.push({ path, received: showValue(received), message });
  const p = c.proxy;
  if (ok("proxy") && p.serviceType !== "LoadBalancer" && (p.sourceRanges?.length ?? 0) > 0)
    add(
      "proxy.sourceRanges",
      p.sourceRanges,
      `only applies when proxy.serviceType is "LoadBalancer" (got "${p.serviceType}"); restrict a NodePort with the nodes' firewall`,
    );
  // A trusted peer names the client: trusting a whole address space lets anyone do so.
  (ok("proxy") ? (p.realIpFrom ?? []) : []).forEach((cidr, i) => {
    const bits = Number(cidr.split("/")[1]);
    if (bits < (cidr.includes(":") ? 16 : 8))
      add(
        `proxy.realIpFrom[${i}]`,
        cidr,
        "trusts every peer in it to set the client address (and so to dodge per-client limits and forge X-Forwarded-For); list your CDN's or load balancer's ranges, at most /8 (IPv4) or /16 (IPv6) each",
      );
  });
  if (ok("proxy", "dns") && p.originPull.enabled && !cloudflareInFront(c))
    add(
      "proxy.originPull.enabled",
      true,
      "only Cloudflare's proxy presents the origin-pull certificate; set dns.provider: cloudflare and dns.proxied: true, or turn it off",
    );
  c.tenants.forEach((t, position) => {
    const i = partial.tenantIndex[position] ?? position;
    if (t.apiKey.acceptPrevious && t.apiKey.generation === 0)
      add(
        `tenants[${i}].apiKey.acceptPrevious`,
        true,
        "generation 0 has no previous key; bump apiKey.generation to rotate, then accept the previous one",
      );
    if (t.publicPaths === undefined && ok("app") && !PUBLIC_PATH.test(c.app.healthPath))
      add(
        `tenants[${i}].publicPaths`,
        undefined,
        `defaults to app.healthPath ${JSON.stringify(c.app.healthPath)}, which is not a plain path; list the tenant's public paths explicitly`,
      );
  });
  return issues;
}

/** The proxy config with its Cloudflare-dependent defaults filled in. */
export function resolveProxy(c: ParsedConfig): ResolvedProxyConfig {
  const behindCloudflare = cloudflareInFront(c);
  const cloudflare = behindCloudflare ? [...CLOUDFLARE_RANGES] : [];
  const sourceRanges =
    c.proxy.sourceRanges ?? (c.proxy.serviceType === "LoadBalancer" ? cloudflare : []);
  const realIpFrom = c.proxy.realIpFrom ?? cloudflare;
  return {
    ...c.proxy,
    sourceRanges,
    realIpFrom,
    // Without Local, the cloud's load balancer hands nginx a node's address, so neither the
    // trusted-peer check nor per-client limits could see the real peer.
    externalTrafficPolicy:
      c.proxy.externalTrafficPolicy ??
      (c.proxy.serviceType === "LoadBalancer" && realIpFrom.length > 0 ? "Local" : undefined),
    originPull: {
      enabled: c.proxy.originPull.enabled,
      caCertificate: c.proxy.originPull.caCertificate ?? CLOUDFLARE_ORIGIN_PULL_CA,
    },
  };
}

/** A tenant's public paths: its own list, or the app's health path. */
export function resolvePublicPaths(
  c: Pick<ParsedConfig, "app">,
  t: { readonly publicPaths?: readonly string[] },
): string[] {
  return [...(t.publicPaths ?? [c.app.healthPath])];
}
