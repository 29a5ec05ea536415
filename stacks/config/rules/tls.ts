/**
 * TLS modes and what each needs: `provided` its private key, `cloudflare-origin-ca` Cloudflare's
 * proxy in front, `acme` Cloudflare DNS for its DNS-01 challenge.
 */
import type { ConfigIssue } from "../errors";
import { cloudflareInFront } from "../edge-security";
import { SET_SECRET_COMMAND } from "./clear-text-secrets";
import { configIssue, type ConfigRule } from "./rule";

export const tlsIssues: ConfigRule = ({ config, valid }) => {
  const issues: ConfigIssue[] = [];
  const { tls, dns } = config;
  if (
    valid("tls", "tlsPrivateKey") &&
    tls.mode === "provided" &&
    config.tlsPrivateKey === undefined
  ) {
    issues.push(
      configIssue(
        "tlsPrivateKey",
        undefined,
        `is required when tls.mode is "provided"; run: ${SET_SECRET_COMMAND.tlsPrivateKey}`,
      ),
    );
  }
  if (!valid("tls", "dns")) return issues;
  if (tls.mode === "cloudflare-origin-ca" && !cloudflareInFront(config)) {
    issues.push(
      configIssue(
        "tls.mode",
        tls.mode,
        `only Cloudflare's proxy trusts an Origin CA certificate; set dns.provider: cloudflare and dns.proxied: true, or choose acme`,
      ),
    );
  }
  if (tls.mode === "acme" && dns.provider !== "cloudflare") {
    issues.push(
      configIssue(
        "tls.mode",
        tls.mode,
        `acme solves DNS-01 through Cloudflare; set dns.provider: cloudflare, or choose provided or self-signed`,
      ),
    );
  }
  return issues;
};
