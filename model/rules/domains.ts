/**
 * Which host names a tenant may claim: the one rule the config validation (stacks/config) and
 * the DNS component (components/edge/wildcard-dns.ts) both apply, and the name matching the
 * policy pack uses for DNS records. No dependencies.
 *
 * A custom domain may not be equal to, under, or above the platform domain, another tenant's
 * custom domain, or any domain another environment serves: a parent would let one tenant's
 * records or certificates cover the other's hosts, a child would hijack part of them.
 */

/** How `a` relates to `b` in the DNS tree. */
export type DomainRelation = "equal" | "under" | "above";

/** Lowercase, without a trailing dot. */
export function normalizeHost(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, "");
}

/** `equal`, `under` (a is a subdomain of b), `above` (b is a subdomain of a), or undefined. */
export function domainRelation(a: string, b: string): DomainRelation | undefined {
  const x = normalizeHost(a);
  const y = normalizeHost(b);
  if (x === y) return "equal";
  if (x.endsWith(`.${y}`)) return "under";
  if (y.endsWith(`.${x}`)) return "above";
  return undefined;
}

/**
 * Whether a DNS record named `recordName` answers for `host`: the same name, or a wildcard
 * `*.{parent}` and a host below that parent.
 */
export function recordCovers(recordName: string, host: string): boolean {
  const name = normalizeHost(recordName);
  const h = normalizeHost(host);
  if (name === h) return true;
  return name.startsWith("*.") && h.endsWith(name.slice(1));
}

/** One claimed custom domain. */
export interface DomainClaim {
  readonly tenantId: string;
  readonly hostname: string;
}

export interface DomainRuleInput {
  /** The platform domain (`{id}.{domain}` are the tenants' own hosts). */
  readonly domain: string;
  /** Every tenant id: `{id}.{domain}` may not be a domain another environment serves. */
  readonly tenantIds: readonly string[];
  /** Custom domains in config order. */
  readonly customDomains: readonly DomainClaim[];
  /** Domains other environments serve: their platform domains and custom domains. */
  readonly otherEnvironmentDomains: readonly string[];
}

/** A problem with one claim: `customDomain` is an index into the input's customDomains. */
export type DomainIssue =
  | { readonly customDomain: number; readonly message: string }
  | { readonly tenantId: string; readonly message: string }
  | { readonly platformDomain: true; readonly message: string };

const WORD: Record<DomainRelation, string> = {
  equal: "equal to",
  under: "under",
  above: "above",
};

/** Every claim that breaks the rule, in input order; empty when all are fine. */
export function domainIssues(input: DomainRuleInput): DomainIssue[] {
  const issues: DomainIssue[] = [];
  const others = input.otherEnvironmentDomains.map(normalizeHost);

  const same = others.find((o) => domainRelation(input.domain, o) === "equal");
  if (same !== undefined) {
    issues.push({
      platformDomain: true,
      message: `is also served by another environment (otherEnvironmentDomains: ${same}); every environment needs its own domain`,
    });
  }
  for (const id of input.tenantIds) {
    const host = `${id}.${input.domain}`;
    const other = others.find((o) => domainRelation(host, o) === "equal");
    if (other !== undefined) {
      issues.push({
        tenantId: id,
        message: `its host ${host} is a domain another environment serves (otherEnvironmentDomains: ${other}); choose another id`,
      });
    }
  }

  const accepted: DomainClaim[] = [];
  input.customDomains.forEach((claim, index) => {
    const d = normalizeHost(claim.hostname);
    const fail = (message: string) => issues.push({ customDomain: index, message });
    const platform = domainRelation(d, input.domain);
    if (platform === "equal" || platform === "under") {
      return fail(
        `must not be under the platform domain ${input.domain} (the tenant already has ${claim.tenantId}.${input.domain})`,
      );
    }
    if (platform === "above") {
      return fail(
        `must not be above the platform domain ${input.domain}: it would cover every tenant's host`,
      );
    }
    for (const o of others) {
      const rel = domainRelation(d, o);
      if (rel !== undefined) {
        return fail(
          `is ${WORD[rel]} ${o}, which another environment serves (otherEnvironmentDomains); a domain belongs to one environment`,
        );
      }
    }
    for (const prior of accepted) {
      const rel = domainRelation(d, prior.hostname);
      if (rel === undefined) continue;
      if (prior.tenantId === claim.tenantId) {
        if (rel === "equal") return fail(`is listed twice for tenant "${claim.tenantId}"`);
        continue; // a tenant's own apex and subdomains may sit side by side
      }
      return fail(
        rel === "equal"
          ? `is already claimed by tenant "${prior.tenantId}"; a custom domain belongs to one tenant`
          : `is ${WORD[rel]} ${prior.hostname}, claimed by tenant "${prior.tenantId}"; a tenant's domain may not be a parent or child of another tenant's`,
      );
    }
    accepted.push(claim);
  });
  return issues;
}
