/**
 * A tenant's cookies stay its own. Every tenant is served at `{id}.{domain}`, so a cookie one
 * tenant sets for `{domain}` (or a parent of it, or another tenant's host) is sent by the browser
 * to every other tenant too: one tenant could toss a cookie into another's session (session
 * fixation, a user signed in as someone else). The edge rewrites the `Domain` attribute of every
 * `Set-Cookie` a tenant answers with to the request's own host when it names the environment's
 * domain, a host under it, or a parent of it of two labels or more (a single label is a
 * top-level domain, which browsers refuse anyway). A tenant's custom domains are its own and stay
 * as they are; a cookie without `Domain` is its host's alone already.
 *
 * What the edge cannot rewrite: a tenant page's own script setting `document.cookie` for the
 * shared domain (only the domain on the Public Suffix List, or a registrable domain per tenant,
 * stops that), and `Set-Cookie` spellings nginx's cookie parser does not read as a Domain
 * attribute though browsers do: a tab before or after the attribute's name, or a cookie whose
 * first pair has no `=` (test/edge/nginx-cookies-live.test.ts pins both). Tenant apps that must
 * not be tossed name their session cookies `__Host-…`, which a browser takes only from the
 * cookie's own host and without `Domain`, so no other host can set or replace them.
 */
import { isDnsName } from "../../../model/names";
import { ancestorsOf } from "../../../model/rules/domains";

/** Problems with the environment's domain, each naming the field. */
export function tenantCookieProblems(domain: string | undefined): string[] {
  return domain === undefined || isDnsName(domain)
    ? []
    : [
        `domain ${JSON.stringify(domain)}: must be a lowercase DNS name such as agents.example.com, the domain tenants are served under`,
      ];
}

/** `domain`'s parents of two labels or more, nearest first: `example.test` for `dev.example.test`. */
export function sharedCookieParents(domain: string): string[] {
  return ancestorsOf(domain).slice(0, -1);
}

/**
 * The regular expression a cookie's Domain value matches when it would reach other tenants: the
 * domain or a host under it, or one of its parents, with the leading dot browsers ignore, a
 * trailing dot, and blanks around it; in any case (nginx compiles it caseless too).
 */
export function sharedCookieDomainPattern(domain: string): string {
  const escape = (name: string) => name.replace(/\./g, "\\.");
  const names = [`(?:.*\\.)?${escape(domain)}`, ...sharedCookieParents(domain).map(escape)];
  return `(?i)^\\s*\\.?(?:${names.join("|")})\\.?\\s*$`;
}

/** Proxied-location lines: a shared Domain attribute becomes the request's own host. */
export function tenantCookieLocationLines(domain: string | undefined): string[] {
  if (domain === undefined) return [];
  return [`proxy_cookie_domain "~${sharedCookieDomainPattern(domain)}" $host;`];
}
