/**
 * Which stack may publish custom domains as Cloudflare for SaaS Custom Hostnames when its zone is
 * shared with another environment: the one rule the config validation
 * (stacks/config/rules/fallback-origin.ts) and the DNS component
 * (components/edge/wildcard-dns-args.ts) both apply. Pure: returns problems, never throws.
 *
 * Cloudflare keeps ONE Custom Hostnames fallback origin per zone
 * (`PUT /zones/{id}/custom_hostnames/fallback_origin`), and every Custom Hostname of the zone is
 * sent to it. Two stacks of one zone that each declared it would take turns owning it (each
 * environment's custom domains served by whichever deployed last, the other's traffic and keys
 * included), and the one dropping its last custom domain would delete it for both. So in a shared
 * zone only the stack that says it owns the fallback origin may have Custom Hostnames.
 */
import type { ConfigProblem } from "./config-problem";
import { domainRelation } from "./domains";

/** The settings this rule reads; the stack config and the component's args both fit. */
export interface FallbackOriginSettings {
  /** How tenants' custom domains are published (`cloudflare-for-saas` or `zone-records`). */
  readonly customDomainMode: string;
  /** The setting that holds `customDomainMode` (`dns.customDomains` in the stack config). */
  readonly customDomainModeKey: string;
  /** Every custom domain's hostname. */
  readonly customDomains: readonly string[];
  /** Whether this stack is its zone's one owner of the fallback origin. */
  readonly ownsFallbackOrigin: boolean;
  /** The name of the platform zone, e.g. `example.com`; undefined when not given. */
  readonly zoneName: string | undefined;
  /** The domains the other environments serve. */
  readonly otherEnvironmentDomains: readonly string[];
  /** The platform domain (the fallback origin). */
  readonly domain: string;
}

/** How many custom domains a message names before it only counts the rest. */
const NAMED_DOMAINS = 3;

/** The domains of `domains` that are zone `zoneName` or under it, in their order. */
export function domainsInZone(zoneName: string, domains: readonly string[]): string[] {
  return domains.filter((domain) => {
    const relation = domainRelation(domain, zoneName);
    return relation === "equal" || relation === "under";
  });
}

/**
 * Problems with Custom Hostnames in a zone another environment shares, unless this stack owns the
 * zone's fallback origin (`ownsFallbackOrigin`). Without `zoneName`, whether the zone is shared
 * cannot be told, so it is required once there are other environments. `prefix` is put before
 * the settings' names (`dns.` for the stack config).
 */
export function fallbackOriginProblems(
  settings: FallbackOriginSettings,
  prefix = "",
): ConfigProblem[] {
  const { customDomainMode: mode, customDomains, zoneName, otherEnvironmentDomains } = settings;
  if (mode !== "cloudflare-for-saas" || customDomains.length === 0) return [];
  if (settings.ownsFallbackOrigin || otherEnvironmentDomains.length === 0) return [];
  const owner = `${prefix}ownsFallbackOrigin`;
  if (zoneName === undefined) {
    return [
      {
        path: `${prefix}zoneName`,
        message: `is required with Custom Hostnames (${settings.customDomainModeKey} "cloudflare-for-saas") when otherEnvironmentDomains is set: Cloudflare keeps one fallback origin per zone, and the zone's name tells whether another environment shares it; set it to the name of the zone holding ${settings.domain} (e.g. example.com), or ${owner} true in the one stack that owns the zone's fallback origin`,
      },
    ];
  }
  const sharers = domainsInZone(zoneName, otherEnvironmentDomains);
  if (sharers.length === 0) return [];
  return [
    {
      path: settings.customDomainModeKey,
      received: mode,
      message: `zone ${zoneName} is shared with another environment (${sharers.join(", ")}), and Cloudflare keeps one Custom Hostnames fallback origin per zone, which only the one stack that owns it may declare (${owner} true, not set here): this stack's custom domains (${named(customDomains)}) would be sent to the owner's edge; give this environment a zone of its own, use "zone-records" (a CNAME per custom domain in a zone listed in ${prefix}customDomainZones), or remove its custom domains`,
    },
  ];
}

/** The first few hostnames, and how many more. */
function named(hostnames: readonly string[]): string {
  const shown = hostnames.slice(0, NAMED_DOMAINS).join(", ");
  const more = hostnames.length - NAMED_DOMAINS;
  return more > 0 ? `${shown} and ${more} more` : shown;
}
