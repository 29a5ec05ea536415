/**
 * WildcardDns's args, and the one function that checks them and fills their defaults before
 * anything is registered: every problem gathered into one ComponentArgsError.
 */
import { isIP } from "node:net";
import { formatConfigProblem, showReceived } from "../../model/rules/config-problem";
import type * as cloudflare from "@pulumi/cloudflare";
import type * as pulumi from "@pulumi/pulumi";
import type { EdgeCertificate } from "../../model/edge-certificate";
import { DNS_DEFAULTS } from "../../model/edge-defaults";
import { DNS_LABEL, isDnsName } from "../../model/names";
import { customDomainZoneProblem } from "../../model/rules/custom-domain-zones";
import { dnsRecordProblems } from "../../model/rules/dns-records";
import { fallbackOriginProblems } from "../../model/rules/fallback-origin";
import { domainIssues } from "../../model/rules/domains";
import { assertNoProblems } from "../component-args-error";
import type { Transform } from "../transform";

/** The component's class name, as its errors name it. */
export const WILDCARD_DNS_COMPONENT = "WildcardDns";

/** How tenants' custom domains are published. */
export type CustomDomainMode = "zone-records" | "cloudflare-for-saas";

/** A custom domain and the tenant it belongs to. */
export interface CustomDomain {
  /** The validated tenant id; the domain is served by `{tenantId}.{domain}`. */
  readonly tenantId: string;
  /** The tenant's own host name, e.g. `agents.acme.com`. */
  readonly hostname: string;
}

/** Adjust a child before it is registered; see components/transform.ts. */
export interface WildcardDnsTransforms {
  /** Every DNS record: the wildcard, the apex and each custom domain's CNAME. */
  readonly record?: Transform<cloudflare.DnsRecordArgs>;
  /** The Advanced Certificate pack (`{name}-edge-certificate`), with `edgeCertificate: advanced`. */
  readonly edgeCertificate?: Transform<cloudflare.CertificatePackArgs>;
  /** The Custom Hostnames' fallback origin (`{name}-fallback-origin`). */
  readonly fallbackOrigin?: Transform<cloudflare.CustomHostnameFallbackOriginArgs>;
  /** Every Custom Hostname (`cloudflare-for-saas`). */
  readonly customHostname?: Transform<cloudflare.CustomHostnameArgs>;
}

export interface WildcardDnsArgs {
  /** Cloudflare zone id of the zone holding `domain`. */
  readonly zoneId: pulumi.Input<string>;
  /** Platform domain, e.g. `agents.example.com`. */
  readonly domain: string;
  /**
   * The proxy's public address: an IP gives an A (or AAAA) record, a host name a CNAME. The record
   * type is read from the value itself, since it is usually a LoadBalancer's output.
   */
  readonly target: pulumi.Input<string>;
  /**
   * Route through Cloudflare's proxy (orange cloud). Plain because ttl is checked against it.
   * @default DNS_DEFAULTS.proxied (model/edge-defaults.ts): true
   */
  readonly proxied?: boolean;
  /**
   * Also point the apex `{domain}` at the proxy.
   * @default DNS_DEFAULTS.apex: false
   */
  readonly apex?: boolean;
  /**
   * Record TTL in seconds; 1 means automatic, which Cloudflare requires for proxied records.
   * @default DNS_DEFAULTS.ttl: 1
   */
  readonly ttl?: number;
  /**
   * Tenants' custom domains; each hostname belongs to one tenant.
   * @default []
   */
  readonly customDomains?: readonly CustomDomain[];
  /**
   * `zone-records`: a CNAME `{hostname}` → `{tenantId}.{domain}` in the managed zone that contains
   * it. `cloudflare-for-saas`: a Custom Hostname on the platform zone (the tenant points their
   * own DNS at us), served through the `{domain}` fallback origin.
   * @default DNS_DEFAULTS.customDomainMode: "cloudflare-for-saas"
   */
  readonly customDomainMode?: CustomDomainMode;
  /**
   * Zone ids of the custom-domain zones we manage, keyed by zone name (`acme.com`); used by
   * `zone-records` only.
   * @default {}
   */
  readonly customDomainZones?: Readonly<Record<string, string>>;
  /**
   * Domains other environments serve; no custom domain may be equal to, above or under one. One
   * that is `zoneName` or under it means the zone is shared with that environment.
   * @default []
   */
  readonly otherEnvironmentDomains?: readonly string[];
  /**
   * This stack owns its zone's Custom Hostnames fallback origin. Cloudflare keeps one per zone
   * and sends every Custom Hostname of the zone to it, so only one stack per zone may set this.
   * In a zone another environment shares (one of `otherEnvironmentDomains` is `zoneName` or under
   * it), `cloudflare-for-saas` custom domains are refused unless this is true: they would be
   * served by the owner's edge. Give such an environment a zone of its own, or use `zone-records`.
   * Model: model/rules/fallback-origin.ts.
   * @default DNS_DEFAULTS.ownsFallbackOrigin: false
   */
  readonly ownsFallbackOrigin?: boolean;
  /**
   * Cloudflare's edge certificate for the tenants' names. `advanced` orders an Advanced
   * Certificate for `{domain}` and `*.{domain}` (needs `zoneName`); `universal` relies on the
   * free one, which covers only the zone and one level below it (model/edge-certificate.ts).
   * @default DNS_DEFAULTS.edgeCertificate: "universal"
   */
  readonly edgeCertificate?: EdgeCertificate;
  /**
   * Name of the zone `zoneId` is, e.g. `example.com`; required for an `advanced` certificate.
   * @default none
   */
  readonly zoneName?: string;
  /** Adjust the children before they are registered. @default no change */
  readonly transform?: WildcardDnsTransforms;
}

/** The args checked, with every default filled in. */
export interface ResolvedWildcardDnsArgs {
  readonly zoneId: pulumi.Input<string>;
  readonly domain: string;
  readonly target: pulumi.Input<string>;
  readonly proxied: boolean;
  readonly apex: boolean;
  readonly ttl: number;
  readonly mode: CustomDomainMode;
  readonly zones: Readonly<Record<string, string>>;
  readonly customDomains: readonly CustomDomain[];
  /** The zone to order an Advanced Certificate in; set exactly when one is ordered. */
  readonly advancedCertificateZone?: string;
  readonly transform: WildcardDnsTransforms;
}

/** A DNS record type for the proxy's address. */
export type TargetRecordType = "A" | "AAAA" | "CNAME";

/**
 * The record type for `target`, or what is wrong with it: the target must be the proxy's public
 * IP or host name, never a name under the platform domain (that would be a tenant host, or a
 * loop) nor a cluster-internal service name.
 */
export function checkTarget(
  domain: string,
  target: string,
): { readonly type: TargetRecordType } | { readonly problem: string } {
  const family = isIP(target);
  if (family === 4) return { type: "A" };
  if (family === 6) return { type: "AAAA" };
  const host = target.toLowerCase().replace(/\.$/, "");
  const at = `target ${showReceived(target)}`;
  if (!isDnsName(host)) {
    return { problem: `${at}: must be the proxy's IP address or DNS host name` };
  }
  if (host === domain || host.endsWith(`.${domain}`)) {
    return {
      problem: `${at}: is under the platform domain ${domain}, so *.${domain} would point at itself or at a tenant host; use the proxy's own address`,
    };
  }
  // Only the suffixes Kubernetes uses, so a public name like svc.example.net stays allowed.
  if (host.endsWith(".svc") || host.endsWith(".cluster.local")) {
    return {
      problem: `${at}: is a cluster-internal service name; DNS must point at the proxy's public address`,
    };
  }
  return { type: "CNAME" };
}

/**
 * The record type for `target`, or throws {@link checkTarget}'s problem: for a target only known
 * when the update runs (a LoadBalancer's address), where throwing fails the update.
 */
export function targetRecordType(domain: string, target: string): TargetRecordType {
  const checked = checkTarget(domain, target);
  if ("problem" in checked) throw new Error(`${WILDCARD_DNS_COMPONENT} ${checked.problem}`);
  return checked.type;
}

/** Problems with the settings that do not concern custom domains. */
function settingProblems(args: WildcardDnsArgs, proxied: boolean, ttl: number): string[] {
  const problems: string[] = [];
  const show = showReceived;
  const mode = args.customDomainMode ?? DNS_DEFAULTS.customDomainMode;
  if (typeof args.domain !== "string" || !isDnsName(args.domain)) {
    problems.push(
      `domain ${show(args.domain)}: must be a lowercase DNS name such as agents.example.com`,
    );
  }
  // The TTL, and Custom Hostnames only when proxied: the rule the stack config applies too.
  const recordProblems = dnsRecordProblems({
    proxied,
    ttl,
    customDomainMode: mode,
    customDomainModeKey: "customDomainMode",
    customDomainCount: args.customDomains?.length ?? 0,
    domain: args.domain,
  }).map(formatConfigProblem);
  problems.push(...recordProblems);
  if (mode !== "zone-records" && mode !== "cloudflare-for-saas") {
    problems.push(
      `customDomainMode ${show(mode)}: must be "zone-records" or "cloudflare-for-saas"`,
    );
  }
  if (typeof args.zoneId === "string" && args.zoneId === "") {
    problems.push(`zoneId "": must be the Cloudflare zone id of ${args.domain}`);
  }
  for (const zone of Object.keys(args.customDomainZones ?? {})) {
    if (!isDnsName(zone)) {
      problems.push(
        `customDomainZones[${show(zone)}]: zone names must be lowercase DNS names such as acme.com`,
      );
    }
  }
  if (args.edgeCertificate === "advanced" && args.zoneName === undefined) {
    problems.push(`edgeCertificate "advanced" needs zoneName (the zone of ${args.domain})`);
  }
  // Custom Hostnames in a zone another environment shares: the rule the stack config applies too.
  const fallbackOrigin = fallbackOriginProblems({
    customDomainMode: mode,
    customDomainModeKey: "customDomainMode",
    customDomains: (args.customDomains ?? []).map((claim) => claim.hostname),
    ownsFallbackOrigin: args.ownsFallbackOrigin ?? DNS_DEFAULTS.ownsFallbackOrigin,
    zoneName: args.zoneName,
    otherEnvironmentDomains: args.otherEnvironmentDomains ?? [],
    domain: args.domain,
  });
  problems.push(...fallbackOrigin.map(formatConfigProblem));
  return problems;
}

/**
 * Problems with the custom domains: ids and names, the one domain rule (model/rules/domains.ts)
 * and, with `zone-records`, a managed zone for each (model/rules/custom-domain-zones.ts).
 */
function customDomainProblems(args: WildcardDnsArgs): string[] {
  const problems: string[] = [];
  const customDomains = args.customDomains ?? [];
  const zones = args.customDomainZones ?? {};
  const overlap = new Map<number, string>();
  if (typeof args.domain === "string" && isDnsName(args.domain)) {
    const valid = customDomains.filter((claim) => isDnsName(claim.hostname));
    for (const issue of domainIssues({
      domain: args.domain,
      tenantIds: [],
      customDomains: valid,
      otherEnvironmentDomains: args.otherEnvironmentDomains ?? [],
    })) {
      if ("customDomain" in issue) {
        overlap.set(
          customDomains.indexOf(valid[issue.customDomain] as CustomDomain),
          issue.message,
        );
      }
    }
  }
  customDomains.forEach((claim, i) => {
    const at = `customDomains[${i}]`;
    const hostname = showReceived(claim.hostname);
    if (!DNS_LABEL.test(claim.tenantId)) {
      problems.push(
        `${at}.tenantId ${showReceived(claim.tenantId)}: must be a DNS label (a-z, 0-9, '-')`,
      );
    }
    if (!isDnsName(claim.hostname)) {
      problems.push(
        `${at}.hostname ${hostname}: must be a lowercase DNS name such as agents.acme.com`,
      );
      return;
    }
    const problem =
      overlap.get(i) ??
      (args.customDomainMode === "zone-records"
        ? customDomainZoneProblem(claim.hostname, zones, {
            zones: "customDomainZones",
            useCustomHostnames: 'customDomainMode "cloudflare-for-saas"',
          })
        : undefined);
    if (problem !== undefined) problems.push(`${at}.hostname ${hostname}: ${problem}`);
  });
  return problems;
}

/**
 * Checks WildcardDns's args and fills their defaults. Throws one ComponentArgsError listing
 * every problem before anything exists.
 */
export function resolveWildcardDnsArgs(
  name: string,
  args: WildcardDnsArgs,
): ResolvedWildcardDnsArgs {
  const proxied = args.proxied ?? DNS_DEFAULTS.proxied;
  const ttl = args.ttl ?? DNS_DEFAULTS.ttl;
  const problems = [...settingProblems(args, proxied, ttl), ...customDomainProblems(args)];
  // Known now: report it with the rest instead of failing later inside an apply.
  if (typeof args.target === "string") {
    const checked = checkTarget(args.domain, args.target);
    if ("problem" in checked) problems.push(checked.problem);
  }
  assertNoProblems(WILDCARD_DNS_COMPONENT, name, problems);
  return {
    zoneId: args.zoneId,
    domain: args.domain,
    target: args.target,
    proxied,
    apex: args.apex ?? DNS_DEFAULTS.apex,
    ttl,
    mode: args.customDomainMode ?? DNS_DEFAULTS.customDomainMode,
    zones: args.customDomainZones ?? {},
    customDomains: args.customDomains ?? [],
    advancedCertificateZone: args.edgeCertificate === "advanced" ? args.zoneName : undefined,
    transform: args.transform ?? {},
  };
}
