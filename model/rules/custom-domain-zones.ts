/**
 * Which managed zone holds a tenant's custom domain when custom domains are published as records
 * in zones we manage (`zone-records`): the one rule the config validation (stacks/config) and the
 * DNS component (components/edge/wildcard-dns.ts) both apply. Pure, no dependencies.
 */

/** A managed zone: its name and its Cloudflare zone id. */
export interface ManagedZone {
  readonly name: string;
  readonly id: string;
}

/** The managed zone that contains `hostname` (the longest match), or undefined. */
export function zoneFor(
  hostname: string,
  zones: Readonly<Record<string, string>>,
): ManagedZone | undefined {
  let best: ManagedZone | undefined;
  for (const [zone, id] of Object.entries(zones)) {
    if (
      (hostname === zone || hostname.endsWith(`.${zone}`)) &&
      zone.length > (best?.name.length ?? 0)
    ) {
      best = { name: zone, id };
    }
  }
  return best;
}

/** How the caller names the settings a message points at. */
export interface ZoneSettingNames {
  /** The zone map, e.g. `dns.customDomainZones`. */
  readonly zones: string;
  /** The setting that switches to Custom Hostnames, e.g. `dns.customDomains: cloudflare-for-saas`. */
  readonly useCustomHostnames: string;
}

/** What is wrong when no managed zone contains `hostname`, or undefined when one does. */
export function customDomainZoneProblem(
  hostname: string,
  zones: Readonly<Record<string, string>>,
  names: ZoneSettingNames,
): string | undefined {
  if (zoneFor(hostname, zones) !== undefined) return undefined;
  return `no zone in ${names.zones} contains it (zones: ${Object.keys(zones).join(", ") || "none"}); add its zone or use ${names.useCustomHostnames}`;
}
