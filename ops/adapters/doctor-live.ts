/**
 * The live side of `doctor`: the certificate the proxy really serves, and the records the
 * Cloudflare zone really holds when names are proxied (they resolve to Cloudflare, not to us).
 */
import { servedCertificateChecks } from "../plans/cert-checks";
import { certTargets, domainOf, probeTargets, tlsExpectationOf } from "../plans/cert-targets";
import type { CloudflareZone, ZoneRecord } from "./cloudflare-zone";
import { type OpsContext, tlsProbe } from "../context";
import type { Check } from "../plans/doctor-checks";
import type { StackConfig } from "../engine";
import { sectionOf } from "../stack-config";
import type { TenantOutput } from "../stack-outputs";

/** Served-certificate checks against the proxy's address on 443. */
export async function servedCertificateDoctorChecks(
  ctx: OpsContext,
  config: StackConfig,
  tenants: readonly TenantOutput[],
  proxy: string,
  timeoutMs: number,
): Promise<Check[]> {
  const expected = tlsExpectationOf(config);
  const dns = sectionOf(config, "dns");
  // Cloudflare for SaaS serves custom hostnames with its own edge certificate and checks the
  // origin's against the platform domain (the fallback origin): the proxy need not cover them.
  const saas =
    dns.provider === "cloudflare" &&
    dns.proxied !== false &&
    (dns.customDomains ?? "cloudflare-for-saas") === "cloudflare-for-saas";
  const all = certTargets(config, tenants);
  const targets = saas ? all.filter((t) => t.role === "platform") : all;
  const findings = await probeTargets(
    tlsProbe(ctx),
    proxy,
    443,
    targets,
    expected,
    ctx.now(),
    timeoutMs,
  );
  const skipped: Check[] =
    saas && all.length > targets.length
      ? [
          {
            status: "skip",
            area: "tls",
            detail: `${all.length - targets.length} custom domains are served by Cloudflare for SaaS with Cloudflare's certificate; the proxy's must cover only the platform domain`,
          },
        ]
      : [];
  return [...servedCertificateChecks(findings, expected, `${proxy}:443`), ...skipped];
}

const ADDRESS_TYPES = new Set(["A", "AAAA", "CNAME"]);

/**
 * The live zone against the platform: `*.{domain}` must exist and point at the proxy, proxied
 * as configured, and no record for a name under the domain may point elsewhere (a specific
 * record shadows the wildcard for that tenant).
 */
export function liveZoneChecks(
  records: readonly ZoneRecord[],
  domain: string,
  proxy: string,
  proxied: boolean,
): Check[] {
  const wildcard = `*.${domain}`;
  const relevant = records.filter(
    (r) => ADDRESS_TYPES.has(r.type) && (r.name === domain || r.name.endsWith(`.${domain}`)),
  );
  const checks: Check[] = [];
  const wild = relevant.filter((r) => r.name === wildcard);
  if (wild.length === 0) {
    checks.push({
      status: "fail",
      area: "dns",
      detail: `the live zone has no record ${wildcard}; tenants' names do not resolve (deploy publishes it, or someone deleted it in the dashboard)`,
    });
  }
  for (const record of relevant) {
    if (record.content !== proxy) {
      checks.push({
        status: "fail",
        area: "dns",
        detail:
          record.name === wildcard
            ? `live record ${record.name} ${record.type} → ${record.content}, not the proxy (${proxy}); every tenant goes there`
            : `live record ${record.name} ${record.type} → ${record.content}, not the proxy (${proxy}); it shadows ${wildcard} for that name (remove it, or point it at the proxy)`,
      });
    } else if (record.proxied !== proxied) {
      checks.push({
        status: "warn",
        area: "dns",
        detail: `live record ${record.name} is ${record.proxied ? "" : "not "}proxied, but dns.proxied is ${proxied}; the next deploy sets it back`,
      });
    } else if (record.name === wildcard) {
      checks.push({
        status: "pass",
        area: "dns",
        detail: `live record ${record.name} ${record.type} → ${record.content} (the proxy${record.proxied ? ", proxied by Cloudflare" : ""})`,
      });
    }
  }
  return checks;
}

/** Reads the zone and checks it; an API failure is a failed check that says why. */
export async function liveZoneDoctorChecks(
  zone: CloudflareZone,
  zoneId: string,
  config: StackConfig,
  proxy: string,
  proxied: boolean,
): Promise<Check[]> {
  const domain = domainOf(config);
  if (domain === undefined)
    return [
      { status: "skip", area: "dns", detail: "no agent-cloud:domain to look up in the zone" },
    ];
  try {
    return liveZoneChecks(await zone.records(zoneId), domain, proxy, proxied);
  } catch (error) {
    return [
      {
        status: "fail",
        area: "dns",
        detail: `cannot read the live zone ${zoneId}: ${(error as Error).message} (the token in CLOUDFLARE_API_TOKEN needs Zone → DNS → Read)`,
      },
    ];
  }
}
