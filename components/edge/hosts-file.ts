/**
 * Hosts-file lines for stacks with no DNS provider (the `local` stack): the user pastes them into
 * /etc/hosts so every tenant host reaches the proxy on this machine. Pure, so the stack can
 * output it and tests can table-drive it.
 */
import { isIP } from "node:net";
import { isDnsName } from "../../model/names";

/**
 * One `{address} {host}` line per host, lowercased, deduplicated and sorted, so the output is
 * the same whatever order tenants are listed in.
 *
 * @param address the proxy's IP address (IPv4 or IPv6), e.g. `127.0.0.1`.
 * @param hosts every host to map: tenant hosts `{id}.{domain}` and their custom domains.
 * @throws if `address` is not an IP address, or a host is not a DNS name (hosts files match
 *   exact names only, so a wildcard such as `*.agents.localhost` is refused, not written).
 */
export function hostsFileLines(address: string, hosts: readonly string[]): string[] {
  if (isIP(address) === 0) {
    throw new Error(
      `hostsFileLines: address ${JSON.stringify(address)} must be an IP address such as 127.0.0.1; a hosts file cannot map a name to a name`,
    );
  }
  const unique = new Set<string>();
  hosts.forEach((raw, i) => {
    // A trailing dot and upper case are the same name to a resolver; normalise so they dedupe.
    const host = raw.trim().toLowerCase().replace(/\.$/, "");
    if (host.includes("*")) {
      throw new Error(
        `hostsFileLines: hosts[${i}] ${JSON.stringify(raw)}: a hosts file cannot hold wildcards; list each tenant host instead`,
      );
    }
    if (!isDnsName(host)) {
      throw new Error(
        `hostsFileLines: hosts[${i}] ${JSON.stringify(raw)}: must be a DNS name such as acme.agents.localhost`,
      );
    }
    unique.add(host);
  });
  return [...unique].sort().map((host) => `${address} ${host}`);
}
