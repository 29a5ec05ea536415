/**
 * Custom Hostnames in a Cloudflare zone another environment shares are refused unless this stack
 * owns the zone's one fallback origin (`dns.ownsFallbackOrigin`): the one validator in
 * model/rules/fallback-origin.ts, which components/edge/wildcard-dns-args.ts applies too.
 */
import { fallbackOriginProblems } from "../../../model/rules/fallback-origin";
import { problemIssues, type ConfigRule } from "./rule";

export const fallbackOriginIssues: ConfigRule = ({ config, valid, tenants }) => {
  if (!valid("dns", "domain", "otherEnvironmentDomains") || config.dns.provider !== "cloudflare") {
    return [];
  }
  const { dns } = config;
  // Custom Hostnames need proxied records and proxied records need dns.zoneName: without it, the
  // edge-certificate rule has said so already.
  if (dns.zoneName === undefined) return [];
  return problemIssues(
    fallbackOriginProblems(
      {
        customDomainMode: dns.customDomains,
        customDomainModeKey: "dns.customDomains",
        customDomains: tenants.flatMap(({ tenant }) => tenant.customDomains),
        ownsFallbackOrigin: dns.ownsFallbackOrigin,
        zoneName: dns.zoneName,
        otherEnvironmentDomains: config.otherEnvironmentDomains,
        domain: config.domain,
      },
      "dns.",
    ),
  );
};
