import { describe, expect, it } from "vitest";
import {
  DomainClaims,
  domainIssues,
  domainRelation,
  recordCovers,
  registrableDomain,
} from "../../model/rules/domains";

describe("domainRelation", () => {
  it.each([
    ["acme.com", "acme.com", "equal"],
    ["ACME.com.", "acme.com", "equal"],
    ["chat.acme.com", "acme.com", "under"],
    ["acme.com", "chat.acme.com", "above"],
    ["notacme.com", "acme.com", undefined],
    ["acme.com.evil.net", "acme.com", undefined],
  ] as const)("%s vs %s: %s", (a, b, expected) => {
    expect(domainRelation(a, b)).toBe(expected);
  });
});

describe("registrableDomain (the Public Suffix List, private entries included)", () => {
  it.each([
    ["sales.bigco.com", "bigco.com"],
    ["Sales.BigCo.com.", "bigco.com"],
    ["bigco.com", "bigco.com"],
    ["x.a.co.uk", "a.co.uk"],
    ["b.corp.test", "corp.test"],
    ["x.acme.github.io", "acme.github.io"],
    ["co.uk", undefined],
    ["github.io", undefined],
    ["10.0.0.5", undefined],
  ] as const)("%s: %s", (host, expected) => {
    expect(registrableDomain(host)).toBe(expected);
  });
});

describe("recordCovers", () => {
  it.each([
    ["*.agents.example.com", "acme.agents.example.com", true],
    ["*.agents.example.com", "agents.example.com", false],
    ["*.agents.example.com", "acme.agents.example.com.evil.net", false],
    ["agents.example.com", "agents.example.com.", true],
    ["acme.agents.example.com", "globex.agents.example.com", false],
  ] as const)("%s answers for %s: %s", (name, host, expected) => {
    expect(recordCovers(name, host)).toBe(expected);
  });
});

describe("domainIssues", () => {
  const base = {
    domain: "agents.example.com",
    tenantIds: ["acme", "globex"],
    otherEnvironmentDomains: ["staging.example.net", "agents-dev.acme-corp.com"],
  };
  const claim = (tenantId: string, hostname: string) => ({ tenantId, hostname });

  it("accepts unrelated domains, and one tenant's apex beside its own subdomain", () => {
    expect(
      domainIssues({
        ...base,
        customDomains: [
          claim("acme", "acme.com"),
          claim("acme", "www.acme.com"),
          claim("globex", "globex.io"),
        ],
      }),
    ).toEqual([]);
  });

  it.each([
    ["equal to the platform domain", "agents.example.com", /must not be under the platform domain/],
    ["under the platform domain", "x.agents.example.com", /must not be under the platform domain/],
    ["above the platform domain", "example.com", /must not be above the platform domain/],
    ["another environment's domain", "staging.example.net", /equal to staging.example.net/],
    ["under another environment's", "x.staging.example.net", /is under staging.example.net/],
    ["above another environment's", "acme-corp.com", /is above agents-dev.acme-corp.com/],
  ])("refuses a custom domain %s", (_, hostname, message) => {
    const issues = domainIssues({ ...base, customDomains: [claim("globex", hostname)] });
    expect(issues).toEqual([{ customDomain: 0, message: expect.stringMatching(message) }]);
  });

  it.each([
    ["the same domain", "chat.acme.io", /already claimed by tenant "acme"/],
    ["a child of it", "eu.chat.acme.io", /is under chat.acme.io, claimed by tenant "acme"/],
    ["a parent of it", "acme.io", /is above chat.acme.io, claimed by tenant "acme"/],
  ])("refuses another tenant's %s", (_, hostname, message) => {
    const issues = domainIssues({
      ...base,
      customDomains: [claim("acme", "chat.acme.io"), claim("globex", hostname)],
    });
    expect(issues).toEqual([{ customDomain: 1, message: expect.stringMatching(message) }]);
  });

  /** What a custom domain in another tenant's registrable domain is told. */
  const sameSite = (site: string, other: string, tenant: string) =>
    `shares the registrable domain ${site} with ${other}, claimed by tenant "${tenant}": either tenant could set cookies for ${site} that browsers send to the other; choose a custom domain under a registrable domain no other tenant uses (one tenant's hosts may share one)`;
  /** What a custom domain in another environment's registrable domain is told. */
  const otherEnvironmentSite = (site: string, other: string) =>
    `shares the registrable domain ${site} with ${other}, which another environment serves (otherEnvironmentDomains): either could set cookies for ${site} that browsers send to the other; choose a custom domain under a registrable domain no other environment uses`;

  // A host may set a cookie for its registrable domain, which browsers send to every host under
  // it: two tenants (or environments) there could plant cookies in each other (red team).
  it.each<[string, [string, string][], string[], { customDomain: number; message: string }[]]>([
    [
      "two tenants' siblings (the red team's a.corp.test and b.corp.test)",
      [
        ["acme", "a.corp.test"],
        ["globex", "b.corp.test"],
      ],
      [],
      [{ customDomain: 1, message: sameSite("corp.test", "a.corp.test", "acme") }],
    ],
    [
      "two tenants' siblings under a .com",
      [
        ["acme", "support.bigco.com"],
        ["globex", "sales.bigco.com"],
      ],
      [],
      [{ customDomain: 1, message: sameSite("bigco.com", "support.bigco.com", "acme") }],
    ],
    [
      "two tenants' cousins, any case, with a trailing dot",
      [
        ["acme", "chat.eu.bigco.com"],
        ["globex", "Bot.US.BigCo.com."],
      ],
      [],
      [{ customDomain: 1, message: sameSite("bigco.com", "chat.eu.bigco.com", "acme") }],
    ],
    [
      "another tenant's, after a tenant's own several hosts",
      [
        ["acme", "support.bigco.com"],
        ["acme", "sales.bigco.com"],
        ["globex", "bot.bigco.com"],
      ],
      [],
      [{ customDomain: 2, message: sameSite("bigco.com", "support.bigco.com", "acme") }],
    ],
    [
      "two tenants under one registrable domain of a private suffix",
      [
        ["acme", "www.acme.github.io"],
        ["globex", "docs.acme.github.io"],
      ],
      [],
      [{ customDomain: 1, message: sameSite("acme.github.io", "www.acme.github.io", "acme") }],
    ],
    [
      "a sibling of another environment's domain",
      [["globex", "sales.bigco.com"]],
      ["bot.bigco.com"],
      [{ customDomain: 0, message: otherEnvironmentSite("bigco.com", "bot.bigco.com") }],
    ],
    [
      "the red team's config: two tenants' siblings of another environment's domain",
      [
        ["acme", "support.bigco.com"],
        ["globex", "sales.bigco.com"],
      ],
      ["bot.bigco.com"],
      [
        { customDomain: 0, message: otherEnvironmentSite("bigco.com", "bot.bigco.com") },
        { customDomain: 1, message: otherEnvironmentSite("bigco.com", "bot.bigco.com") },
      ],
    ],
    [
      "a domain under the registrable domain of another environment's platform domain",
      [["acme", "help.example.net"]],
      ["staging.example.net"],
      [{ customDomain: 0, message: otherEnvironmentSite("example.net", "staging.example.net") }],
    ],
    // Allowed: the tenant only plants cookies in itself, or the names are different sites.
    [
      "one tenant's several hosts, and its apex",
      [
        ["acme", "support.bigco.com"],
        ["acme", "sales.bigco.com"],
        ["acme", "bigco.com"],
      ],
      [],
      [],
    ],
    [
      "two tenants under one public suffix (a.co.uk, b.co.uk)",
      [
        ["acme", "a.co.uk"],
        ["globex", "b.co.uk"],
      ],
      [],
      [],
    ],
    [
      "two tenants under a private suffix (acme.github.io, globex.github.io)",
      [
        ["acme", "acme.github.io"],
        ["globex", "www.globex.github.io"],
      ],
      [],
      [],
    ],
    [
      "unrelated domains, and another environment's in another registrable domain",
      [
        ["acme", "agents.acme.com"],
        ["globex", "globex.io"],
      ],
      ["bot.acme.co.uk", "acme.io"],
      [],
    ],
  ])("registrable domains: %s", (_, claims, otherEnvironmentDomains, expected) => {
    expect(
      domainIssues({
        ...base,
        otherEnvironmentDomains,
        customDomains: claims.map(([tenantId, hostname]) => claim(tenantId, hostname)),
      }),
    ).toEqual(expected);
  });

  it("refuses a tenant whose own host is another environment's domain, and a shared platform domain", () => {
    expect(
      domainIssues({
        ...base,
        domain: "agents.example.com",
        tenantIds: ["dev", "acme"],
        customDomains: [],
        otherEnvironmentDomains: ["dev.agents.example.com", "agents.example.com"],
      }),
    ).toEqual([
      { platformDomain: true, message: expect.stringMatching(/also served by another/) },
      { tenantId: "dev", message: expect.stringMatching(/host dev.agents.example.com/) },
    ]);
  });
});

describe("DomainClaims", () => {
  /** Claims `[tenant, host]` in order, then asks what `host` meets for `tenant`. */
  const conflictAfter = (claims: [string, string][], tenant: string, host: string) => {
    const index = new DomainClaims();
    for (const [tenantId, hostname] of claims) index.add({ tenantId, hostname });
    const found = index.conflict(host, tenant);
    return found === undefined
      ? undefined
      : `${found.relation} ${found.claim.tenantId}:${found.claim.hostname}`;
  };

  it.each<[string, [string, string][], string, string, string | undefined]>([
    ["nothing claimed", [], "acme", "acme.com", undefined],
    [
      "the same name, another tenant",
      [["acme", "acme.com"]],
      "globex",
      "ACME.com.",
      "equal acme:acme.com",
    ],
    [
      "the same name, the same tenant",
      [["acme", "acme.com"]],
      "acme",
      "acme.com",
      "equal acme:acme.com",
    ],
    [
      "under another tenant's",
      [["acme", "acme.com"]],
      "globex",
      "login.acme.com",
      "under acme:acme.com",
    ],
    [
      "deep under another tenant's",
      [["acme", "acme.com"]],
      "globex",
      "a.b.acme.com",
      "under acme:acme.com",
    ],
    [
      "above another tenant's",
      [["acme", "chat.acme.com"]],
      "globex",
      "acme.com",
      "above acme:chat.acme.com",
    ],
    ["under its own apex", [["acme", "acme.com"]], "acme", "chat.acme.com", undefined],
    ["above its own subdomain", [["acme", "chat.acme.com"]], "acme", "acme.com", undefined],
    [
      "above its own subdomain and another tenant's beside it",
      [
        ["acme", "chat.acme.com"],
        ["globex", "docs.acme.com"],
      ],
      "acme",
      "acme.com",
      "above globex:docs.acme.com",
    ],
    [
      "a sibling",
      [["acme", "chat.acme.com"]],
      "globex",
      "docs.acme.com",
      "sameRegistrableDomain acme:chat.acme.com",
    ],
    [
      "a sibling, after its own claim there and another tenant's",
      [
        ["acme", "chat.acme.com"],
        ["globex", "docs.acme.com"],
      ],
      "acme",
      "www.acme.com",
      "sameRegistrableDomain globex:docs.acme.com",
    ],
    ["its own sibling", [["acme", "chat.acme.com"]], "acme", "docs.acme.com", undefined],
    ["a sibling under a public suffix", [["acme", "a.co.uk"]], "globex", "b.co.uk", undefined],
    [
      "a sibling under a private suffix",
      [["acme", "acme.github.io"]],
      "globex",
      "globex.github.io",
      undefined,
    ],
    [
      "a longer name that only ends alike",
      [["acme", "acme.com"]],
      "globex",
      "notacme.com",
      undefined,
    ],
  ])("%s", (_, claims, tenant, host, expected) => {
    expect(conflictAfter(claims, tenant, host)).toBe(expected);
  });
});
