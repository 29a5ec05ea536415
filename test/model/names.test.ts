import { describe, expect, it } from "vitest";
import { isDnsName, isHostName, tenantNamespace, tenantOfName } from "../../model/names";

describe("isHostName and isDnsName", () => {
  it.each([
    // value, a host name, a DNS name (two labels or more)
    ["pg.example.com", true, true],
    ["cluster.local", true, true],
    ["pg", true, false],
    ["localhost", true, false],
    ["pg-1.internal", true, true],
    ["10.0.0.5", false, false],
    ["10.0.0.256", false, false],
    ["1password.com", true, true],
    ["Cluster.Local", false, false],
    ["PG", false, false],
    ["pg_1.example.com", false, false],
    ["-pg.example.com", false, false],
    ["pg-.example.com", false, false],
    ["pg..example.com", false, false],
    ["pg.example.com.", false, false],
    ["pg.example.com:5432", false, false],
    ["postgres://pg.example.com:5432/postgres", false, false],
    ["2001:db8::5", false, false],
    ["", false, false],
    [`${"a".repeat(63)}.com`, true, true],
    [`${"a".repeat(64)}.com`, false, false],
    [`${"a.".repeat(125)}abc`, true, true], // 253 characters
    [`${"a.".repeat(125)}abcd`, false, false], // 254 characters
  ])("%j: host %s, DNS name %s", (value, host, dns) => {
    expect([isHostName(value), isDnsName(value)]).toEqual([host, dns]);
  });
});

describe("tenantOfName", () => {
  it.each([
    // name, the tenant id it is built from (undefined: no tenant's)
    ["dev-tenant-acme", "acme"],
    ["dev-tenant-tenant-acme", "tenant-acme"],
    ["dev-tenant-acme-tenant-globex", "acme-tenant-globex"],
    ["dev-tenant-big-acme", "big-acme"],
    ["tenant-tenant-acme", "acme"], // an environment named "tenant"
    ["prod2-tenant-a", "a"],
    ["dev-tenant-", undefined],
    ["dev-tenant", undefined],
    ["dev-edge", undefined],
    ["dev-database", undefined],
    ["dev-x-tenant-acme", undefined], // an environment holds no '-'
    ["Dev-tenant-acme", undefined],
    ["2dev-tenant-acme", undefined],
    ["-tenant-acme", undefined],
    ["acme", undefined],
    ["dev-tenant-Acme", undefined],
    ["dev-tenant-acme-", undefined],
    ["", undefined],
  ])("%j → %j", (name, id) => {
    expect(tenantOfName(name)).toBe(id);
  });

  it.each([
    ["dev", "acme"],
    ["dev", "tenant-acme"],
    ["prod", "a-tenant-b"],
    ["tenant", "tenant"],
  ])("reads back tenantNamespace(%j, %j)", (environment, id) => {
    expect(tenantOfName(tenantNamespace(environment, id))).toBe(id);
  });
});
