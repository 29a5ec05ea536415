/**
 * Where the TLS server's own refusals (unknown host 404, missing or wrong key 401) are answered.
 *
 * A `return` runs in nginx's rewrite phase, before `limit_req` and `limit_conn` (preaccess), so a
 * refusal answered in the proxied location would never count against the client's limits: one
 * client could send keyless or unknown-host requests as fast as the edge answers them. Instead
 * the proxied location returns a bare status, `error_page` sends it to {@link REFUSED_LOCATION},
 * which does run preaccess (the client's rate and open-request limits, never the tenant's plan,
 * so refused requests cannot spend a tenant's budget), and only then answers with the JSON body.
 * `$uri` is unchanged on the way, so the access log still names the client's path.
 */
import { AUTH_BODIES } from "./auth";

export const REFUSED_LOCATION = "@edge_refused";

/** TLS server lines: the bare statuses the proxied location returns go to the refusal path. */
export function refusalServerLines(): string[] {
  // Tenants' own 401s and 404s are not touched: proxy_intercept_errors stays off.
  // The refusal path's own 429 is a second error page, which nginx allows only when recursive.
  return [`error_page 401 404 ${REFUSED_LOCATION};`, "recursive_error_pages on;"];
}

/**
 * The two named locations: the limit check, then the answer. `clientLimitLines` are the
 * per-client `limit_req` lines (limits.ts); `limitedLocation` is the 429 page.
 */
export function refusalLocations(
  hstsLine: string,
  clientLimitLines: readonly string[],
  unknownHostBody: string,
  limitedLocation: string,
): string[] {
  const wwwAuthenticate = `add_header WWW-Authenticate 'Bearer realm="agent-cloud"' always;`;
  return [
    `location ${REFUSED_LOCATION} {`,
    ...clientLimitLines.map((l) => `  ${l}`),
    `  error_page 429 ${limitedLocation};`,
    // No such file: try_files (after preaccess) goes on to the answer.
    "  try_files /.edge-refused @edge_refusal_answer;",
    "}",
    "",
    "location @edge_refusal_answer {",
    `  ${hstsLine}`,
    `  ${wwwAuthenticate}`,
    '  if ($tenant_id = "") {',
    `    ${hstsLine}`,
    `    return 404 '${unknownHostBody}';`,
    "  }",
    "  if ($edge_refusal = foreign) {",
    `    ${hstsLine}`,
    `    ${wwwAuthenticate}`,
    `    return 401 '${AUTH_BODIES.wrongEnvironment}';`,
    "  }",
    `  return 401 '${AUTH_BODIES.unauthorized}';`,
    "}",
  ];
}
