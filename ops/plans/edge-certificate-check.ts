/**
 * `doctor`'s check of Cloudflare's edge certificate: with proxied records, browsers get the
 * certificate Cloudflare serves, and its free Universal one covers only the zone and one level
 * below it (model/edge-certificate.ts). Read from the stack file, so a stack deployed
 * before the rule existed is caught too.
 */
import { edgeCertificateProblem, type EdgeCertificate } from "../../model/edge-certificate";
import type { Check } from "./doctor-checks";
import type { StackConfig } from "../engine";
import { KEY, sectionOf } from "../stack-config";

export function edgeCertificateChecks(config: StackConfig): Check[] {
  const dns = sectionOf(config, "dns");
  const domain = config[KEY.domain];
  if (dns.provider !== "cloudflare" || typeof domain !== "string") return [];
  const proxied = dns.proxied !== false;
  if (!proxied) return [];
  const edgeCertificate: EdgeCertificate =
    dns.edgeCertificate === "advanced" ? "advanced" : "universal";
  const zoneName = typeof dns.zoneName === "string" ? dns.zoneName : undefined;
  const problem = edgeCertificateProblem({ domain, proxied, zoneName, edgeCertificate });
  if (problem !== undefined)
    return [
      { status: "fail", area: "tls", detail: `Cloudflare edge: ${problem[0]}: ${problem[1]}` },
    ];
  return [
    {
      status: "pass",
      area: "tls",
      detail:
        edgeCertificate === "advanced"
          ? `Cloudflare edge: an Advanced Certificate covers ${domain} and *.${domain}`
          : `Cloudflare edge: the Universal certificate covers *.${domain} (${domain} is the zone)`,
    },
  ];
}
