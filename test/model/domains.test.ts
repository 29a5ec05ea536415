import { describe, expect, it } from "vitest";
import {
  DomainClaims,
  domainIssues,
  domainRelation,
  recordCovers,
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
    ["a sibling", [["acme", "chat.acme.com"]], "globex", "docs.acme.com", undefined],
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
