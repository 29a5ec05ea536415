import { describe, expect, it } from "vitest";
import { ipv6NetworkPatterns } from "../../components/edge/nginx/client-key";

/** What nginx's map does with the patterns: the first that matches, its captures filled in. */
function networkOf(address: string): string | undefined {
  for (const [pattern, key] of ipv6NetworkPatterns()) {
    const found = new RegExp(pattern).exec(address);
    if (found !== null) {
      return key.replace(/\$([a-z0-9_]+)/g, (_, name: string) => found.groups?.[name] ?? "");
    }
  }
  return undefined;
}

/** nginx's canonical text of an IPv6 address, which the WHATWG URL serializer writes the same way. */
const canonical = (full: string) => new URL(`http://[${full}]/`).hostname.slice(1, -1);

describe("the /64 an IPv6 client is counted by (client-key.ts)", () => {
  it.each([
    ["2001:db8:1:2::1", "2001:db8:1:2"],
    ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2"],
    ["2001:db8:1:2::", "2001:db8:1:2"],
    ["2001:db8:1::5", "2001:db8:1:0"],
    ["2001:db8::1", "2001:db8:0:0"],
    ["2001:db8::1:2:3:4", "2001:db8:0:0"],
    ["2001::1:2:3:4:5", "2001:0:0:1"],
    ["fe80::1:2:3:4", "fe80:0:0:0"],
    ["::1", "0:0:0:0"],
    ["::", "0:0:0:0"],
    ["::1:2:3:4:5", "0:0:0:1"],
    ["::1:2:3:4:5:6", "0:0:1:2"],
    // An IPv4-mapped address: no pattern reads it, so the whole address is the key.
    ["::ffff:192.0.2.1", undefined],
  ])("%s: %s", (address, network) => {
    expect(networkOf(address)).toBe(network);
  });

  it("reads the first four groups of every address, wherever its zero runs fall", () => {
    // Every placement of zero groups in an address whose other groups are 1, 2, …: each is
    // printed as nginx prints it and must give the /64 of its first four groups.
    for (let mask = 0; mask < 256; mask++) {
      const groups = Array.from({ length: 8 }, (_, i) => ((mask >> i) & 1 ? "0" : `${i + 1}a`));
      const text = canonical(groups.join(":"));
      expect([text, networkOf(text)]).toEqual([text, groups.slice(0, 4).join(":")]);
    }
  });
});
