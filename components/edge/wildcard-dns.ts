/**
 * Cloudflare DNS for the platform: `*.{domain}` (and the apex when asked) at the proxy's address,
 * and tenants' custom domains either as CNAMEs in zones we manage or as Cloudflare for SaaS
 * Custom Hostnames. Every record points at the proxy or at the platform's own tenant host name,
 * never at a tenant's service: the proxy is the only way in. Args and their checks:
 * wildcard-dns-args.ts.
 */
import { isIP } from "node:net";
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { advancedCertificateHosts } from "../../model/edge-certificate";
import { type ManagedZone, zoneFor } from "../../model/rules/custom-domain-zones";
import { createChild } from "../create-child";
import {
  type CustomDomain,
  type ResolvedWildcardDnsArgs,
  resolveWildcardDnsArgs,
  targetRecordType,
  type WildcardDnsArgs,
} from "./wildcard-dns-args";

export * from "./wildcard-dns-args";
export { zoneFor };

export const WILDCARD_DNS_TYPE = "agent-cloud:edge:WildcardDns";

/** The proxy's address once known, and the record type it needs. */
interface ProxyTarget {
  readonly address: pulumi.Output<string>;
  readonly type: pulumi.Output<string>;
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
  /** The `*.{domain}` record. */
  public readonly wildcardRecord: cloudflare.DnsRecord;
  /** The Advanced Certificate pack, with `edgeCertificate: advanced` only. */
  public readonly edgeCertificatePack?: cloudflare.CertificatePack;
  /** The `{domain}` record, with `apex` or Custom Hostnames only. */
  public readonly apexRecord?: cloudflare.DnsRecord;
  /** `zone-records`: each custom domain's CNAME, keyed by hostname. */
  public readonly customDomainRecords: Readonly<Record<string, cloudflare.DnsRecord>>;
  /** The Custom Hostnames' fallback origin, with `cloudflare-for-saas` custom domains only. */
  public readonly fallbackOrigin?: cloudflare.CustomHostnameFallbackOrigin;
  /** `cloudflare-for-saas`: each Custom Hostname, keyed by hostname. */
  public readonly customHostnameResources: Readonly<Record<string, cloudflare.CustomHostname>>;

  constructor(name: string, args: WildcardDnsArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before registering, so a bad config leaves nothing half-made in the state.
    const resolved = resolveWildcardDnsArgs(name, args);
    super(WILDCARD_DNS_TYPE, name, {}, opts);
    const target = proxyTarget(resolved);
    const saasDomains = resolved.mode === "cloudflare-for-saas" ? resolved.customDomains : [];

    this.wildcardRecord = this.createProxyRecord(
      name,
      "wildcard",
      `*.${resolved.domain}`,
      resolved,
      target,
    );
    this.edgeCertificatePack = this.createEdgeCertificatePack(name, resolved);
    // Cloudflare for SaaS sends custom hostnames to the zone's fallback origin, a proxied record
    // in the platform zone: the apex, pointing at the proxy like the wildcard.
    this.apexRecord =
      resolved.apex || saasDomains.length > 0
        ? this.createProxyRecord(name, "apex", resolved.domain, resolved, target)
        : undefined;
    this.customDomainRecords = this.createCustomDomainRecords(name, resolved);
    this.fallbackOrigin =
      saasDomains.length > 0 && this.apexRecord !== undefined
        ? this.createFallbackOrigin(name, resolved, this.apexRecord)
        : undefined;
    this.customHostnameResources =
      this.fallbackOrigin === undefined
        ? {}
        : this.createCustomHostnames(name, resolved, saasDomains, this.fallbackOrigin);

    const records = [
      this.wildcardRecord,
      ...(this.apexRecord === undefined ? [] : [this.apexRecord]),
      ...Object.values(this.customDomainRecords),
    ];
    this.wildcardHostname = this.wildcardRecord.name;
    this.recordNames = pulumi.all(records.map((record) => record.name));
    this.customHostnames = pulumi.all(
      Object.values(this.customHostnameResources).map((hostname) => hostname.hostname),
    );
    this.target = pulumi.all([this.wildcardRecord.id, target.address]).apply(([, t]) => t);
    this.recordType = target.type;

    this.registerOutputs({
      wildcardHostname: this.wildcardHostname,
      recordNames: this.recordNames,
      customHostnames: this.customHostnames,
      target: this.target,
      recordType: this.recordType,
    });
  }

  /** A record at the proxy's address. */
  private createProxyRecord(
    name: string,
    role: string,
    recordName: string,
    r: ResolvedWildcardDnsArgs,
    target: ProxyTarget,
  ): cloudflare.DnsRecord {
    return createChild(
      this,
      cloudflare.DnsRecord,
      `${name}-${role}`,
      {
        zoneId: r.zoneId,
        name: recordName,
        type: target.type,
        content: target.address,
        proxied: r.proxied,
        ttl: r.ttl,
        comment: "agent-cloud: edge proxy",
      },
      r.transform.record,
    );
  }

  private createEdgeCertificatePack(
    name: string,
    r: ResolvedWildcardDnsArgs,
  ): cloudflare.CertificatePack | undefined {
    if (r.advancedCertificateZone === undefined) return undefined;
    return createChild(
      this,
      cloudflare.CertificatePack,
      `${name}-edge-certificate`,
      {
        zoneId: r.zoneId,
        type: "advanced",
        hosts: advancedCertificateHosts(r.advancedCertificateZone, r.domain),
        certificateAuthority: "lets_encrypt",
        validationMethod: "txt",
        validityDays: 90,
        cloudflareBranding: false,
      },
      r.transform.edgeCertificate,
    );
  }

  /**
   * `zone-records`: a CNAME per custom domain to the tenant's platform host, which resolves to
   * the proxy (never its service). Keyed by hostname, so reordering tenants renames nothing;
   * sorted so the outputs do not change either.
   */
  private createCustomDomainRecords(
    name: string,
    r: ResolvedWildcardDnsArgs,
  ): Record<string, cloudflare.DnsRecord> {
    if (r.mode !== "zone-records") return {};
    const records: Record<string, cloudflare.DnsRecord> = {};
    for (const claim of byHostname(r.customDomains)) {
      const zone = zoneFor(claim.hostname, r.zones) as ManagedZone;
      records[claim.hostname] = createChild(
        this,
        cloudflare.DnsRecord,
        `${name}-custom-${claim.hostname}`,
        {
          zoneId: zone.id,
          name: claim.hostname,
          type: "CNAME",
          content: `${claim.tenantId}.${r.domain}`,
          proxied: r.proxied,
          ttl: r.ttl,
          comment: `agent-cloud: tenant ${claim.tenantId}`,
        },
        r.transform.record,
      );
    }
    return records;
  }

  private createFallbackOrigin(
    name: string,
    r: ResolvedWildcardDnsArgs,
    apex: cloudflare.DnsRecord,
  ): cloudflare.CustomHostnameFallbackOrigin {
    return createChild(
      this,
      cloudflare.CustomHostnameFallbackOrigin,
      `${name}-fallback-origin`,
      // From the record, so Cloudflare sees the origin only once it resolves.
      { zoneId: r.zoneId, origin: apex.name },
      r.transform.fallbackOrigin,
      // Cloudflare keeps one fallback origin per zone, and deleting this resource clears the
      // zone's: a stack that stops declaring it (its last custom domain gone, or a stack that
      // declared it before dns.ownsFallbackOrigin existed) must leave the owner's in place.
      { retainOnDelete: true },
    );
  }

  /** `cloudflare-for-saas`: a Custom Hostname per custom domain, keyed by hostname. */
  private createCustomHostnames(
    name: string,
    r: ResolvedWildcardDnsArgs,
    saasDomains: readonly CustomDomain[],
    fallback: cloudflare.CustomHostnameFallbackOrigin,
  ): Record<string, cloudflare.CustomHostname> {
    const hostnames: Record<string, cloudflare.CustomHostname> = {};
    for (const claim of byHostname(saasDomains)) {
      hostnames[claim.hostname] = createChild(
        this,
        cloudflare.CustomHostname,
        `${name}-custom-${claim.hostname}`,
        {
          zoneId: r.zoneId,
          hostname: claim.hostname,
          // HTTP validation completes once the tenant's CNAME reaches us; no TXT to hand out.
          ssl: { method: "http", type: "dv" },
        },
        r.transform.customHostname,
        { dependsOn: [fallback] },
      );
    }
    return hostnames;
  }
}

/**
 * The target is usually a LoadBalancer output: its type is decided when it is known. A bad value
 * fails the update here rather than publishing a record that bypasses the proxy.
 */
function proxyTarget(r: ResolvedWildcardDnsArgs): ProxyTarget {
  const address = pulumi.output(r.target).apply((value) => {
    targetRecordType(r.domain, value);
    return isIP(value) === 0 ? value.toLowerCase().replace(/\.$/, "") : value;
  });
  return { address, type: address.apply((value) => targetRecordType(r.domain, value)) };
}

/** Sorted by hostname. */
function byHostname(domains: readonly CustomDomain[]): CustomDomain[] {
  return [...domains].sort((x, y) => x.hostname.localeCompare(y.hostname));
}
