/**
 * Where the TLS server's own refusals are answered: unknown host 404, missing or wrong key 401,
 * body too large 413, and the refusals other modules add (a suspended tenant's 503).
 *
 * A `return` runs in nginx's rewrite phase, before `limit_req` and `limit_conn` (preaccess), so a
 * refusal answered in the proxied location would never count against the client's limits: one
 * client could send keyless or unknown-host requests as fast as the edge answers them. Instead
 * the proxied location returns a bare status, `error_page` sends it to {@link REFUSED_LOCATION},
 * which does run preaccess (the client's rate and open-request limits, never the tenant's plan,
 * so refused requests cannot spend a tenant's budget), and only then answers with the JSON body
 * the bare status stands for (`$status` is still that status there). `$uri` is unchanged on the
 * way, so the access log still names the client's path. nginx's own 413 (a `Content-Length` over
 * `client_max_body_size`, found before any phase that counts) goes the same way.
 */
import { AUTH_BODIES, AUTH_REFUSAL_ANSWERS } from "./auth";
import { CLOSE_AFTER_REFUSAL } from "./limits";

export const REFUSED_LOCATION = "@edge_refused";

/** A refusal answered on the refusal path: the bare status a guard returns, and its body. */
export interface RefusalAnswer {
  readonly status: number;
  /** JSON body; may name nginx variables (`$tenant_id`). */
  readonly body: string;
}

/**
 * Statuses the server sends to the refusal path: only the edge's own refusals raise them there
 * (tenants' own 401s and 404s are not touched: proxy_intercept_errors stays off).
 */
const SERVER_REFUSAL_STATUSES = [401, 404, 413] as const;

/** TLS server lines: the bare statuses the proxied location returns go to the refusal path. */
export function refusalServerLines(): string[] {
  // The refusal path's own 429 is a second error page, which nginx allows only when recursive.
  return [
    `error_page ${SERVER_REFUSAL_STATUSES.join(" ")} ${REFUSED_LOCATION};`,
    "recursive_error_pages on;",
  ];
}

/**
 * A guard's body for a refusal whose status nginx also raises for other reasons (400 for a
 * malformed request, 503 sent to the tenant-unavailable page): the `error_page` sits in the
 * guard's own `if` block, so only this `return` goes to the refusal path.
 */
export function refusalGuardLines(status: number): string[] {
  return [`error_page ${status} ${REFUSED_LOCATION};`, `return ${status};`];
}

/**
 * The two named locations: the limit check, then the answer. `clientLimitLines` are the
 * per-client `limit_req` lines (limits.ts); `limitedLocation` is the 429 page. `answers` are the
 * bodies of the statuses other than 401 (whose body depends on the key, auth.ts).
 */
export function refusalLocations(
  hstsLine: string,
  clientLimitLines: readonly string[],
  answers: readonly RefusalAnswer[],
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
    ...CLOSE_AFTER_REFUSAL.map((l) => `  ${l}`),
    `  ${hstsLine}`,
    `  ${wwwAuthenticate}`,
    // An `if` with add_header of its own drops the location's: each repeats HSTS.
    ...answers.flatMap((a) => [
      `  if ($status = ${a.status}) {`,
      `    ${hstsLine}`,
      `    return ${a.status} '${a.body}';`,
      "  }",
    ]),
    // The 401's body names why the key check refused (auth.ts).
    ...AUTH_REFUSAL_ANSWERS.flatMap((a) => [
      `  if ($edge_refusal = ${a.refusal}) {`,
      `    ${hstsLine}`,
      `    ${wwwAuthenticate}`,
      `    return 401 '${a.body}';`,
      "  }",
    ]),
    `  return 401 '${AUTH_BODIES.unauthorized}';`,
    "}",
  ];
}
