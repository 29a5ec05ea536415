/**
 * A tenant's interim answer (1xx) never becomes the edge's answer. Stock nginx (1.22 to 1.30)
 * takes any status line from a tenant as the final one except `101` to an upgrade (and `103`
 * from 1.29), so a tenant that writes `HTTP/1.1 100 Continue` followed by a whole response of its
 * own has nginx send the `100`, then relay every byte after it unframed and unfiltered: a client
 * reads the bytes as the real response, with `Set-Cookie` for the shared domain and
 * `Clear-Site-Data` that the edge would otherwise rewrite or drop (cookies.ts, nginx-config.ts),
 * and a client that reuses its connection for another tenant's host reads the tenant's extra
 * bytes as that tenant's answer. The edge never sends `Expect` on, so an honest tenant never
 * answers `100`; a framework's `103 Early Hints` meets the same fate on nginx before 1.29.
 *
 * A `101` is the same hole when the client asked for no WebSocket: to a request without
 * `Upgrade`, nginx takes it as a final answer and relays what follows unframed; to one with an
 * empty `Upgrade` (which the edge does not forward), nginx opens a raw tunnel to the tenant. A
 * `101` stands only as the answer to a WebSocket upgrade, the one upgrade the edge passes on
 * (client-identity.ts).
 *
 * The guard: a `map` of `$upstream_status:$edge_upgrade` (an exact lookup, evaluated for every
 * answer: no regular expression, no script) names, for every 1xx but a `101` to a WebSocket
 * upgrade, a variable computed by an njs function that sets the answer's status to 502. nginx then frames what follows as a 502's
 * chunked body (HTTP/1.1) or DATA (HTTP/2); the `100` status line stays, so an HTTP/1.1 client
 * reads a chunk size where it expects a status line and drops the connection, and an HTTP/2
 * client gets a 502. Either way no header the tenant wrote after its `100` is read, and nothing
 * is left on the connection for the next request. The access log records the 502, with
 * `upstream_status` the tenant's 1xx. The script runs only then: ordinary answers never enter
 * njs.
 *
 * It needs the njs module (`ngx_http_js_module.so`), which the official nginx images ship (not
 * their `-slim` variants) and Debian packages as `libnginx-mod-http-js`.
 */

/** Where the official nginx images and Debian's `libnginx-mod-http-js` install the njs module. */
export const NJS_MODULE_PATH = "/usr/lib/nginx/modules/ngx_http_js_module.so";

/** The header the edge adds to a refused interim answer, and its value. */
export const INTERIM_REFUSED_HEADER = { name: "X-Edge-Error", value: "tenant_interim_answer" };

/** The njs script the guard imports: one function, run only for a tenant's 1xx. */
export const INTERIM_GUARD_SCRIPT = `// Rendered by agent-cloud (components/edge/nginx/interim-answers.ts); do not edit.
// Runs only for a tenant's 1xx answer, but a 101 to a WebSocket upgrade (the map in nginx.conf):
// the answer becomes a 502, so nginx frames what the tenant wrote after it as a body, never as a
// response.
function refuse(r) {
  r.status = 502;
  return "${INTERIM_REFUSED_HEADER.value}";
}
export default { refuse };
`;

/**
 * The `$upstream_status:$edge_upgrade` keys the guard refuses: every 1xx, to a request with no
 * upgrade (`$edge_upgrade` empty) or a WebSocket one, but `101:websocket`, which answers it. A
 * request asking any other upgrade never reaches the tenant (client-identity.ts).
 */
const INTERIM_KEYS = Array.from({ length: 100 }, (_, i) => 100 + i)
  .flatMap((status) => [`${status}:`, `${status}:websocket`])
  .filter((key) => key !== "101:websocket");

/** Main-context line: the njs module. */
export const INTERIM_GUARD_MAIN_LINES: readonly string[] = [`load_module ${NJS_MODULE_PATH};`];

/** http-level lines: the script, its variable, and the map that evaluates it only for a 1xx. */
export function interimGuardHttpLines(scriptPath: string): string[] {
  return [
    `js_import edge_interim from ${scriptPath};`,
    "js_set $edge_interim_refusal edge_interim.refuse;",
    'map "$upstream_status:$edge_upgrade" $edge_interim_refused {',
    '  default "";',
    ...INTERIM_KEYS.map((key) => `  "${key}" $edge_interim_refusal;`),
    "}",
  ];
}

/**
 * Server-level line, beside the server's other `add_header`s (a level with its own `add_header`
 * does not inherit the server's): empty, so no header, for every answer but a refused 1xx.
 */
export const INTERIM_GUARD_SERVER_LINE = `add_header ${INTERIM_REFUSED_HEADER.name} $edge_interim_refused always;`;
