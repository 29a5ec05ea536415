/** lib/cidr.ts: what counts as a public IPv4 range, table-driven. */
import { describe, expect, it } from "vitest";
import { cidrRange, isPublicExcept, NON_PUBLIC_RANGES, nonPublicOverlaps } from "../../lib/cidr";

describe("isPublicExcept", () => {
  it.each<[string, readonly string[], boolean]>([
    ["203.0.113.0/24", [], true],
    ["8.8.8.8/32", [], true],
    ["0.0.0.0/0", [], false],
    ["0.0.0.0/0", NON_PUBLIC_RANGES, true], // what the platform renders for "public internet"
    ["0.0.0.0/0", ["10.0.0.0/8"], false],
    ["10.30.0.0/24", [], false],
    ["169.254.169.254/32", [], false],
    ["127.0.0.1/32", [], false],
    ["100.64.0.0/10", [], false],
    // Not IPv4: the IPv4 ranges say nothing about these, so none is public.
    ["::/0", [], false],
    ["fd00:ec2::254/128", [], false], // AWS's IPv6 metadata service
    ["::ffff:169.254.169.254/128", [], false], // the IPv4 metadata address, IPv4-mapped
    ["2001:db8::/32", [], false],
    ["::/0", NON_PUBLIC_RANGES, false],
    ["10.0.0.0/33", [], false],
    ["256.0.0.0/8", [], false],
    ["203.0.113.0", [], false],
    ["", [], false],
  ])("%s except %j: %s", (cidr, except, expected) => {
    expect(isPublicExcept(cidr, except)).toBe(expected);
  });
});

describe("nonPublicOverlaps and cidrRange", () => {
  it.each<[string, string[]]>([
    ["203.0.113.0/24", []],
    ["169.254.169.254/32", ["169.254.0.0/16"]],
    ["0.0.0.0/0", [...NON_PUBLIC_RANGES, "0.0.0.0/8", "224.0.0.0/4", "240.0.0.0/4"]],
    ["::/0", []], // not IPv4: callers check IPV4_CIDR (or isPublicExcept) first
  ])("%s overlaps %j", (cidr, expected) => {
    expect(nonPublicOverlaps(cidr)).toEqual(expected);
  });

  it.each<[string, { start: number; end: number } | undefined]>([
    ["10.0.0.0/8", { start: 10 * 2 ** 24, end: 11 * 2 ** 24 - 1 }],
    ["10.1.2.3/8", { start: 10 * 2 ** 24, end: 11 * 2 ** 24 - 1 }],
    ["0.0.0.0/0", { start: 0, end: 2 ** 32 - 1 }],
    ["::/0", undefined],
    ["fd00:ec2::254/128", undefined],
    ["::ffff:169.254.169.254/128", undefined],
  ])("cidrRange(%s)", (cidr, expected) => {
    expect(cidrRange(cidr)).toEqual(expected);
  });
});
