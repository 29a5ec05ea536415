import { describe, expect, expectTypeOf, it } from "vitest";
import type { RawPlatformConfig } from "../../model/config-schema";
import type { StackConfig } from "../../ops/engine";
import {
  configKey,
  dnsModeOf,
  healthPathOf,
  KEY,
  sectionOf,
  tenantsOf,
  type ConfigSection,
  type TenantEntry,
} from "../../ops/stack-config";

type RawTenant = NonNullable<RawPlatformConfig["tenants"]>[number];

describe("the stack-file reader, derived from the schema's input type", () => {
  it("names only fields the schema has (checked by tsc: a renamed field fails here)", () => {
    expectTypeOf<keyof TenantEntry>().toExtend<keyof RawTenant>();
    expectTypeOf<TenantEntry["image"]>().toEqualTypeOf<RawTenant["image"]>();
    expectTypeOf<TenantEntry["agentConfig"]>().toEqualTypeOf<RawTenant["agentConfig"]>();
    expectTypeOf<keyof ConfigSection<"dns">>().toEqualTypeOf<
      | "provider"
      | "zoneId"
      | "proxied"
      | "zoneName"
      | "edgeCertificate"
      | "apex"
      | "ttl"
      | "customDomains"
      | "customDomainZones"
      | "ownsFallbackOrigin"
    >();
    // @ts-expect-error: not a key of the schema
    configKey("tenant");
    expect(KEY.tenants).toBe("agent-cloud:tenants");
  });

  it.each([
    ["no tenants key", {}, []],
    ["tenants not a list", { [KEY.tenants]: "acme" }, []],
    [
      "defaults for the lists, entries without an id skipped",
      { [KEY.tenants]: [{ id: "acme" }, { plan: "standard" }] },
      [
        {
          id: "acme",
          groups: [],
          customDomains: [],
          agentConfig: undefined,
          image: undefined,
          suspended: undefined,
        },
      ],
    ],
    [
      "every field it reads, wrong kinds read as absent",
      {
        [KEY.tenants]: [
          {
            id: "globex",
            groups: ["beta", 3],
            customDomains: ["chat.globex.test"],
            agentConfig: { model: "claude", secret: { secure: "AAA" } },
            image: "ghcr.io/acme/agent@sha256:" + "a".repeat(64),
            suspended: true,
          },
          { id: "initech", agentConfig: "not an object", image: 7, suspended: "yes" },
        ],
      },
      [
        {
          id: "globex",
          groups: ["beta"],
          customDomains: ["chat.globex.test"],
          agentConfig: { model: "claude", secret: { secure: "AAA" } },
          image: "ghcr.io/acme/agent@sha256:" + "a".repeat(64),
          suspended: true,
        },
        {
          id: "initech",
          groups: [],
          customDomains: [],
          agentConfig: undefined,
          image: undefined,
          suspended: undefined,
        },
      ],
    ],
  ] as [string, StackConfig, TenantEntry[]][])("tenantsOf: %s", (_case, config, tenants) => {
    expect(tenantsOf(config)).toEqual(tenants);
  });

  it.each([
    [{}, "/api/v1/health"],
    [{ [KEY.app]: { healthPath: "/healthz" } }, "/healthz"],
    [{ [KEY.app]: { healthPath: "healthz" } }, "/api/v1/health"],
  ] as [StackConfig, string][])("healthPathOf(%j) is %s (the schema's default)", (config, path) => {
    expect(healthPathOf(config)).toBe(path);
  });

  it.each([
    [{}, { provider: "none", proxied: false }],
    [{ [KEY.dns]: { provider: "cloudflare" } }, { provider: "cloudflare", proxied: true }],
    [
      { [KEY.dns]: { provider: "cloudflare", proxied: false } },
      { provider: "cloudflare", proxied: false },
    ],
  ] as [StackConfig, unknown][])("dnsModeOf(%j)", (config, mode) => {
    expect(dnsModeOf(config)).toEqual(mode);
  });

  it("reads a section as an object, or {} when it is not one", () => {
    expect(sectionOf({ [KEY.database]: { mode: "external", host: "db" } }, "database")).toEqual({
      mode: "external",
      host: "db",
    });
    expect(sectionOf({ [KEY.database]: ["x"] }, "database")).toEqual({});
  });
});
