import { describe, expect, it } from "vitest";
import { isDnsName, isHostName } from "../../model/names";

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
