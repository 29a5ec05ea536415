/**
 * The edge's security settings (model/edge-schema.ts) that cannot work together: trusting a
 * whole address space to name the client,
 * origin pull without Cloudflare in front, and per tenant a previous key with no previous
 * generation or a default public path that is not a plain path.
 */
import { PUBLIC_PATH } from "../../../model/edge-schema";
import { cloudflareInFront } from "../edge-security";
import type { ConfigIssue } from "../errors";
import { configIssue, type ConfigRule } from "./rule";

/** Widest range a trusted peer list may hold: an IPv4 /8 or an IPv6 /16. */
function widerThanAllowed(cidr: string): boolean {
  return Number(cidr.split("/")[1]) < (cidr.includes(":") ? 16 : 8);
}

export const edgeSecurityIssues: ConfigRule = ({ config, valid, tenants }) => {
  const issues: ConfigIssue[] = [];
  const { proxy } = config;
  if (valid("proxy")) {
    // Source ranges against the Service type: proxyServiceIssues (node-ports.ts).
    // A trusted peer names the client: trusting a whole address space lets anyone do so.
    (proxy.realIpFrom ?? []).forEach((cidr, nth) => {
      if (!widerThanAllowed(cidr)) return;
      issues.push(
        configIssue(
          `proxy.realIpFrom[${nth}]`,
          cidr,
          "trusts every peer in it to set the client address (and so to dodge per-client limits and forge X-Forwarded-For); list your CDN's or load balancer's ranges, at most /8 (IPv4) or /16 (IPv6) each",
        ),
      );
    });
  }
  if (valid("proxy", "dns") && proxy.originPull.enabled && !cloudflareInFront(config)) {
    issues.push(
      configIssue(
        "proxy.originPull.enabled",
        true,
        "only Cloudflare's proxy presents the origin-pull certificate; set dns.provider: cloudflare and dns.proxied: true, or turn it off",
      ),
    );
  }
  for (const { tenant, path } of tenants) {
    if (tenant.apiKey.acceptPrevious && tenant.apiKey.generation === 0) {
      issues.push(
        configIssue(
          `${path}.apiKey.acceptPrevious`,
          true,
          "generation 0 has no previous key; bump apiKey.generation to rotate, then accept the previous one",
        ),
      );
    }
    if (
      tenant.publicPaths === undefined &&
      valid("app") &&
      !PUBLIC_PATH.test(config.app.healthPath)
    ) {
      issues.push(
        configIssue(
          `${path}.publicPaths`,
          undefined,
          `defaults to app.healthPath ${JSON.stringify(config.app.healthPath)}, which is not a plain path; list the tenant's public paths explicitly`,
        ),
      );
    }
  }
  return issues;
};
