import { describe, expect, it } from "vitest";
import { type DnsRecordSettings, dnsRecordProblems } from "../../model/rules/dns-records";

const base: DnsRecordSettings = {
  proxied: true,
  ttl: 1,
  customDomainMode: "cloudflare-for-saas",
  customDomainModeKey: "customDomainMode",
  customDomainCount: 0,
  domain: "agents.example.com",
};

describe("dnsRecordProblems", () => {
  it.each<
    [
      string,
      Partial<DnsRecordSettings>,
      string,
      { path: string; received: unknown; message: string }[],
    ]
  >([
    ["automatic TTL, proxied", {}, "", []],
    ["a fixed TTL, not proxied", { proxied: false, ttl: 300 }, "", []],
    ["the shortest and longest fixed TTLs", { proxied: false, ttl: 60 }, "", []],
    ["a day", { proxied: false, ttl: 86400 }, "", []],
    ["Custom Hostnames when proxied", { customDomainCount: 2 }, "", []],
    [
      "zone records when not proxied",
      { proxied: false, customDomainMode: "zone-records", customDomainCount: 2 },
      "",
      [],
    ],
    [
      "a TTL below a minute",
      { proxied: false, ttl: 30 },
      "dns.",
      [{ path: "dns.ttl", received: 30, message: "must be 1 (automatic) or 60 to 86400 seconds" }],
    ],
    [
      "a TTL above a day",
      { proxied: false, ttl: 86401 },
      "",
      [{ path: "ttl", received: 86401, message: "must be 1 (automatic) or 60 to 86400 seconds" }],
    ],
    [
      "a fraction",
      { proxied: false, ttl: 60.5 },
      "",
      [{ path: "ttl", received: 60.5, message: "must be 1 (automatic) or 60 to 86400 seconds" }],
    ],
    [
      "a TTL on proxied records",
      { ttl: 300 },
      "",
      [
        {
          path: "ttl",
          received: 300,
          message:
            "Cloudflare sets the TTL of proxied records itself; use ttl 1 (automatic) or proxied false",
        },
      ],
    ],
    [
      "Custom Hostnames without proxying, in config terms",
      { proxied: false, customDomainCount: 1, customDomainModeKey: "dns.customDomains" },
      "dns.",
      [
        {
          path: "dns.customDomains",
          received: "cloudflare-for-saas",
          message:
            'needs dns.proxied true: Custom Hostnames are served through the proxied fallback origin agents.example.com; set dns.proxied true or use "zone-records"',
        },
      ],
    ],
  ])("%s", (_, change, prefix, expected) => {
    expect(dnsRecordProblems({ ...base, ...change }, prefix)).toEqual(expected);
  });
});
