/**
 * The in-cluster server's admin NodePort (the path `pulumi up` reaches it by) is admitted by the
 * database's NetworkPolicy only from listed sources, so a node port without sources is refused
 * rather than left open or silently closed, and so is a source that opens the admin login to
 * the internet: each source lies inside one private range (a node or Docker network, any width),
 * or is a public range of at most {@link MAX_PUBLIC_ADMIN_SOURCE} addresses (an office's or a
 * VPN's egress). The config validation and SharedDatabase both apply it.
 */
import { cidrRange, PRIVATE_RANGES, privateRangeOf } from "../../lib/cidr";
import type { ConfigProblem } from "./config-problem";

/** The widest public source the admin path admits: /24, 256 addresses. */
export const MAX_PUBLIC_ADMIN_SOURCE = 24;

export interface DatabaseAdminSourcesInput {
  /** The admin Service's node port; undefined means there is no admin path. */
  readonly nodePort?: number;
  readonly adminSourceCidrs: readonly string[];
}

/**
 * Problems with the sources a node port admits: none listed, or one that is neither private nor
 * a narrow public range. Empty when there is no node port or the sources are fine.
 */
export function databaseAdminSourcesProblems(input: DatabaseAdminSourcesInput): ConfigProblem[] {
  if (input.nodePort === undefined) return [];
  if (input.adminSourceCidrs.length === 0) {
    return [
      {
        path: "database.adminSourceCidrs",
        received: [],
        message: `is required with database.nodePort ${input.nodePort}: the database's NetworkPolicy admits the admin path only from these sources (kind: the Docker network, 172.16.0.0/12)`,
      },
    ];
  }
  return input.adminSourceCidrs.flatMap((cidr, nth) => {
    // A /24 or narrower lies inside a private range or outside all of them.
    const narrow = Number(cidr.split("/")[1]) >= MAX_PUBLIC_ADMIN_SOURCE;
    if (cidrRange(cidr) === undefined || privateRangeOf(cidr) !== undefined || narrow) return [];
    return [
      {
        path: `database.adminSourceCidrs[${nth}]`,
        received: cidr,
        message: `would open the database's admin login (node port ${input.nodePort}) to public addresses: it is wider than /${MAX_PUBLIC_ADMIN_SOURCE} and not inside one private range; list private ranges (${PRIVATE_RANGES.join(", ")}) or public ranges no wider than /${MAX_PUBLIC_ADMIN_SOURCE} (your office's or VPN's addresses)`,
      },
    ];
  });
}
