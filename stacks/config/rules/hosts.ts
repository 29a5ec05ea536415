/**
 * Hosts and custom domains. Which hosts a tenant may claim is one rule (model/rules/domains.ts)
 * shared with the DNS component; with `dns.customDomains: zone-records`, each custom domain must
 * also sit in a zone listed under `dns.customDomainZones` (model/rules/custom-domain-zones.ts, also
 * shared with the DNS component).
 */
import { type DomainIssue, domainIssues } from "../../../model/rules/domains";
import { customDomainZoneProblem } from "../../../model/rules/custom-domain-zones";
import type { ConfigIssue } from "../errors";
import { configIssue, type RuleContext, type TenantAt } from "./rule";

/** Every claimed host checked once: issues about the whole config, and per custom domain. */
export interface HostCheck {
  /** The platform domain's and tenant ids' own hosts, in the order domainIssues gives them. */
  readonly platformIssues: readonly ConfigIssue[];
  /** One tenant's custom domains (runs among the tenant rules). */
  readonly customDomainIssues: (tenant: TenantAt) => ConfigIssue[];
}

export function checkHosts(context: RuleContext): HostCheck {
  const { config, valid } = context;
  const claims = context.tenants.flatMap(({ tenant, position }) =>
    tenant.customDomains.map((hostname, nth) => ({
      tenantId: tenant.id,
      hostname,
      key: claimKey(position, nth),
    })),
  );
  const problems: DomainIssue[] = valid("domain", "otherEnvironmentDomains")
    ? domainIssues({
        domain: config.domain,
        tenantIds: config.tenants.map((tenant) => tenant.id),
        customDomains: claims,
        otherEnvironmentDomains: config.otherEnvironmentDomains,
      })
    : [];
  const claimProblems = new Map<string, string>();
  const platformIssues: ConfigIssue[] = [];
  for (const problem of problems) {
    if ("customDomain" in problem) {
      claimProblems.set(claims[problem.customDomain]?.key ?? "", problem.message);
    } else if ("platformDomain" in problem) {
      platformIssues.push(configIssue("domain", config.domain, problem.message));
    } else {
      const owner = context.tenants.find(({ tenant }) => tenant.id === problem.tenantId);
      platformIssues.push(
        configIssue(`${owner?.path ?? "tenants[-1]"}.id`, problem.tenantId, problem.message),
      );
    }
  }
  return {
    platformIssues,
    customDomainIssues: ({ tenant, position, path }) =>
      tenant.customDomains.flatMap((hostname, nth) => {
        const at = `${path}.customDomains[${nth}]`;
        const problem = claimProblems.get(claimKey(position, nth));
        if (problem !== undefined) return [configIssue(at, hostname, problem)];
        return customDomainZoneIssues(at, hostname, context);
      }),
  };
}

function claimKey(position: number, nth: number): string {
  return `${position}/${nth}`;
}

/** With zone-records, a custom domain needs a managed zone that contains it. */
function customDomainZoneIssues(
  path: string,
  hostname: string,
  { config, valid }: RuleContext,
): ConfigIssue[] {
  if (!valid("dns") || config.dns.provider !== "cloudflare") return [];
  if (config.dns.customDomains !== "zone-records") return [];
  const problem = customDomainZoneProblem(hostname, config.dns.customDomainZones, {
    zones: "dns.customDomainZones",
    useCustomHostnames: "dns.customDomains: cloudflare-for-saas",
  });
  return problem === undefined ? [] : [configIssue(path, hostname, problem)];
}
