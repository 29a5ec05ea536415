/**
 * Which DNS record settings Cloudflare accepts together: the one rule the config validation
 * (stacks/config) and the DNS component (components/edge/wildcard-dns.ts) both apply. Pure:
 * returns problems, never throws. No dependencies.
 */
import type { ConfigProblem } from "./config-problem";

/** The settings this rule reads; the stack config's `dns` and the component's args both fit. */
export interface DnsRecordSettings {
  /** Whether records go through Cloudflare's proxy (orange cloud). */
  readonly proxied: boolean;
  /** Record TTL in seconds; 1 is automatic. */
  readonly ttl: number;
  /** How tenants' custom domains are published. */
  readonly customDomainMode: string;
  /** The setting that holds `customDomainMode` (`dns.customDomains` in the stack config). */
  readonly customDomainModeKey: string;
  /** How many custom domains there are. */
  readonly customDomainCount: number;
  /** The platform domain, which serves as the Custom Hostnames' fallback origin. */
  readonly domain: string;
}

/**
 * Problems with the TTL (1, or 60 to 86400; only 1 when proxied, as Cloudflare sets it then) and
 * with Custom Hostnames without proxying (they are served through the proxied fallback origin).
 * `prefix` is put before every setting's name (`dns.` for the stack config).
 */
export function dnsRecordProblems(settings: DnsRecordSettings, prefix = ""): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const { ttl, proxied } = settings;
  if (!Number.isInteger(ttl) || (ttl !== 1 && (ttl < 60 || ttl > 86400))) {
    problems.push({
      path: `${prefix}ttl`,
      received: ttl,
      message: "must be 1 (automatic) or 60 to 86400 seconds",
    });
  } else if (proxied && ttl !== 1) {
    problems.push({
      path: `${prefix}ttl`,
      received: ttl,
      message: `Cloudflare sets the TTL of proxied records itself; use ${prefix}ttl 1 (automatic) or ${prefix}proxied false`,
    });
  }
  if (
    settings.customDomainMode === "cloudflare-for-saas" &&
    !proxied &&
    settings.customDomainCount > 0
  ) {
    problems.push({
      path: settings.customDomainModeKey,
      received: settings.customDomainMode,
      message: `needs ${prefix}proxied true: Custom Hostnames are served through the proxied fallback origin ${settings.domain}; set ${prefix}proxied true or use "zone-records"`,
    });
  }
  return problems;
}
