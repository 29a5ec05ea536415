/**
 * Shard config (stacks/config/shards.ts) and the platform's check of its shards' tenants
 * (stacks/shard-tenants.ts): each case with its exact message.
 */
import { describe, expect, it } from "vitest";
import type { ConfigError } from "../../stacks/config";
import { formatIssue } from "../../stacks/config/errors";
import { BUILTIN_PLANS, parseConfig } from "../../stacks/config";
import { withPlatformSettings } from "../../stacks/config/shards";
import { shardTenantsFrom } from "../../stacks/shard-tenants";

const BASE = {
  environment: "production",
  domain: "agents.example.com",
  dns: {
    provider: "cloudflare",
    zoneId: "0123456789abcdef0123456789abcdef",
    zoneName: "example.com",
    edgeCertificate: "advanced",
  },
  tls: { mode: "cloudflare-origin-ca" },
  database: { mode: "external", host: "pg.internal" },
  image: { ref: `r/x@sha256:${"b".repeat(64)}` },
  databaseAdminPassword: "pw",
};
const SECRET = { secretKeys: ["databaseAdminPassword"] };

function problems(raw: Record<string, unknown>): string[] {
  try {
    parseConfig({ ...BASE, ...raw }, SECRET);
    return [];
  } catch (e) {
    return (e as ConfigError).issues.map((i) => `${i.path} ${i.received ?? "-"}: ${i.message}`);
  }
}

describe("shard config", () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    ["a platform with shards", { shards: ["s01", "s02"] }, []],
    ["a shard", { shard: { name: "s01", platform: "production" } }, []],
    [
      "more tenants than the limit",
      { maxTenantsPerStack: "2", tenants: [{ id: "a1" }, { id: "a2" }, { id: "a3" }] },
      [
        `tenants "3 tenants": a stack holds at most 2 tenants (maxTenantsPerStack); move tenants to shard stacks (README, "Tenant shards")`,
      ],
    ],
    [
      "a shard without its platform",
      { shard: { name: "s01" } },
      ["shard.platform -: is required with shard.name: the platform stack's name"],
    ],
    [
      "a shard that also lists shards",
      { shard: { name: "s01", platform: "production" }, shards: ["s02"] },
      [`shards ["s02"]: a stack is either a platform (shards) or a shard (shard), not both`],
    ],
    [
      "a shard on an in-cluster database",
      {
        environment: "dev",
        database: { mode: "in-cluster" },
        shard: { name: "s01", platform: "dev" },
      },
      [
        `database.mode "in-cluster": shards need an external database: they create their tenants' roles on it with their own databaseAdminPassword`,
      ],
    ],
    ["a shard listed twice", { shards: ["s01", "s01"] }, [`shards[1] "s01": is listed twice`]],
    [
      "a shard name that is not a DNS label",
      { shards: ["S_1"] },
      [
        `shards[0] "S_1": must be a DNS label: a-z, 0-9 and '-', starting with a letter and ending with a letter or digit, at most 20 characters`,
      ],
    ],
  ];
  for (const [name, raw, expected] of cases) {
    it(name, () => expect(problems(raw)).toEqual(expected));
  }

  it("defaults to 250 tenants per stack and no shards", () => {
    const c = parseConfig(BASE, SECRET);
    expect([c.maxTenantsPerStack, c.shards, c.shard]).toEqual([250, [], {}]);
  });

  it("gives a shard its platform's environment-wide settings, over the engine's defaults", () => {
    const platform = {
      ...BASE,
      otherEnvironmentDomains: ["agents.dev.example.com"],
      plans: { tiny: {} },
      tenants: [{ id: "x" }],
      shards: ["s01"],
    };
    const raw = withPlatformSettings(
      { shard: { name: "s01", platform: "production" }, dns: { provider: "none" }, tenants: [] },
      (stack) => (stack === "production" ? platform : undefined),
    );
    expect(raw).toEqual({
      shard: { name: "s01", platform: "production" },
      tenants: [],
      environment: "production",
      domain: "agents.example.com",
      otherEnvironmentDomains: ["agents.dev.example.com"],
      dns: BASE.dns,
      tls: BASE.tls,
      database: BASE.database,
      image: BASE.image,
      plans: { tiny: {} },
    });
    // Any other stack's raw config is left alone.
    const plain = { environment: "dev" };
    expect(withPlatformSettings(plain, () => undefined)).toBe(plain);
  });
});

describe("the platform's check of its shards' tenants", () => {
  const config = {
    domain: "agents.example.com",
    plans: BUILTIN_PLANS,
    tenants: [{ id: "own", hosts: ["own.agents.example.com", "agents.own.com"] }],
  } as never;
  const ok = (id: string, ...custom: string[]) => ({
    hosts: [`${id}.agents.example.com`, ...custom],
    plan: "standard",
    auth: "edge",
  });
  const route = (id: string, hosts: string[]) => ({
    id,
    hosts,
    shard: "s01",
    planName: "standard",
    plan: BUILTIN_PLANS.standard,
    auth: "edge",
    publicPaths: [],
    suspended: false,
  });

  it("returns every tenant with its hosts and shard, and skips a shard never deployed", () => {
    expect(
      shardTenantsFrom(
        [
          { shard: "s01", tenants: { a: ok("a"), b: ok("b", "agents.b.com") } },
          { shard: "s02", tenants: undefined },
        ],
        config,
      ),
    ).toEqual([
      route("a", ["a.agents.example.com"]),
      route("b", ["b.agents.example.com", "agents.b.com"]),
    ]);
  });

  const bad: [string, unknown, string][] = [
    [
      "not a map",
      ["a"],
      `shard s01 output tenants ["a"]: must be a map of tenant id to endpoint; redeploy the shard`,
    ],
    [
      "a bad id",
      { Bad_1: ok("Bad_1") },
      `shard s01 output tenants.Bad_1 "Bad_1": is not a tenant id (a DNS label of at most 40)`,
    ],
    [
      "a reserved id",
      { admin: ok("admin") },
      `shard s01 output tenants.admin "admin": is reserved for the platform`,
    ],
    // nginx `map` keywords: the platform's route table cannot hold them as keys.
    ...["default", "include"].map((id): [string, unknown, string] => [
      `the reserved id ${id} (an nginx map keyword)`,
      { [id]: ok(id) },
      `shard s01 output tenants.${id} "${id}": is reserved for the platform`,
    ]),
    [
      "the platform's own tenant",
      { own: ok("own") },
      `shard s01 output tenants.own "own": is also a tenant of the platform stack; a tenant lives in one stack`,
    ],
    [
      "no hosts",
      { a: {} },
      `shard s01 output tenants.a.hosts: must be a list of host names; redeploy the shard`,
    ],
    [
      "another environment's host",
      { a: { hosts: ["a.dev.example.com"] } },
      `shard s01 output tenants.a.hosts[0] "a.dev.example.com": must be a.agents.example.com: is the shard in this environment?`,
    ],
    [
      "a custom domain under the domain",
      { a: ok("a", "x.agents.example.com") },
      `shard s01 output tenants.a.hosts[1] "x.agents.example.com": must not be under the platform domain agents.example.com (the tenant already has a.agents.example.com)`,
    ],
    [
      "a plan the environment lacks",
      { a: { ...ok("a"), plan: "gold" } },
      `shard s01 output tenants.a.plan "gold": must be a plan of this environment (pro, standard, starter)`,
    ],
    [
      "an unknown auth mode",
      { a: { ...ok("a"), auth: "none" } },
      `shard s01 output tenants.a.auth "none": must be "edge" or "app"; redeploy the shard`,
    ],
    [
      "another tenant's custom domain",
      { a: ok("a", "agents.own.com") },
      `shard s01 output tenants.a.hosts[1] "agents.own.com": is already claimed by tenant "own"; a custom domain belongs to one tenant`,
    ],
    // The nesting rule a stack's own config follows (model/rules/domains.ts).
    [
      "a custom domain under another tenant's",
      { a: ok("a", "login.agents.own.com") },
      `shard s01 output tenants.a.hosts[1] "login.agents.own.com": is under agents.own.com, claimed by tenant "own"; a tenant's domain may not be a parent or child of another tenant's`,
    ],
    [
      "a custom domain above another tenant's",
      { a: ok("a", "own.com") },
      `shard s01 output tenants.a.hosts[1] "own.com": is above agents.own.com, claimed by tenant "own"; a tenant's domain may not be a parent or child of another tenant's`,
    ],
    // And the registrable-domain rule: another tenant could plant cookies for own.com.
    [
      "a custom domain beside another tenant's, in its registrable domain",
      { a: ok("a", "login.own.com") },
      `shard s01 output tenants.a.hosts[1] "login.own.com": shares the registrable domain own.com with agents.own.com, claimed by tenant "own": either tenant could set cookies for own.com that browsers send to the other; choose a custom domain under a registrable domain no other tenant uses (one tenant's hosts may share one)`,
    ],
    [
      "a custom domain listed twice",
      { a: ok("a", "a.com", "a.com") },
      `shard s01 output tenants.a.hosts[2] "a.com": is listed twice for tenant "a"`,
    ],
    [
      "a custom domain that is not a DNS name",
      { a: ok("a", "localhost") },
      `shard s01 output tenants.a.hosts[1] "localhost": must be a custom domain, a DNS name`,
    ],
  ];
  for (const [name, tenants, message] of bad) {
    it(`refuses ${name}`, () => {
      expect(() => shardTenantsFrom([{ shard: "s01", tenants }], config)).toThrow(message);
    });
  }

  it("refuses nesting across shards, and a domain another environment serves", () => {
    expect(() =>
      shardTenantsFrom(
        [
          { shard: "s01", tenants: { a: ok("a", "x.org") } },
          { shard: "s02", tenants: { b: ok("b", "y.x.org") } },
        ],
        config,
      ),
    ).toThrow(
      `shard s02 output tenants.b.hosts[1] "y.x.org": is under x.org, claimed by tenant "a"; a tenant's domain may not be a parent or child of another tenant's`,
    );
    expect(() =>
      shardTenantsFrom([{ shard: "s01", tenants: { a: ok("a", "chat.acme.dev") } }], {
        ...(config as object),
        otherEnvironmentDomains: ["acme.dev"],
      } as never),
    ).toThrow(
      `shard s01 output tenants.a.hosts[1] "chat.acme.dev": is under acme.dev, which another environment serves (otherEnvironmentDomains); a domain belongs to one environment`,
    );
  });

  it("refuses a registrable domain two shards' tenants share, or another environment's, and takes one tenant's several hosts there", () => {
    expect(() =>
      shardTenantsFrom(
        [
          { shard: "s01", tenants: { a: ok("a", "a.corp.test") } },
          { shard: "s02", tenants: { b: ok("b", "b.corp.test") } },
        ],
        config,
      ),
    ).toThrow(
      `shard s02 output tenants.b.hosts[1] "b.corp.test": shares the registrable domain corp.test with a.corp.test, claimed by tenant "a": either tenant could set cookies for corp.test that browsers send to the other; choose a custom domain under a registrable domain no other tenant uses (one tenant's hosts may share one)`,
    );
    expect(() =>
      shardTenantsFrom([{ shard: "s01", tenants: { a: ok("a", "sales.bigco.com") } }], {
        ...(config as object),
        otherEnvironmentDomains: ["bot.bigco.com"],
      } as never),
    ).toThrow(
      `shard s01 output tenants.a.hosts[1] "sales.bigco.com": shares the registrable domain bigco.com with bot.bigco.com, which another environment serves (otherEnvironmentDomains): either could set cookies for bigco.com that browsers send to the other; choose a custom domain under a registrable domain no other environment uses`,
    );
    expect(
      shardTenantsFrom(
        [
          { shard: "s01", tenants: { a: ok("a", "support.bigco.com", "sales.bigco.com") } },
          { shard: "s02", tenants: { b: ok("b", "b.co.uk") } },
        ],
        config,
      ).map((tenant) => tenant.hosts),
    ).toEqual([
      ["a.agents.example.com", "support.bigco.com", "sales.bigco.com"],
      ["b.agents.example.com", "b.co.uk"],
    ]);
  });

  it("refuses, in the same error, a routed tenant whose shard wrote no current API key", () => {
    let error: unknown;
    try {
      shardTenantsFrom(
        [
          {
            shard: "s01",
            tenants: { a: ok("a"), b: ok("b"), c: ok("c") },
            apiKeys: { a: { current: "ac_k1" }, b: { previous: "ac_k0" } },
          },
          { shard: "s02", tenants: { d: ok("d") }, apiKeys: {} },
          { shard: "s03", tenants: { e: { hosts: [] } }, apiKeys: {} },
        ],
        config,
      );
    } catch (e) {
      error = e;
    }
    expect((error as ConfigError).issues.map(formatIssue)).toEqual([
      `shard s01 output apiKeys.b: has no current key for tenant "b"; redeploy the shard`,
      `shard s01 output apiKeys.c: has no current key for tenant "c"; redeploy the shard`,
      `shard s02 output apiKeys.d: has no current key for tenant "d"; redeploy the shard`,
      `shard s03 output tenants.e.hosts[0]: must be e.agents.example.com: is the shard in this environment?`,
    ]);
  });

  it("refuses a tenant two shards both hold", () => {
    expect(() =>
      shardTenantsFrom(
        [
          { shard: "s01", tenants: { a: ok("a") } },
          { shard: "s02", tenants: { a: ok("a") } },
        ],
        config,
      ),
    ).toThrow(
      `shard s02 output tenants.a "a": is also a tenant of shard s01; a tenant lives in one stack`,
    );
  });
});
