/**
 * Cloudflare record settings that cannot work together (a TTL Cloudflare refuses, Custom
 * Hostnames without proxying): the one validator in model/rules/dns-records.ts, which
 * components/edge/wildcard-dns-args.ts applies too.
 */
import { dnsRecordProblems } from "../../../model/rules/dns-records";
import { problemIssues, type ConfigRule } from "./rule";

export const dnsRecordIssues: ConfigRule = ({ config, valid, tenants }) => {
  if (!valid("dns", "domain") || config.dns.provider !== "cloudflare") return [];
  const { dns } = config;
  const customDomainCount = tenants.reduce((n, { tenant }) => n + tenant.customDomains.length, 0);
  return problemIssues(
    dnsRecordProblems(
      {
        proxied: dns.proxied,
        ttl: dns.ttl,
        customDomainMode: dns.customDomains,
        customDomainModeKey: "dns.customDomains",
        customDomainCount,
        domain: config.domain,
      },
      "dns.",
    ),
  );
};
