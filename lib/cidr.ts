/**
 * IPv4 ranges and what counts as "public". Shared by the config validation, the components and
 * the policy pack, so all three draw the line in the same place. No dependencies.
 */

/** An IPv4 CIDR such as 203.0.113.0/24. */
export const IPV4_CIDR =
  /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;

/** Private networks where cluster, node and VPC addresses live (RFC 1918 and CGNAT). */
export const PRIVATE_RANGES: readonly string[] = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10",
];

/**
 * Ranges a tenant never reaches through a "public" rule: the private networks, link-local (the
 * cloud metadata service at 169.254.169.254), loopback, and addresses that look public but are a
 * cloud host's own: Azure's WireServer (168.63.129.16, reachable from every AKS pod, where node
 * bootstrap credentials have been pulled from), the IETF protocol assignments (192.0.0.0/24)
 * and the benchmarking range some clouds give pods and VPCs (198.18.0.0/15).
 */
export const NON_PUBLIC_RANGES: readonly string[] = [
  ...PRIVATE_RANGES,
  "169.254.0.0/16",
  "127.0.0.0/8",
  "168.63.129.16/32",
  "192.0.0.0/24",
  "198.18.0.0/15",
];

/** Not routable on the internet either: "this network", multicast and reserved. */
const UNROUTABLE: readonly string[] = ["0.0.0.0/8", "224.0.0.0/4", "240.0.0.0/4"];

export interface Range {
  readonly start: number;
  readonly end: number;
}

/** First and last address of a CIDR as unsigned 32-bit numbers; undefined if malformed. */
export function cidrRange(cidr: string): Range | undefined {
  if (!IPV4_CIDR.test(cidr)) return undefined;
  const [ip, bits] = cidr.split("/") as [string, string];
  const n = ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits));
  const start = n - (n % size);
  return { start, end: start + size - 1 };
}

export function overlaps(a: Range, b: Range): boolean {
  return a.start <= b.end && b.start <= a.end;
}

export function contains(outer: Range, inner: Range): boolean {
  return outer.start <= inner.start && inner.end <= outer.end;
}

/** Non-public ranges `cidr` overlaps (empty for a public range, and for one that is not IPv4). */
export function nonPublicOverlaps(cidr: string): string[] {
  const r = cidrRange(cidr);
  if (r === undefined) return [];
  return [...NON_PUBLIC_RANGES, ...UNROUTABLE].filter((x) => overlaps(r, cidrRange(x) as Range));
}

/**
 * Whether a CIDR, minus the `except` ranges, stays public: it is an IPv4 CIDR and every
 * non-public range it overlaps is covered by an exception. Anything else (IPv6, an IPv4-mapped
 * IPv6 block, a malformed string) is not called public: these ranges say nothing about it.
 */
export function isPublicExcept(cidr: string, except: readonly string[] = []): boolean {
  if (cidrRange(cidr) === undefined) return false;
  const holes = except.map(cidrRange).filter((x): x is Range => x !== undefined);
  return nonPublicOverlaps(cidr)
    .filter((x) => !UNROUTABLE.includes(x))
    .every((x) => holes.some((h) => contains(h, cidrRange(x) as Range)));
}

/** The private range that contains `cidr` entirely, if any. */
export function privateRangeOf(cidr: string): string | undefined {
  const r = cidrRange(cidr);
  if (r === undefined) return undefined;
  return PRIVATE_RANGES.find((p) => contains(cidrRange(p) as Range, r));
}
