/**
 * Cloudflare DNS for the platform: `*.{domain}` (and the apex when asked) at the proxy's address,
 * and tenants' custom domains either as CNAMEs in zones we manage or as Cloudflare for SaaS
 * Custom Hostnames. Every record points at the proxy or at the platform's own tenant host name,
 * never at a tenant's service: the proxy is the only way in.
 */
import { isIP } from "node:net";
import * as cloudflare from "@pulumi/cloudflare";
import { advancedCertificateHosts, type EdgeCertificate } from "../../model/edge-certificate";
import * as pulumi from "@pulumi/pulumi";
import { domainIssues } from "../../model/rules/domains";
import { DNS_LABEL, isDnsName } from "../../model/names";

export const WILDCARD_DNS_TYPE = "agent-cloud:edge:WildcardDns";

/** How tenants' custom domains are published. */
export type CustomDomainMode = "zone-records" | "cloudflare-for-saas";

/** A custom domain and the tenant it belongs to. */
export interface CustomDomain {
  /** The validated tenant id; the domain is served by `{tenantId}.{domain}`. */
  readonly tenantId: string;
  /** The tenant's own host name, e.g. `agents.acme.com`. */
  readonly hostname: string;
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
   * @default true
   */
  readonly proxied?: boolean;
  /**
   * Also point the apex `{domain}` at the proxy.
   * @default false
   */
  readonly apex?: boolean;
  /**
   * Record TTL in seconds; 1 means automatic, which Cloudflare requires for proxied records.
   * @default 1
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
   * @default "cloudflare-for-saas"
   */
  readonly customDomainMode?: CustomDomainMode;
  /**
   * Zone ids of the custom-domain zones we manage, keyed by zone name (`acme.com`); used by
   * `zone-records` only.
   * @default {}
   */
  readonly customDomainZones?: Readonly<Record<string, string>>;
  /**
   * Domains other environments serve; no custom domain may be equal to, above or under one.
   * @default []
   */
  readonly otherEnvironmentDomains?: readonly string[];
  /**
   * Cloudflare's edge certificate for the tenants' names. `advanced` orders an Advanced
   * Certificate for `{domain}` and `*.{domain}` (needs `zoneName`); `universal` relies on the
   * free one, which covers only the zone and one level below it (model/edge-certificate.ts).
   * @default "universal"
   */
  readonly edgeCertificate?: EdgeCertificate;
  /** Name of the zone `zoneId` is, e.g. `example.com`; required for an `advanced` certificate. */
  readonly zoneName?: string;
}

/** A DNS record type for the proxy's address. */
export type TargetRecordType = "A" | "AAAA" | "CNAME";

/**
 * The record type for `target`, or throws: the target must be the proxy's public IP or host name,
 * never a name under the platform domain (that would be a tenant host, or a loop) nor a
 * cluster-internal service name.
 */
export function targetRecordType(domain: string, target: string): TargetRecordType {
  const family = isIP(target);
  if (family === 4) return "A";
  if (family === 6) return "AAAA";
  const host = target.toLowerCase().replace(/\.$/, "");
  if (!isDnsName(host)) {
    throw new Error(
      `WildcardDns target ${JSON.stringify(target)}: must be the proxy's IP address or DNS host name`,
    );
  }
  if (host === domain || host.endsWith(`.${domain}`)) {
    throw new Error(
      `WildcardDns target ${JSON.stringify(target)}: is under the platform domain ${domain}, so *.${domain} would point at itself or at a tenant host; use the proxy's own address`,
    );
  }
  // Only the suffixes Kubernetes uses, so a public name like svc.example.net stays allowed.
  if (host.endsWith(".svc") || host.endsWith(".cluster.local")) {
    throw new Error(
      `WildcardDns target ${JSON.stringify(target)}: is a cluster-internal service name; DNS must point at the proxy's public address`,
    );
  }
  return "CNAME";
}

/** The managed zone that contains `hostname` (the longest match), or undefined. */
export function zoneFor(
  hostname: string,
  zones: Readonly<Record<string, string>>,
): { name: string; id: string } | undefined {
  let best: { name: string; id: string } | undefined;
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

interface Resolved {
  readonly proxied: boolean;
  readonly apex: boolean;
  readonly ttl: number;
  readonly mode: CustomDomainMode;
  readonly zones: Readonly<Record<string, string>>;
  readonly customDomains: readonly CustomDomain[];
}

/** Checks args and fills defaults; throws one error listing every problem. */
function resolveArgs(name: string, args: WildcardDnsArgs): Resolved {
  const issues: string[] = [];
  const q = (v: unknown) => JSON.stringify(v);
  const domain = args.domain;
  const proxied = args.proxied ?? true;
  const ttl = args.ttl ?? 1;
  const mode = args.customDomainMode ?? "cloudflare-for-saas";
  const zones = args.customDomainZones ?? {};
  const customDomains = args.customDomains ?? [];

  if (typeof domain !== "string" || !isDnsName(domain)) {
    issues.push(`domain ${q(domain)}: must be a lowercase DNS name such as agents.example.com`);
  }
  if (!Number.isInteger(ttl) || (ttl !== 1 && (ttl < 60 || ttl > 86400))) {
    issues.push(`ttl ${q(ttl)}: must be 1 (automatic) or 60 to 86400 seconds`);
  } else if (proxied && ttl !== 1) {
    issues.push(
      `ttl ${q(ttl)}: Cloudflare sets the TTL of proxied records itself; use ttl 1 (automatic) or proxied false`,
    );
  }
  if (mode !== "zone-records" && mode !== "cloudflare-for-saas") {
    issues.push(`customDomainMode ${q(mode)}: must be "zone-records" or "cloudflare-for-saas"`);
  }
  if (typeof args.zoneId === "string" && args.zoneId === "") {
    issues.push(`zoneId "": must be the Cloudflare zone id of ${domain}`);
  }
  for (const zone of Object.keys(zones)) {
    if (!isDnsName(zone)) {
      issues.push(
        `customDomainZones[${q(zone)}]: zone names must be lowercase DNS names such as acme.com`,
      );
    }
  }
  if (mode === "cloudflare-for-saas" && !proxied && customDomains.length > 0) {
    issues.push(
      `customDomainMode "cloudflare-for-saas" needs proxied true: Custom Hostnames are served through the proxied fallback origin ${domain}; set proxied true or use "zone-records"`,
    );
  }

  const overlap = new Map<number, string>();
  if (typeof domain === "string" && isDnsName(domain)) {
    const valid = customDomains.filter((d) => isDnsName(d.hostname));
    for (const issue of domainIssues({
      domain,
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
  customDomains.forEach((d, i) => {
    const at = `customDomains[${i}]`;
    if (!DNS_LABEL.test(d.tenantId)) {
      issues.push(`${at}.tenantId ${q(d.tenantId)}: must be a DNS label (a-z, 0-9, '-')`);
    }
    if (!isDnsName(d.hostname)) {
      issues.push(
        `${at}.hostname ${q(d.hostname)}: must be a lowercase DNS name such as agents.acme.com`,
      );
      return;
    }
    const problem = overlap.get(i);
    if (problem !== undefined) {
      issues.push(`${at}.hostname ${q(d.hostname)}: ${problem}`);
      return;
    }
    if (mode === "zone-records" && zoneFor(d.hostname, zones) === undefined) {
      issues.push(
        `${at}.hostname ${q(d.hostname)}: no zone in customDomainZones contains it (zones: ${Object.keys(zones).join(", ") || "none"}); add its zone or use customDomainMode "cloudflare-for-saas"`,
      );
    }
  });
  if (typeof args.target === "string") {
    // Known now: report it with the rest instead of failing later inside an apply.
    try {
      targetRecordType(domain, args.target);
    } catch (err) {
      issues.push((err as Error).message.replace(/^WildcardDns /, ""));
    }
  }

  if (issues.length > 0) {
    throw new Error(`WildcardDns ${q(name)}: ${issues.join("; ")}`);
  }
  return { proxied, apex: args.apex ?? false, ttl, mode, zones, customDomains };
}

/**
 * Points `*.{domain}` (and optionally `{domain}`) at the edge proxy, and publishes tenants'
 * custom domains so they reach the proxy too.
 */
export class WildcardDns extends pulumi.ComponentResource {
  /** The wildcard record's name, `*.{domain}`. */
  public readonly wildcardHostname: pulumi.Output<string>;
  /** Names of every DNS record created, wildcard first. */
  public readonly recordNames: pulumi.Output<string[]>;
  /** Custom Hostnames registered (cloudflare-for-saas only), sorted. */
  public readonly customHostnames: pulumi.Output<string[]>;
  /** The address the records point at: the proxy's. */
  public readonly target: pulumi.Output<string>;
  /** A, AAAA or CNAME, from the target. */
  public readonly recordType: pulumi.Output<string>;

  constructor(name: string, args: WildcardDnsArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before registering, so a bad config leaves nothing half-made in the state.
    const a = resolveArgs(name, args);
    super(WILDCARD_DNS_TYPE, name, {}, opts);
    const domain = args.domain;

    // The target is usually a LoadBalancer output: its type is decided when it is known. A bad
    // value fails the update here rather than publishing a record that bypasses the proxy.
    const target = pulumi.output(args.target).apply((t) => {
      targetRecordType(domain, t);
      return isIP(t) === 0 ? t.toLowerCase().replace(/\.$/, "") : t;
    });
    const type = target.apply((t) => targetRecordType(domain, t));

    const proxyRecord = (role: string, recordName: string) =>
      new cloudflare.DnsRecord(
        `${name}-${role}`,
        {
          zoneId: args.zoneId,
          name: recordName,
          type,
          content: target,
          proxied: a.proxied,
          ttl: a.ttl,
          comment: "agent-cloud: edge proxy",
        },
        { parent: this },
      );

    const wildcard = proxyRecord("wildcard", `*.${domain}`);
    if (args.edgeCertificate === "advanced") {
      if (args.zoneName === undefined)
        throw new Error(
          `${name}: edgeCertificate "advanced" needs zoneName (the zone of ${domain})`,
        );
      new cloudflare.CertificatePack(
        `${name}-edge-certificate`,
        {
          zoneId: args.zoneId,
          type: "advanced",
          hosts: advancedCertificateHosts(args.zoneName, domain),
          certificateAuthority: "lets_encrypt",
          validationMethod: "txt",
          validityDays: 90,
          cloudflareBranding: false,
        },
        { parent: this },
      );
    }
    const records: cloudflare.DnsRecord[] = [wildcard];
    const saasDomains = a.mode === "cloudflare-for-saas" ? a.customDomains : [];
    // Cloudflare for SaaS sends custom hostnames to the zone's fallback origin, a proxied record
    // in the platform zone: the apex, pointing at the proxy like the wildcard.
    const apex = a.apex || saasDomains.length > 0 ? proxyRecord("apex", domain) : undefined;
    if (apex !== undefined) records.push(apex);

    if (a.mode === "zone-records") {
      // Keyed by hostname, so reordering tenants renames nothing; sorted so the outputs do not
      // change either.
      for (const d of [...a.customDomains].sort((x, y) => x.hostname.localeCompare(y.hostname))) {
        const zone = zoneFor(d.hostname, a.zones) as { name: string; id: string };
        records.push(
          new cloudflare.DnsRecord(
            `${name}-custom-${d.hostname}`,
            {
              zoneId: zone.id,
              name: d.hostname,
              // The tenant's platform host, which resolves to the proxy: never its service.
              type: "CNAME",
              content: `${d.tenantId}.${domain}`,
              proxied: a.proxied,
              ttl: a.ttl,
              comment: `agent-cloud: tenant ${d.tenantId}`,
            },
            { parent: this },
          ),
        );
      }
    }

    const hostnames: cloudflare.CustomHostname[] = [];
    if (saasDomains.length > 0 && apex !== undefined) {
      const fallback = new cloudflare.CustomHostnameFallbackOrigin(
        `${name}-fallback-origin`,
        // From the record, so Cloudflare sees the origin only once it resolves.
        { zoneId: args.zoneId, origin: apex.name },
        { parent: this },
      );
      for (const d of [...saasDomains].sort((x, y) => x.hostname.localeCompare(y.hostname))) {
        hostnames.push(
          new cloudflare.CustomHostname(
            `${name}-custom-${d.hostname}`,
            {
              zoneId: args.zoneId,
              hostname: d.hostname,
              // HTTP validation completes once the tenant's CNAME reaches us; no TXT to hand out.
              ssl: { method: "http", type: "dv" },
            },
            { parent: this, dependsOn: [fallback] },
          ),
        );
      }
    }

    this.wildcardHostname = wildcard.name;
    this.recordNames = pulumi.all(records.map((r) => r.name));
    this.customHostnames = pulumi.all(hostnames.map((h) => h.hostname));
    this.target = pulumi.all([wildcard.id, target]).apply(([, t]) => t);
    this.recordType = type;

    this.registerOutputs({
      wildcardHostname: this.wildcardHostname,
      recordNames: this.recordNames,
      customHostnames: this.customHostnames,
      target: this.target,
      recordType: this.recordType,
    });
  }
}
