import { describe, expect, it } from "vitest";
import { customDomainZoneProblem, zoneFor } from "../../model/rules/custom-domain-zones";

const ZONES = {
  "acme.com": "a".repeat(32),
  "shop.acme.com": "b".repeat(32),
  "globex.io": "c".repeat(32),
};

describe("zoneFor", () => {
  it.each([
    ["bot.shop.acme.com", { name: "shop.acme.com", id: "b".repeat(32) }],
    ["shop.acme.com", { name: "shop.acme.com", id: "b".repeat(32) }],
    ["acme.com", { name: "acme.com", id: "a".repeat(32) }],
    ["agents.acme.com", { name: "acme.com", id: "a".repeat(32) }],
    ["notacme.com", undefined],
    ["acme.com.evil.net", undefined],
  ])("%s is in %j", (hostname, expected) => {
    expect(zoneFor(hostname, ZONES)).toEqual(expected);
  });
});

describe("customDomainZoneProblem", () => {
  const config = {
    zones: "dns.customDomainZones",
    useCustomHostnames: "dns.customDomains: cloudflare-for-saas",
  };
  it.each([
    ["ai.globex.io", ZONES, undefined],
    [
      "agents.initech.com",
      ZONES,
      "no zone in dns.customDomainZones contains it (zones: acme.com, shop.acme.com, globex.io); add its zone or use dns.customDomains: cloudflare-for-saas",
    ],
    [
      "agents.acme.com",
      {},
      "no zone in dns.customDomainZones contains it (zones: none); add its zone or use dns.customDomains: cloudflare-for-saas",
    ],
  ])("%s", (hostname, zones, expected) => {
    expect(customDomainZoneProblem(hostname, zones, config)).toBe(expected);
  });
});
