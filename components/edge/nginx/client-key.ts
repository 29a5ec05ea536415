/**
 * Which client the per-client limits count (limits.ts): an IPv4 client by its address, an IPv6
 * client by its /64. One host, home or cloud instance is handed a whole /64 and may send from any
 * address in it, so keyed by the address each request could be a new client (the red team's 30
 * requests from one /64 got 29 answers where one address got 3). Cloudflare forwards IPv6 clients'
 * addresses as they are (`CF-Connecting-IP`), and rate-limits IPv6 by /64 itself.
 *
 * `geo` sorts IPv4 from IPv6 by a lookup, so an IPv4 request runs no regular expression. An
 * IPv6 address is read from `$remote_addr`, which nginx prints in its canonical form (lowercase,
 * no leading zeros, the longest run of two or more zero groups as `::`; real_ip re-prints a
 * forwarded address the same way), by the patterns of {@link ipv6NetworkPatterns}. A form they
 * do not read (an IPv4-mapped address, `::ffff:192.0.2.1`) is keyed by the whole address.
 */

/** One hexadecimal group of a canonical IPv6 address. */
const GROUP = "[0-9a-f]{1,4}";

/** `count` groups joined by `:` (empty for 0). */
const groups = (count: number) => Array.from({ length: count }, () => GROUP).join(":");

/** The variable holding the /64 an address pattern read (its first four groups, zeros written out). */
const NET = "edge_client_v6_net";
/** The variable holding the groups after `::` that still fall within the /64. */
const TAIL = "edge_client_v6_tail";

/**
 * `[pattern, key]` pairs that read the /64 of a canonical IPv6 address as its first four groups
 * (`2001:db8:0:1`), in the order nginx tries them. With `b` groups before a `::` that stands
 * for at least two zero groups and `a` after it, the /64 is the `b` groups, then zeros, then the
 * first `a - 4` groups after the `::` when `a` is over 4.
 */
export function ipv6NetworkPatterns(): (readonly [string, string])[] {
  const patterns: (readonly [string, string])[] = [
    // No `::` among the first four groups.
    [`^(?<${NET}>${groups(4)}):`, `$${NET}`],
  ];
  for (let before = 0; before <= 3; before++) {
    const head = before === 0 ? "" : `(?<${NET}>${groups(before)})`;
    const written = before === 0 ? [] : [`$${NET}`];
    // Up to four groups after the `::`: all of them are the interface's.
    patterns.push([
      `^${head}::(?:${GROUP}(?::${GROUP}){0,3})?$`,
      [...written, ...Array<string>(4 - before).fill("0")].join(":"),
    ]);
    // More than four after it: the first `after - 4` belong to the /64. The `::` stands for
    // 8 - before - after groups, at least two.
    for (let after = 5; before + after <= 6; after++) {
      const inNet = after - 4;
      patterns.push([
        `^${head}::(?<${TAIL}>${groups(inNet)})(?::${GROUP}){4}$`,
        [...written, ...Array<string>(4 - before - inNet).fill("0"), `$${TAIL}`].join(":"),
      ]);
    }
  }
  return patterns;
}

/** The variable the per-client limit zones are keyed by. */
export const CLIENT_KEY = "$edge_client_key";

/** `http {}` lines that define {@link CLIENT_KEY}. */
export function clientKeyHttpLines(): string[] {
  return [
    // No `default`: it would set ::/0 too (nginx warns "duplicate network"); an IPv4 client
    // gets geo's own default, "".
    "geo $edge_client_family {",
    "  ::/0 ipv6;",
    "}",
    `map $edge_client_family ${CLIENT_KEY} {`,
    "  default $binary_remote_addr;",
    "  ipv6 $edge_client_v6;",
    "}",
    "map $remote_addr $edge_client_v6 {",
    // A form no pattern reads: the address itself (16 bytes).
    "  default $binary_remote_addr;",
    ...ipv6NetworkPatterns().map(([pattern, key]) => `  "~${pattern}" "${key}";`),
    "}",
  ];
}
