/**
 * Cloudflare's edge certificate. With proxied records, browsers see the certificate Cloudflare
 * serves, not the proxy's. The free Universal certificate covers only the zone apex and one level
 * below it (`example.com`, `*.example.com`), so tenants at `{id}.{domain}` are covered only when
 * `{domain}` is the zone itself; deeper, the stack must order an Advanced Certificate for
 * `{domain}` and `*.{domain}` (Cloudflare's paid Advanced Certificate Manager) or TLS fails at
 * Cloudflare's edge for every tenant.
 */

export type EdgeCertificate = "universal" | "advanced";

export interface EdgeCertificateInput {
  readonly domain: string;
  readonly proxied: boolean;
  readonly zoneName?: string;
  readonly edgeCertificate: EdgeCertificate;
}

/** What is wrong with the edge certificate choice, as `[config path, message]`, or undefined. */
export function edgeCertificateProblem(c: EdgeCertificateInput): [string, string] | undefined {
  if (!c.proxied) return undefined;
  if (c.zoneName === undefined) {
    return [
      "dns.zoneName",
      `is required when dns.proxied is true: the name of the Cloudflare zone holding ${c.domain} (e.g. ${c.domain.split(".").slice(-2).join(".")}), so the stack can tell whether Cloudflare's edge certificate covers *.${c.domain}`,
    ];
  }
  if (c.domain !== c.zoneName && !c.domain.endsWith(`.${c.zoneName}`)) {
    return ["dns.zoneName", `must be ${c.domain} or a parent of it (the zone that holds it)`];
  }
  if (c.domain !== c.zoneName && c.edgeCertificate === "universal") {
    return [
      "dns.edgeCertificate",
      `Cloudflare's free Universal certificate covers only ${c.zoneName} and *.${c.zoneName}, not the tenants' *.${c.domain}: TLS would fail at Cloudflare's edge. Set dns.edgeCertificate: advanced (the stack orders an Advanced Certificate for ${c.domain} and *.${c.domain}; the zone needs Advanced Certificate Manager, a paid add-on), or serve tenants one level below the zone (domain: ${c.zoneName})`,
    ];
  }
  return undefined;
}

/** Host names an Advanced Certificate needs: the zone apex (Cloudflare requires it), the domain and its wildcard. */
export function advancedCertificateHosts(zoneName: string, domain: string): string[] {
  return [...new Set([zoneName, domain, `*.${domain}`])];
}
