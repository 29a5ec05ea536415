import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import {
  WILDCARD_DNS_TYPE,
  WildcardDns,
  checkTarget,
  targetRecordType,
  zoneFor,
  type CustomDomain,
  type WildcardDnsArgs,
} from "../../components/edge/wildcard-dns";
import { ComponentArgsError } from "../../components/component-args-error";
import {
  MOCK_LOAD_BALANCER_IP,
  runProgram,
  valueOf,
  type ProgramRun,
  type RecordedResource,
  runProgramCatching,
} from "../../testkit/mocks";
import { CLOUDFLARE } from "../../testkit/type-tokens";

const DOMAIN = "agents.example.com";
const ZONE = "0123456789abcdef0123456789abcdef";
const ACME_ZONE = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const SHOP_ZONE = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const GLOBEX_ZONE = "cccccccccccccccccccccccccccccccc";
const COMPONENT_URN = `urn:pulumi:test::agent-cloud::${WILDCARD_DNS_TYPE}::dns`;

const CUSTOM_DOMAINS: CustomDomain[] = [
  { tenantId: "acme", hostname: "agents.acme.com" },
  { tenantId: "acme", hostname: "acme.com" },
  { tenantId: "acme", hostname: "bot.shop.acme.com" },
  { tenantId: "globex", hostname: "ai.globex.io" },
];
const ZONES = { "acme.com": ACME_ZONE, "shop.acme.com": SHOP_ZONE, "globex.io": GLOBEX_ZONE };

type Args = Partial<WildcardDnsArgs>;

function make(args: Args = {}): WildcardDns {
  return new WildcardDns("dns", {
    zoneId: ZONE,
    domain: DOMAIN,
    // The proxy's address is a LoadBalancer output, not a plain string.
    target: pulumi.output(MOCK_LOAD_BALANCER_IP),
    ...args,
  });
}

const run = (args: Args = {}) => runProgram(() => make(args));

function inventory(r: ProgramRun<unknown>): string[] {
  return r.resources.map((x) => `${x.type} ${x.name}`).sort();
}

/**
 * DNS never points at a tenant: every record's content is the proxy's address or a tenant's
 * platform host `{id}.{domain}` (which the wildcard sends to the proxy), and nothing Cloudflare
 * is given names a cluster service.
 */
function expectOnlyProxyTargets(r: ProgramRun<unknown>, proxy: string): void {
  const tenantHost = new RegExp(`^[a-z][a-z0-9-]*\\.${DOMAIN.replace(/\./g, "\\.")}$`);
  for (const rec of r.ofType(CLOUDFLARE.DnsRecord)) {
    const content = String(rec.inputs.content);
    expect(content === proxy || tenantHost.test(content), `${rec.name} → ${content}`).toBe(true);
    if (content !== proxy) expect(rec.inputs.type).toBe("CNAME");
  }
  for (const res of r.resources) {
    const text = JSON.stringify(res.inputs);
    expect(text, res.name).not.toMatch(/svc\.cluster\.local|\.svc\b|"sp-/);
  }
  for (const h of r.ofType(CLOUDFLARE.CustomHostname)) {
    expect(h.inputs.customOriginServer, h.name).toBeUndefined();
  }
}

function expectChildrenParented(r: ProgramRun<unknown>): void {
  const component = r.get(WILDCARD_DNS_TYPE, "dns");
  for (const child of r.resources.filter((x) => x !== component)) {
    expect(child.parent, `${child.type} ${child.name}`).toBe(COMPONENT_URN);
  }
}

describe("WildcardDns records for the proxy", () => {
  it("points *.domain at an IP with an A record, proxied with automatic TTL by default", async () => {
    const r = await run();
    expect(inventory(r)).toEqual([
      `${WILDCARD_DNS_TYPE} dns`,
      `${CLOUDFLARE.DnsRecord} dns-wildcard`,
    ]);
    expectChildrenParented(r);
    expect(r.get(CLOUDFLARE.DnsRecord, "dns-wildcard").inputs).toEqual({
      zoneId: ZONE,
      name: `*.${DOMAIN}`,
      type: "A",
      content: MOCK_LOAD_BALANCER_IP,
      proxied: true,
      ttl: 1,
      comment: "agent-cloud: edge proxy",
    });
    expectOnlyProxyTargets(r, MOCK_LOAD_BALANCER_IP);
    await expect(valueOf(r.result.wildcardHostname)).resolves.toBe(`*.${DOMAIN}`);
    await expect(valueOf(r.result.recordNames)).resolves.toEqual([`*.${DOMAIN}`]);
    await expect(valueOf(r.result.target)).resolves.toBe(MOCK_LOAD_BALANCER_IP);
    await expect(valueOf(r.result.recordType)).resolves.toBe("A");
    await expect(valueOf(r.result.customHostnames)).resolves.toEqual([]);
  });

  it.each([
    ["203.0.113.7", "A", "203.0.113.7"],
    ["2001:db8::10", "AAAA", "2001:db8::10"],
    ["lb-123.elb.eu-west-1.amazonaws.com", "CNAME", "lb-123.elb.eu-west-1.amazonaws.com"],
    ["LB.Example.NET.", "CNAME", "lb.example.net"],
  ])("target %s gives a %s record to %s", async (target, type, content) => {
    const r = await run({ target: pulumi.output(target), apex: true });
    for (const name of ["dns-wildcard", "dns-apex"]) {
      expect(r.get(CLOUDFLARE.DnsRecord, name).inputs).toMatchObject({ type, content });
    }
    await expect(valueOf(r.result.recordType)).resolves.toBe(type);
    expectOnlyProxyTargets(r, content);
  });

  it("adds the apex record when asked, with the same settings; honours proxied false and ttl", async () => {
    const r = await run({ apex: true, proxied: false, ttl: 300, target: "198.51.100.4" });
    expect(inventory(r)).toEqual([
      `${WILDCARD_DNS_TYPE} dns`,
      `${CLOUDFLARE.DnsRecord} dns-apex`,
      `${CLOUDFLARE.DnsRecord} dns-wildcard`,
    ]);
    expect(r.get(CLOUDFLARE.DnsRecord, "dns-apex").inputs).toEqual({
      zoneId: ZONE,
      name: DOMAIN,
      type: "A",
      content: "198.51.100.4",
      proxied: false,
      ttl: 300,
      comment: "agent-cloud: edge proxy",
    });
    expect(r.get(CLOUDFLARE.DnsRecord, "dns-wildcard").inputs).toMatchObject({
      proxied: false,
      ttl: 300,
    });
    await expect(valueOf(r.result.recordNames)).resolves.toEqual([`*.${DOMAIN}`, DOMAIN]);
  });

  it("refuses bad settings and targets that are not the proxy, listing every problem", () => {
    expect(() => make({ ttl: 300 })).toThrow(
      `WildcardDns "dns": ttl 300: Cloudflare sets the TTL of proxied records itself; use ttl 1 (automatic) or proxied false`,
    );
    expect(() =>
      make({
        domain: "Agents.Example.com",
        ttl: 30,
        proxied: false,
        customDomainMode: "cname" as never,
      }),
    ).toThrow(
      `WildcardDns "dns": 3 problems:\n` +
        `  - domain "Agents.Example.com": must be a lowercase DNS name such as agents.example.com\n` +
        `  - ttl 30: must be 1 (automatic) or 60 to 86400 seconds\n` +
        `  - customDomainMode "cname": must be "zone-records" or "cloudflare-for-saas"`,
    );
    expect(() => make({ target: `acme.${DOMAIN}` })).toThrow(
      `WildcardDns "dns": target "acme.${DOMAIN}": is under the platform domain ${DOMAIN}, so *.${DOMAIN} would point at itself or at a tenant host; use the proxy's own address`,
    );
    expect(() => make({ target: "sp-acme.dev-tenant-acme.svc.cluster.local" })).toThrow(
      `WildcardDns "dns": target "sp-acme.dev-tenant-acme.svc.cluster.local": is a cluster-internal service name; DNS must point at the proxy's public address`,
    );
    expect(() => make({ target: "not an address" })).toThrow(
      `WildcardDns "dns": target "not an address": must be the proxy's IP address or DNS host name`,
    );
  });

  it("never quotes a value that looks like a token (showReceived)", () => {
    const token = "Xq7cF0rT9kLmN2pQ4sV6wY8zA1bC3dE5fG7hJ9kL";
    const message = (() => {
      try {
        make({
          domain: token,
          target: `https://${token}`,
          customDomainMode: token as never,
          customDomains: [{ tenantId: token, hostname: `${token}.acme.com` }],
        });
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error("WildcardDns accepted a token as its domain");
    })();
    const hidden = "(not shown: it looks like a token)";
    expect(message).toBe(
      `WildcardDns "dns": 5 problems:\n` +
        `  - domain ${hidden}: must be a lowercase DNS name such as agents.example.com\n` +
        `  - customDomainMode ${hidden}: must be "zone-records" or "cloudflare-for-saas"\n` +
        `  - customDomains[0].tenantId ${hidden}: must be a DNS label (a-z, 0-9, '-')\n` +
        `  - customDomains[0].hostname ${hidden}: must be a lowercase DNS name such as agents.acme.com\n` +
        `  - target ${hidden}: must be the proxy's IP address or DNS host name`,
    );
    expect(message).not.toContain(token);
  });

  it("applies the same target rules to a target only known at deploy time", () => {
    expect(targetRecordType(DOMAIN, "203.0.113.10")).toBe("A");
    expect(targetRecordType(DOMAIN, "::1")).toBe("AAAA");
    expect(targetRecordType(DOMAIN, "edge.example.net")).toBe("CNAME");
    expect(targetRecordType(DOMAIN, "svc.example.net")).toBe("CNAME");
    expect(() => targetRecordType(DOMAIN, DOMAIN)).toThrow(/is under the platform domain/);
    expect(() => targetRecordType(DOMAIN, `globex.${DOMAIN}.`)).toThrow(
      /is under the platform domain/,
    );
    expect(() => targetRecordType(DOMAIN, "sp-acme.dev-tenant-acme.svc")).toThrow(
      /cluster-internal/,
    );
    expect(() => targetRecordType(DOMAIN, "kube-dns.kube-system.svc.cluster.local")).toThrow(
      /cluster-internal/,
    );
    expect(() => targetRecordType(DOMAIN, "")).toThrow(/must be the proxy's IP address/);
  });
});

describe("WildcardDns custom domains as zone records", () => {
  const zoneRecords: Args = {
    customDomains: CUSTOM_DOMAINS,
    customDomainMode: "zone-records",
    customDomainZones: ZONES,
  };

  it("adds a CNAME to the tenant's platform host in the zone that contains each hostname", async () => {
    const r = await run(zoneRecords);
    expect(inventory(r)).toEqual([
      `${WILDCARD_DNS_TYPE} dns`,
      `${CLOUDFLARE.DnsRecord} dns-custom-acme.com`,
      `${CLOUDFLARE.DnsRecord} dns-custom-agents.acme.com`,
      `${CLOUDFLARE.DnsRecord} dns-custom-ai.globex.io`,
      `${CLOUDFLARE.DnsRecord} dns-custom-bot.shop.acme.com`,
      `${CLOUDFLARE.DnsRecord} dns-wildcard`,
    ]);
    expectChildrenParented(r);
    const expected: Record<string, [string, string]> = {
      "agents.acme.com": [ACME_ZONE, `acme.${DOMAIN}`],
      "acme.com": [ACME_ZONE, `acme.${DOMAIN}`],
      // The longest zone wins: shop.acme.com is its own zone.
      "bot.shop.acme.com": [SHOP_ZONE, `acme.${DOMAIN}`],
      "ai.globex.io": [GLOBEX_ZONE, `globex.${DOMAIN}`],
    };
    for (const [hostname, [zoneId, content]] of Object.entries(expected)) {
      expect(r.get(CLOUDFLARE.DnsRecord, `dns-custom-${hostname}`).inputs).toMatchObject({
        zoneId,
        name: hostname,
        type: "CNAME",
        content,
        proxied: true,
        ttl: 1,
      });
    }
    expect(r.ofType(CLOUDFLARE.CustomHostname)).toEqual([]);
    expect(r.ofType(CLOUDFLARE.CustomHostnameFallbackOrigin)).toEqual([]);
    expectOnlyProxyTargets(r, MOCK_LOAD_BALANCER_IP);
    const names = await valueOf(r.result.recordNames);
    expect(names[0]).toBe(`*.${DOMAIN}`);
    expect([...names].sort()).toEqual(
      [`*.${DOMAIN}`, ...CUSTOM_DOMAINS.map((d) => d.hostname)].sort(),
    );
  });

  it("keeps every name and input when the list is reordered", async () => {
    const forward = await run(zoneRecords);
    const reversed = await run({ ...zoneRecords, customDomains: [...CUSTOM_DOMAINS].reverse() });
    const byName = (r: ProgramRun<unknown>) =>
      Object.fromEntries(r.resources.map((x: RecordedResource) => [x.name, x.inputs]));
    expect(byName(reversed)).toEqual(byName(forward));
    expect(await valueOf(reversed.result.recordNames)).toEqual(
      await valueOf(forward.result.recordNames),
    );
    // Dropping one domain touches only that domain's record.
    const fewer = await run({ ...zoneRecords, customDomains: CUSTOM_DOMAINS.slice(1) });
    const removed = Object.keys(byName(forward)).filter((n) => !(n in byName(fewer)));
    expect(removed).toEqual(["dns-custom-agents.acme.com"]);
    for (const [name, inputs] of Object.entries(byName(fewer))) {
      expect(inputs, name).toEqual(byName(forward)[name]);
    }
  });

  it("refuses hostnames without a managed zone, under the platform domain, or claimed twice", () => {
    expect(() =>
      make({
        ...zoneRecords,
        customDomains: [
          { tenantId: "acme", hostname: "agents.initech.com" },
          { tenantId: "acme", hostname: `www.${DOMAIN}` },
          { tenantId: "globex", hostname: "ai.globex.io" },
          { tenantId: "initrode", hostname: "ai.globex.io" },
          { tenantId: "globex", hostname: "ai.globex.io" },
          { tenantId: "Bad_Id", hostname: "Bad.Example.com" },
        ],
      }),
    ).toThrow(
      `WildcardDns "dns": 6 problems:\n` +
        `  - customDomains[0].hostname "agents.initech.com": no zone in customDomainZones contains it (zones: acme.com, shop.acme.com, globex.io); add its zone or use customDomainMode "cloudflare-for-saas"\n` +
        `  - customDomains[1].hostname "www.${DOMAIN}": must not be under the platform domain ${DOMAIN} (the tenant already has acme.${DOMAIN})\n` +
        `  - customDomains[3].hostname "ai.globex.io": is already claimed by tenant "globex"; a custom domain belongs to one tenant\n` +
        `  - customDomains[4].hostname "ai.globex.io": is listed twice for tenant "globex"\n` +
        `  - customDomains[5].tenantId "Bad_Id": must be a DNS label (a-z, 0-9, '-')\n` +
        `  - customDomains[5].hostname "Bad.Example.com": must be a lowercase DNS name such as agents.acme.com`,
    );
  });

  it("applies the one domain rule (model/rules/domains.ts): no parent or child of another tenant's or environment's domain", () => {
    expect(() =>
      make({
        ...zoneRecords,
        otherEnvironmentDomains: ["staging.acme.com"],
        customDomains: [
          { tenantId: "acme", hostname: "eu.staging.acme.com" },
          { tenantId: "globex", hostname: "ai.globex.io" },
          { tenantId: "initrode", hostname: "eu.ai.globex.io" },
        ],
      }),
    ).toThrow(
      `WildcardDns "dns": 2 problems:\n` +
        `  - customDomains[0].hostname "eu.staging.acme.com": is under staging.acme.com, which another environment serves (otherEnvironmentDomains); a domain belongs to one environment\n` +
        `  - customDomains[2].hostname "eu.ai.globex.io": is under ai.globex.io, claimed by tenant "globex"; a tenant's domain may not be a parent or child of another tenant's`,
    );
  });

  it("finds the longest managed zone for a hostname", () => {
    expect(zoneFor("bot.shop.acme.com", ZONES)).toEqual({ name: "shop.acme.com", id: SHOP_ZONE });
    expect(zoneFor("acme.com", ZONES)).toEqual({ name: "acme.com", id: ACME_ZONE });
    // A suffix that is not a label boundary is not a match.
    expect(zoneFor("notacme.com", ZONES)).toBeUndefined();
  });
});

describe("WildcardDns custom domains with Cloudflare for SaaS", () => {
  const saas: Args = { customDomains: CUSTOM_DOMAINS, customDomainMode: "cloudflare-for-saas" };

  it("registers a DV Custom Hostname per hostname on the platform zone, behind the apex fallback origin", async () => {
    const r = await run(saas);
    expect(inventory(r)).toEqual([
      `${WILDCARD_DNS_TYPE} dns`,
      `${CLOUDFLARE.CustomHostname} dns-custom-acme.com`,
      `${CLOUDFLARE.CustomHostname} dns-custom-agents.acme.com`,
      `${CLOUDFLARE.CustomHostname} dns-custom-ai.globex.io`,
      `${CLOUDFLARE.CustomHostname} dns-custom-bot.shop.acme.com`,
      `${CLOUDFLARE.CustomHostnameFallbackOrigin} dns-fallback-origin`,
      // The fallback origin needs a record even though apex was not asked for.
      `${CLOUDFLARE.DnsRecord} dns-apex`,
      `${CLOUDFLARE.DnsRecord} dns-wildcard`,
    ]);
    expectChildrenParented(r);
    for (const d of CUSTOM_DOMAINS) {
      expect(r.get(CLOUDFLARE.CustomHostname, `dns-custom-${d.hostname}`).inputs).toEqual({
        zoneId: ZONE,
        hostname: d.hostname,
        ssl: { method: "http", type: "dv" },
      });
    }
    const fallback = r.get(CLOUDFLARE.CustomHostnameFallbackOrigin, "dns-fallback-origin");
    expect(fallback.inputs).toEqual({ zoneId: ZONE, origin: DOMAIN });
    // One per zone: a stack dropping it (dev before dns.ownsFallbackOrigin) must not clear
    // the zone's, which the owner's Custom Hostnames are served through.
    expect(fallback.retainOnDelete).toBe(true);
    expect(r.get(CLOUDFLARE.DnsRecord, "dns-apex").inputs).toMatchObject({
      name: DOMAIN,
      content: MOCK_LOAD_BALANCER_IP,
      proxied: true,
    });
    for (const h of r.ofType(CLOUDFLARE.CustomHostname))
      expect(h.dependsOn).toContain(fallback.urn);
    expectOnlyProxyTargets(r, MOCK_LOAD_BALANCER_IP);
    await expect(valueOf(r.result.customHostnames)).resolves.toEqual(
      CUSTOM_DOMAINS.map((d) => d.hostname).sort(),
    );
    await expect(valueOf(r.result.recordNames)).resolves.toEqual([`*.${DOMAIN}`, DOMAIN]);
  });

  it("creates one apex record when apex is also asked for, and none of the SaaS pieces without domains", async () => {
    const withApex = await run({ ...saas, apex: true });
    expect(
      withApex
        .ofType(CLOUDFLARE.DnsRecord)
        .map((x) => x.name)
        .sort(),
    ).toEqual(["dns-apex", "dns-wildcard"]);
    const none = await run({ customDomainMode: "cloudflare-for-saas", customDomains: [] });
    expect(inventory(none)).toEqual([
      `${WILDCARD_DNS_TYPE} dns`,
      `${CLOUDFLARE.DnsRecord} dns-wildcard`,
    ]);
  });

  it("keeps every name and input when the list is reordered", async () => {
    const forward = await run(saas);
    const reversed = await run({ ...saas, customDomains: [...CUSTOM_DOMAINS].reverse() });
    const byName = (r: ProgramRun<unknown>) =>
      Object.fromEntries(r.resources.map((x) => [`${x.type} ${x.name}`, x.inputs]));
    expect(byName(reversed)).toEqual(byName(forward));
  });

  describe("in a zone another environment shares (Cloudflare keeps one fallback origin per zone)", () => {
    // Production at agents.example.com; this stack is dev, in the same zone example.com.
    const DEV = `dev.${DOMAIN}`;
    const shared: Args = {
      ...saas,
      domain: DEV,
      zoneName: "example.com",
      otherEnvironmentDomains: [DOMAIN, "agents.acme-corp.com"],
    };

    it("refuses Custom Hostnames, before registering anything, unless this stack owns the fallback origin", async () => {
      const r = await runProgramCatching(() => {
        make(shared);
      });
      expect(r.resources).toEqual([]);
      expect(r.result).toBeInstanceOf(ComponentArgsError);
      expect((r.result as ComponentArgsError).message).toBe(
        `WildcardDns "dns": customDomainMode "cloudflare-for-saas": zone example.com is shared with another environment (${DOMAIN}), and Cloudflare keeps one Custom Hostnames fallback origin per zone, which only the one stack that owns it may declare (ownsFallbackOrigin true, not set here): this stack's custom domains (agents.acme.com, acme.com, bot.shop.acme.com and 1 more) would be sent to the owner's edge; give this environment a zone of its own, use "zone-records" (a CNAME per custom domain in a zone listed in customDomainZones), or remove its custom domains`,
      );
    });

    it("refuses them without zoneName, which tells whether the zone is shared", () => {
      expect(() => make({ ...shared, zoneName: undefined })).toThrow(
        `WildcardDns "dns": zoneName: is required with Custom Hostnames (customDomainMode "cloudflare-for-saas") when otherEnvironmentDomains is set: Cloudflare keeps one fallback origin per zone, and the zone's name tells whether another environment shares it; set it to the name of the zone holding ${DEV} (e.g. example.com), or ownsFallbackOrigin true in the one stack that owns the zone's fallback origin`,
      );
    });

    it("declares the zone's fallback origin in the stack that owns it", async () => {
      const r = await run({ ...shared, ownsFallbackOrigin: true });
      const fallback = r.get(CLOUDFLARE.CustomHostnameFallbackOrigin, "dns-fallback-origin");
      expect(fallback.inputs).toEqual({ zoneId: ZONE, origin: DEV });
      expect(r.ofType(CLOUDFLARE.CustomHostname).map((h) => h.inputs.hostname)).toEqual(
        CUSTOM_DOMAINS.map((d) => d.hostname).sort(),
      );
      for (const h of r.ofType(CLOUDFLARE.CustomHostname))
        expect(h.dependsOn).toContain(fallback.urn);
    });

    it("registers nothing of Cloudflare for SaaS for a stack without custom domains", async () => {
      const r = await run({ ...shared, customDomains: [] });
      expect(inventory(r)).toEqual([
        `${WILDCARD_DNS_TYPE} dns`,
        `${CLOUDFLARE.DnsRecord} dns-wildcard`,
      ]);
    });

    it("leaves a stack with a zone of its own as it was, owner or not", async () => {
      const own: Args = {
        ...shared,
        domain: "agents.example-dev.com",
        zoneName: "example-dev.com",
      };
      const byName = (r: ProgramRun<unknown>) =>
        Object.fromEntries(r.resources.map((x) => [`${x.type} ${x.name}`, x.inputs]));
      const notOwner = await run(own);
      expect(byName(notOwner)).toEqual(byName(await run({ ...own, ownsFallbackOrigin: true })));
      expect(
        notOwner.get(CLOUDFLARE.CustomHostnameFallbackOrigin, "dns-fallback-origin").inputs,
      ).toEqual({ zoneId: ZONE, origin: "agents.example-dev.com" });
      expect(notOwner.ofType(CLOUDFLARE.CustomHostname)).toHaveLength(CUSTOM_DOMAINS.length);
    });
  });

  it("refuses SaaS custom domains when records are not proxied", () => {
    expect(() => make({ ...saas, proxied: false })).toThrow(
      `WildcardDns "dns": customDomainMode "cloudflare-for-saas": needs proxied true: Custom Hostnames are served through the proxied fallback origin ${DOMAIN}; set proxied true or use "zone-records"`,
    );
  });
});

describe("Cloudflare's edge certificate", () => {
  it("orders an Advanced Certificate for the domain and its wildcard (with the zone apex)", async () => {
    const r = await run({ edgeCertificate: "advanced", zoneName: "example.com" });
    const pack = r.get(CLOUDFLARE.CertificatePack, "dns-edge-certificate");
    expect(pack.parent).toBe(COMPONENT_URN);
    expect(pack.inputs).toEqual({
      zoneId: ZONE,
      type: "advanced",
      hosts: ["example.com", DOMAIN, `*.${DOMAIN}`],
      certificateAuthority: "lets_encrypt",
      validationMethod: "txt",
      validityDays: 90,
      cloudflareBranding: false,
    });
  });

  it("orders nothing for the free Universal certificate", async () => {
    const r = await run({ edgeCertificate: "universal", zoneName: DOMAIN });
    expect(r.ofType(CLOUDFLARE.CertificatePack)).toEqual([]);
    expect(r.ofType(CLOUDFLARE.DnsRecord).length).toBeGreaterThan(0);
  });
});

describe("WildcardDns args and children", () => {
  it("refuses an Advanced Certificate without its zone before registering anything", async () => {
    const r = await runProgramCatching(() => {
      make({ edgeCertificate: "advanced", ttl: 30 });
    });
    expect(r.resources).toEqual([]);
    expect(r.result).toBeInstanceOf(ComponentArgsError);
    expect((r.result as ComponentArgsError).problems).toEqual([
      "ttl 30: must be 1 (automatic) or 60 to 86400 seconds",
      `edgeCertificate "advanced" needs zoneName (the zone of ${DOMAIN})`,
    ]);
  });

  it.each([
    ["203.0.113.10", { type: "A" }],
    ["2001:db8::1", { type: "AAAA" }],
    ["edge.example.net", { type: "CNAME" }],
    [
      `acme.${DOMAIN}`,
      {
        problem: `target "acme.${DOMAIN}": is under the platform domain ${DOMAIN}, so *.${DOMAIN} would point at itself or at a tenant host; use the proxy's own address`,
      },
    ],
    [
      "kube-dns.kube-system.svc.cluster.local",
      {
        problem: `target "kube-dns.kube-system.svc.cluster.local": is a cluster-internal service name; DNS must point at the proxy's public address`,
      },
    ],
    ["", { problem: `target "": must be the proxy's IP address or DNS host name` }],
  ])("checks target %j without throwing", (target, expected) => {
    expect(checkTarget(DOMAIN, target)).toEqual(expected);
  });

  it("exposes its children and lets a caller adjust each kind before it is registered", async () => {
    const r = await run({
      customDomainMode: "zone-records",
      customDomainZones: ZONES,
      customDomains: CUSTOM_DOMAINS,
      edgeCertificate: "advanced",
      zoneName: "example.com",
      apex: true,
      transform: {
        record: (recordArgs) => {
          recordArgs.comment = pulumi.interpolate`${recordArgs.comment} (reviewed)`;
        },
        edgeCertificate: { validityDays: 30 },
      },
    });
    const dns = r.result;
    expect(await valueOf(dns.wildcardRecord.urn)).toMatch(/::dns-wildcard$/);
    expect(await valueOf((dns.apexRecord as { urn: pulumi.Output<string> }).urn)).toMatch(
      /::dns-apex$/,
    );
    expect(Object.keys(dns.customDomainRecords).sort()).toEqual(
      CUSTOM_DOMAINS.map((d) => d.hostname).sort(),
    );
    expect(dns.customHostnameResources).toEqual({});
    expect(dns.fallbackOrigin).toBeUndefined();
    expect(dns.edgeCertificatePack).toBeDefined();
    for (const record of r.ofType(CLOUDFLARE.DnsRecord)) {
      expect(record.inputs.comment).toMatch(/^agent-cloud: .* \(reviewed\)$/);
      expect(record.parent).toBe(COMPONENT_URN);
    }
    expect(r.get(CLOUDFLARE.CertificatePack, "dns-edge-certificate").inputs.validityDays).toBe(30);
  });
});
