/**
 * Which host names a tenant may claim: the one rule the config validation (stacks/config) and
 * the DNS component (components/edge/wildcard-dns.ts) both apply, and the name matching the
 * policy pack uses for DNS records. Its one dependency is the Public Suffix List (tldts).
 *
 * A custom domain may not be equal to, under, or above the platform domain, another tenant's
 * custom domain, or any domain another environment serves: a parent would let one tenant's
 * records or certificates cover the other's hosts, a child would hijack part of them.
 *
 * Nor may it share its registrable domain (the name just below its public suffix: `bigco.com` for
 * `sales.bigco.com`) with another tenant's custom domain or a domain another environment serves:
 * any host may set a cookie for its registrable domain, which browsers then send to every host
 * under it, so one tenant could plant cookies in another's sessions (the edge rewrites such a
 * `Domain` only for the platform domain and its parents: components/edge/nginx/cookies.ts; a
 * page's script setting `document.cookie` it cannot see at all). One tenant's several hosts may
 * share a registrable domain: it only plants in itself.
 */
import { getDomain } from "tldts";

/** How `a` relates to `b` in the DNS tree. */
export type DomainRelation = "equal" | "under" | "above";

/** Lowercase, without a trailing dot. */
export function normalizeHost(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, "");
}

/**
 * The registrable domain of `host`, as browsers scope cookies: the label just below its public
 * suffix on the Public Suffix List, private entries included (`bigco.com` for `sales.bigco.com`,
 * `b.co.uk` for `x.b.co.uk`, `acme.github.io` for `x.acme.github.io`; a name the list does not
 * know ends in a one-label suffix: `corp.test` for `b.corp.test`). Undefined for a public suffix
 * itself (`co.uk`, `github.io`) and an IP address, whose cookies browsers keep to the host.
 */
export function registrableDomain(host: string): string | undefined {
  const name = normalizeHost(host);
  if (!registrable.has(name))
    registrable.set(name, getDomain(name, { allowPrivateDomains: true }) ?? undefined);
  return registrable.get(name);
}

/**
 * Each name's registrable domain, looked up once: every claim is compared with every other
 * environment's domain, so the same names come back once per tenant.
 */
const registrable = new Map<string, string | undefined>();

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

  const claims = new DomainClaims();
  input.customDomains.forEach((claim, index) => {
    const problem = customDomainProblem(claim, { domain: input.domain, others, claims });
    if (problem !== undefined) return issues.push({ customDomain: index, message: problem });
    claims.add(claim);
  });
  return issues;
}

/**
 * Why `claim` may not be routed beside the platform domain, the domains other environments serve
 * (`others`, normalized) and the custom domains accepted so far, or undefined: the one rule for a
 * custom domain, which a stack's own config and the platform reading its shards both apply. In
 * this order: equal to or under the platform domain, above it; equal to, under or above another
 * environment's domain, then sharing its registrable domain; then the claims (see `conflict`).
 */
export function customDomainProblem(
  claim: DomainClaim,
  context: {
    readonly domain: string;
    readonly others: readonly string[];
    readonly claims: DomainClaims;
  },
): string | undefined {
  const d = normalizeHost(claim.hostname);
  const platform = domainRelation(d, context.domain);
  if (platform === "equal" || platform === "under")
    return `must not be under the platform domain ${context.domain} (the tenant already has ${claim.tenantId}.${context.domain})`;
  if (platform === "above")
    return `must not be above the platform domain ${context.domain}: it would cover every tenant's host`;
  for (const o of context.others) {
    const rel = domainRelation(d, o);
    if (rel !== undefined)
      return `is ${WORD[rel]} ${o}, which another environment serves (otherEnvironmentDomains); a domain belongs to one environment`;
  }
  const site = registrableDomain(d);
  const neighbour =
    site === undefined ? undefined : context.others.find((o) => registrableDomain(o) === site);
  if (neighbour !== undefined)
    return `shares the registrable domain ${site} with ${neighbour}, which another environment serves (otherEnvironmentDomains): either could set cookies for ${site} that browsers send to the other; choose a custom domain under a registrable domain no other environment uses`;
  const conflict = context.claims.conflict(d, claim.tenantId);
  if (conflict === undefined) return undefined;
  const prior = conflict.claim;
  if (conflict.relation === "equal")
    return prior.tenantId === claim.tenantId
      ? `is listed twice for tenant "${claim.tenantId}"`
      : `is already claimed by tenant "${prior.tenantId}"; a custom domain belongs to one tenant`;
  if (conflict.relation === "sameRegistrableDomain")
    return `shares the registrable domain ${site} with ${prior.hostname}, claimed by tenant "${prior.tenantId}": either tenant could set cookies for ${site} that browsers send to the other; choose a custom domain under a registrable domain no other tenant uses (one tenant's hosts may share one)`;
  return `is ${WORD[conflict.relation]} ${prior.hostname}, claimed by tenant "${prior.tenantId}"; a tenant's domain may not be a parent or child of another tenant's`;
}

/** The domains above `host`, nearest first: `x.a.com` → `a.com`, `com`. */
export function ancestorsOf(host: string): string[] {
  const labels = host.split(".");
  return labels.slice(1).map((_, i) => labels.slice(i + 1).join("."));
}

/**
 * Custom domains accepted so far, indexed so that finding the one a host nests with walks the
 * host's labels instead of every claim: the platform stack checks every shard's claims, 10,000
 * tenants' in one place.
 */
export class DomainClaims {
  private readonly byHost = new Map<string, DomainClaim>();
  /**
   * Each proper ancestor of a claimed domain: the first claim under it and the first of another
   * tenant, so a host above claims finds another tenant's whenever there is one.
   */
  private readonly below = new Map<string, FirstClaims>();
  /** Each registrable domain of a claim: the first claim in it and the first of another tenant. */
  private readonly bySite = new Map<string, FirstClaims>();

  add(claim: DomainClaim): void {
    const host = normalizeHost(claim.hostname);
    if (!this.byHost.has(host)) this.byHost.set(host, claim);
    for (const ancestor of ancestorsOf(host)) note(this.below, ancestor, claim);
    const site = registrableDomain(host);
    if (site !== undefined) note(this.bySite, site, claim);
  }

  /**
   * The claim `host` may not sit beside for `tenantId`: one equal to it, another tenant's it is
   * under or above, else another tenant's in the same registrable domain (a tenant's own apex and
   * subdomains may sit side by side).
   */
  conflict(
    host: string,
    tenantId: string,
  ): { readonly relation: ClaimRelation; readonly claim: DomainClaim } | undefined {
    const h = normalizeHost(host);
    const equal = this.byHost.get(h);
    if (equal !== undefined) return { relation: "equal", claim: equal };
    for (const ancestor of ancestorsOf(h)) {
      const above = this.byHost.get(ancestor);
      if (above !== undefined && above.tenantId !== tenantId)
        return { relation: "under", claim: above };
    }
    const under = claimOfAnother(this.below.get(h), tenantId);
    if (under !== undefined) return { relation: "above", claim: under };
    const site = registrableDomain(h);
    const neighbour =
      site === undefined ? undefined : claimOfAnother(this.bySite.get(site), tenantId);
    return neighbour === undefined
      ? undefined
      : { relation: "sameRegistrableDomain", claim: neighbour };
  }
}

/** How a claim meets another: a DNS relation, or another name in the same registrable domain. */
export type ClaimRelation = DomainRelation | "sameRegistrableDomain";

/** The first claim under a name, and the first of another tenant than that one's. */
interface FirstClaims {
  readonly first: DomainClaim;
  other?: DomainClaim;
}

/** Records `claim` under `name` in `index` (see FirstClaims). */
function note(index: Map<string, FirstClaims>, name: string, claim: DomainClaim): void {
  const entry = index.get(name);
  if (entry === undefined) index.set(name, { first: claim });
  else if (entry.other === undefined && entry.first.tenantId !== claim.tenantId)
    entry.other = claim;
}

/** The claim in `entry` of a tenant other than `tenantId`, if there is one. */
function claimOfAnother(entry: FirstClaims | undefined, tenantId: string): DomainClaim | undefined {
  return entry?.first.tenantId !== tenantId ? entry?.first : entry?.other;
}
