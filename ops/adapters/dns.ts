/** DNS lookups for `doctor`, behind {@link DnsResolver} so tests answer from a table. */
import { promises as dns } from "node:dns";
import { isIP } from "node:net";

/** Resolves names for `doctor`. */
export interface DnsResolver {
  /** The IPv4 and IPv6 addresses a name resolves to (empty when it does not resolve). */
  resolve(host: string): Promise<string[]>;
}

/** Uses the system resolver (`getaddrinfo`), as browsers and tenants' clients do. */
export class SystemDnsResolver implements DnsResolver {
  async resolve(host: string): Promise<string[]> {
    if (isIP(host) !== 0) return [host];
    try {
      const answers = await dns.lookup(host, { all: true });
      return [...new Set(answers.map((a) => a.address))].sort();
    } catch {
      return [];
    }
  }
}
