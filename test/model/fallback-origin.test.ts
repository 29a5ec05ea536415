import { describe, expect, it } from "vitest";
import {
  domainsInZone,
  type FallbackOriginSettings,
  fallbackOriginProblems,
} from "../../model/rules/fallback-origin";

/** dev's settings in the example stacks: production's zone, a Custom Hostname, not the owner. */
const base: FallbackOriginSettings = {
  customDomainMode: "cloudflare-for-saas",
  customDomainModeKey: "dns.customDomains",
  customDomains: ["agents-dev.acme-corp.com"],
  ownsFallbackOrigin: false,
  zoneName: "example.com",
  otherEnvironmentDomains: ["agents.example.com", "agents.acme-corp.com"],
  domain: "dev.agents.example.com",
};

const SHARED =
  "zone example.com is shared with another environment (agents.example.com), and Cloudflare keeps one Custom Hostnames fallback origin per zone, which only the one stack that owns it may declare (dns.ownsFallbackOrigin true, not set here): this stack's custom domains (agents-dev.acme-corp.com) would be sent to the owner's edge; give this environment a zone of its own, use \"zone-records\" (a CNAME per custom domain in a zone listed in dns.customDomainZones), or remove its custom domains";

describe("fallbackOriginProblems", () => {
  it.each<
    [
      string,
      Partial<FallbackOriginSettings>,
      string,
      { path: string; received?: unknown; message: string }[],
    ]
  >([
    [
      "Custom Hostnames in a shared zone, not the owner",
      {},
      "dns.",
      [{ path: "dns.customDomains", received: "cloudflare-for-saas", message: SHARED }],
    ],
    ["the zone's owner", { ownsFallbackOrigin: true }, "dns.", []],
    [
      "a zone of its own",
      { zoneName: "example-dev.com", domain: "agents.example-dev.com" },
      "dns.",
      [],
    ],
    ["no custom domains", { customDomains: [] }, "dns.", []],
    ["custom domains as zone records", { customDomainMode: "zone-records" }, "dns.", []],
    ["no other environment known", { otherEnvironmentDomains: [] }, "dns.", []],
    [
      "another environment at the zone's apex",
      {
        otherEnvironmentDomains: ["example.com"],
        customDomainModeKey: "customDomainMode",
        customDomains: ["a.x.com", "b.x.com", "c.x.com", "d.x.com", "e.x.com"],
      },
      "",
      [
        {
          path: "customDomainMode",
          received: "cloudflare-for-saas",
          message:
            "zone example.com is shared with another environment (example.com), and Cloudflare keeps one Custom Hostnames fallback origin per zone, which only the one stack that owns it may declare (ownsFallbackOrigin true, not set here): this stack's custom domains (a.x.com, b.x.com, c.x.com and 2 more) would be sent to the owner's edge; give this environment a zone of its own, use \"zone-records\" (a CNAME per custom domain in a zone listed in customDomainZones), or remove its custom domains",
        },
      ],
    ],
    [
      "no zone name: cannot tell whether the zone is shared",
      { zoneName: undefined, customDomainModeKey: "customDomainMode" },
      "",
      [
        {
          path: "zoneName",
          message:
            "is required with Custom Hostnames (customDomainMode \"cloudflare-for-saas\") when otherEnvironmentDomains is set: Cloudflare keeps one fallback origin per zone, and the zone's name tells whether another environment shares it; set it to the name of the zone holding dev.agents.example.com (e.g. example.com), or ownsFallbackOrigin true in the one stack that owns the zone's fallback origin",
        },
      ],
    ],
    ["no zone name, but the owner", { zoneName: undefined, ownsFallbackOrigin: true }, "", []],
  ])("%s", (_, change, prefix, expected) => {
    expect(fallbackOriginProblems({ ...base, ...change }, prefix)).toEqual(expected);
  });
});

describe("domainsInZone", () => {
  it.each<[string, string[], string[]]>([
    [
      "example.com",
      ["agents.example.com", "example.com", "agents.acme-corp.com"],
      ["agents.example.com", "example.com"],
    ],
    // A suffix that is not a label boundary is another zone.
    ["example.com", ["notexample.com", "example.com.au"], []],
    ["example-dev.com", ["agents.example.com"], []],
  ])("zone %s, domains %j", (zone, domains, expected) => {
    expect(domainsInZone(zone, domains)).toEqual(expected);
  });
});
