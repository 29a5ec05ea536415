/**
 * The edge's API-key check, as nginx config (nginx 1.22 without njs or lua: exact `map` lookups).
 *
 * The one documented place for a key is `Authorization: Bearer <key>`. The key table maps each
 * accepted key to its tenant; it is rendered separately ({@link renderApiKeyTable}) into a
 * Kubernetes Secret mounted next to the config and `include`d inside a `map`, so no key is ever
 * in the nginx.conf ConfigMap. A request to a tenant in `edge` mode passes only when its bearer
 * token is a key of that very tenant (current, or previous during a rotation overlap), or when its
 * raw path is one of the tenant's public paths and it is no WebSocket upgrade (a WebSocket server
 * commonly takes an upgrade on any path, so a public path would open a whole socket without the
 * key; a WebSocket needs the key on every path). Tenants in `app` mode authenticate their own
 * callers; the edge passes their requests on. In both modes a key of another environment is
 * refused wherever it is recognised: the Authorization header, the request line (path and query,
 * with `_` raw or as `%5F`), cookies and the usual credential headers. In both modes, on public
 * paths too, a key of this environment that belongs to another tenant is refused in the same
 * places (looked up in the key table, {@link KEY_PLACES}), so no tenant ever receives another's
 * key, nor a place holding two different keys the edge could not both look up.
 */
import { mapKeyProblems } from "./map-keys";

/** A tenant's authentication at the edge. */
export interface TenantAuth {
  readonly tenantId: string;
  /** `edge`: the edge checks the key; `app`: the app authenticates its callers. */
  readonly mode: "edge" | "app";
  /** Exact paths, or prefixes ending in `/*`, open without a key (edge mode), but to WebSockets. */
  readonly publicPaths: readonly string[];
}

export interface EdgeAuthInput {
  /** This environment, whose keys look like `ac_{environment}_…`. */
  readonly environment: string;
  /** Absolute path of the key table (see {@link renderApiKeyTable}) the proxy mounts. */
  readonly keyTablePath: string;
  readonly tenants: readonly TenantAuth[];
}

/**
 * Bodies of the edge's 401s: one for every missing, wrong or misplaced key, and one for each
 * key the edge knows is not for this tenant at all (another environment's, another tenant's, or
 * two different keys in one place).
 */
export const AUTH_BODIES = {
  unauthorized:
    '{"error":"unauthorized","message":"this agent needs its API key as Authorization: Bearer <key>"}',
  wrongEnvironment:
    '{"error":"wrong_environment","message":"this API key belongs to another environment"}',
  wrongTenant: '{"error":"wrong_tenant","message":"this API key belongs to another agent"}',
  severalKeys:
    '{"error":"several_keys","message":"this request carries more than one API key; send one, as Authorization: Bearer <key>"}',
} as const;

/**
 * The refusal path's 401 body for each `$edge_refusal` value but `key` (whose body is
 * {@link AUTH_BODIES}.unauthorized), in the order the refusal path tries them (refusals.ts).
 */
export const AUTH_REFUSAL_ANSWERS: readonly { readonly refusal: string; readonly body: string }[] =
  [
    { refusal: "foreign", body: AUTH_BODIES.wrongEnvironment },
    { refusal: "other_tenant", body: AUTH_BODIES.wrongTenant },
    { refusal: "several_keys", body: AUTH_BODIES.severalKeys },
  ];

/**
 * The nginx variable naming the tenant whose plan a request that passed the key check spends
 * (limits.ts): the tenant, for a request to an `app`-mode tenant (the edge knows no key there,
 * so every request counts) and for one to an `edge`-mode tenant whose key was accepted; empty,
 * so not counted, for a request an `edge`-mode tenant's public path let through without an
 * accepted key: the per-client limits alone bound those, so requests without a key cannot spend
 * a tenant's budget. Refused requests never reach the plan at all (refusals.ts).
 */
export const PLAN_TENANT = "$edge_plan_tenant";

/** Length of the random part of every key: 40 letters and digits (238 bits). */
export const API_KEY_RANDOM_LENGTH = 40;

/**
 * Headers (as nginx variables) searched for another environment's key, and another tenant's
 * ({@link KEY_PLACES}), besides Authorization.
 */
export const CREDENTIAL_HEADERS = [
  "http_cookie",
  "http_proxy_authorization",
  "http_x_api_key",
  "http_api_key",
  "http_x_auth_token",
  "http_x_access_token",
  "http_x_agent_cloud_key",
] as const;

/**
 * Where the edge looks for a key of this environment to refuse another tenant's, as nginx
 * variables: the request line, the cookies, and the credential headers with Authorization. Each
 * place gets one key-table lookup (nginx has no loop), so a place holding two different keys is
 * refused whole: otherwise a link could put a decoy key first in the query, or a page a decoy
 * cookie, and hide another tenant's key behind it. Two places are two lookups, so a tenant's own
 * key in a header beside any other key-shaped value in a cookie still passes.
 */
export const KEY_PLACES = [
  { place: "line", variables: ["request_uri"] },
  { place: "cookie", variables: ["http_cookie"] },
  {
    place: "headers",
    variables: ["http_authorization", ...CREDENTIAL_HEADERS.filter((h) => h !== "http_cookie")],
  },
] as const;

const PLAIN_PATH = /^(\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*(\/|\/\*)?$/;
const KEY = /^ac_[a-z0-9][a-z0-9-]*_[A-Za-z0-9]{40}$/;

/** Problems with the auth input, each naming the field. */
export function edgeAuthProblems(input: EdgeAuthInput): string[] {
  const problems: string[] = [];
  input.tenants.forEach((t, i) => {
    if (t.mode !== "edge" && t.mode !== "app")
      problems.push(`auth.tenants[${i}].mode ${JSON.stringify(t.mode)}: must be "edge" or "app"`);
    // An app-mode tenant's id is a key of `$edge_auth_mode` (edgeAuthRouteLines).
    if (t.mode === "app")
      problems.push(...mapKeyProblems(`auth.tenants[${i}].tenantId`, t.tenantId));
    t.publicPaths.forEach((p, j) => {
      if (!p.startsWith("/") || !PLAIN_PATH.test(p) || p.length > 200)
        problems.push(
          `auth.tenants[${i}].publicPaths[${j}] ${JSON.stringify(p)}: must be a plain path such as /api/v1/health or a prefix such as /oauth/*`,
        );
    });
  });
  return problems;
}

/** Longest key any of the auth maps hashes, for `map_hash_bucket_size`. */
export function longestAuthMapKey(input: EdgeAuthInput): number {
  const key = `ac_${input.environment}_`.length + API_KEY_RANDOM_LENGTH;
  const publicKeys = input.tenants.flatMap((t) =>
    t.publicPaths.map((p) => t.tenantId.length + 1 + p.length),
  );
  return Math.max(key, ...publicKeys);
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Route-table lines (they change with the tenant list): each tenant's auth mode and public paths.
 */
export function edgeAuthRouteLines(input: EdgeAuthInput): string[] {
  const appTenants = input.tenants.filter((t) => t.mode === "app");
  // Exact entries name themselves as the value: nginx looks map keys up case-insensitively, so
  // $edge_public compares the value with the request, case and all. A prefix entry is a
  // case-sensitive regex already, and its value is the request itself.
  const publicEntries = input.tenants
    .filter((t) => t.mode === "edge")
    .flatMap((t) =>
      t.publicPaths.map((p) =>
        p.endsWith("/*")
          ? `  "~^${t.tenantId}:${escapeRegex(p.slice(0, -1))}" "$tenant_id:$edge_plain_path";`
          : `  "${t.tenantId}:${p}" "${t.tenantId}:${p}";`,
      ),
    );
  return [
    "map $tenant_id $edge_auth_mode {",
    "  default edge;",
    ...appTenants.map((t) => `  "${t.tenantId}" app;`),
    "}",
    "",
    'map "$tenant_id:$edge_plain_path" $edge_public_entry {',
    '  default "";',
    ...publicEntries,
    "}",
  ];
}

/** A key's `_`, raw or percent-encoded (`%5F`, hex in either case), as a PCRE fragment. */
const KEY_UNDERSCORE = "(?:_|%5[Ff])";

/** A key's random part, {@link API_KEY_RANDOM_LENGTH} raw letters and digits, as a PCRE fragment. */
const KEY_RANDOM = `[A-Za-z0-9]{${API_KEY_RANDOM_LENGTH}}`;

/**
 * The one spelling, as an nginx (PCRE) regular expression, of an API key found inside other text:
 * `ac_`, an environment (1 to 63 of a-z, 0-9, '-'), `_` and {@link API_KEY_RANDOM_LENGTH} letters
 * and digits. An app may percent-decode what it reads, so each character may arrive as `%XX`
 * (hex in either case), and `_` raw or as `%5F`; the prefix's letters in either case. With
 * `except`, that environment's own keys do not match. Unanchored: it finds a key anywhere in the text, and matches its first
 * {@link API_KEY_RANDOM_LENGTH} random characters, whatever follows.
 */
export function apiKeyPattern(except?: string): string {
  const underscore = KEY_UNDERSCORE;
  // A character raw or as `%XX`; a letter in either case, raw or encoded (`%61`, `%41`).
  const hexOf = (c: string) =>
    [...c.charCodeAt(0).toString(16)]
      .map((h) => (/[a-f]/.test(h) ? `[${h}${h.toUpperCase()}]` : h))
      .join("");
  const encoded = (c: string) => {
    const cases = [...new Set([c.toLowerCase(), c.toUpperCase()])];
    return `(?:${cases.map(escapeRegex).join("|")}|${cases.map((x) => `%${hexOf(x)}`).join("|")})`;
  };
  const anyOf = (chars: string) => `(?:[${chars}]|%[0-9A-Fa-f]{2})`;
  const notOwn =
    except === undefined ? "" : `(?!${[...except].map(encoded).join("")}${underscore})`;
  // The prefix in any letter case: an app that takes `AC_<ENV>_` for `ac_<env>_` gets the key.
  return `${encoded("a")}${encoded("c")}${underscore}${notOwn}${anyOf("A-Za-z0-9-")}{1,63}${underscore}${anyOf("A-Za-z0-9")}{${API_KEY_RANDOM_LENGTH}}`;
}

/**
 * `http {}` lines that do not change with the tenant list: the maps that decide `$edge_refusal`
 * ("" to pass, `key`, `foreign`, `other_tenant` or `several_keys`: {@link AUTH_REFUSAL_ANSWERS})
 * from the route-table maps above and the key table, and whose plan a passed request spends
 * ({@link PLAN_TENANT}).
 */
export function edgeAuthHttpLines(
  input: Pick<EdgeAuthInput, "environment" | "keyTablePath">,
): string[] {
  const own = escapeRegex(input.environment);
  return [
    // The bearer token, only in the documented form; anything else is no key at all.
    "map $http_authorization $edge_bearer {",
    '  default "";',
    '  "~^[Bb][Ee][Aa][Rr][Ee][Rr] +(?<edge_token>[A-Za-z0-9_-]{1,200})$" $edge_token;',
    "}",
    "",
    // Key → "tenant:key". The table is a Secret; nginx.conf only names the file. nginx looks
    // map keys up case-insensitively, so the entry carries the key as stored, and $edge_key_ok
    // compares it with this tenant and the presented key exactly (a case-sensitive regex).
    "map $edge_bearer $edge_key_entry {",
    '  default "";',
    `  include ${input.keyTablePath};`,
    "}",
    "",
    'map "$edge_key_entry|$tenant_id:$edge_bearer" $edge_key_ok {',
    "  default 0;",
    '  "~^([a-z0-9-]+:[A-Za-z0-9_-]+)\\|\\1$" 1;',
    "}",
    "",
    // The raw path, only when it is plain: no escapes, dot or empty segments, or ';'. Then it is
    // the same text as nginx's normalised $uri and the app's, so a public path cannot be faked.
    "map $request_uri $edge_plain_path {",
    '  default "";',
    '  "~^(?<edge_path>(/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*/?)(\\?.*)?$" $edge_path;',
    "}",
    "",
    'map "$edge_public_entry|$tenant_id:$edge_plain_path" $edge_public {',
    "  default 0;",
    '  "~^([a-z0-9-]+:/[^|]*)\\|\\1$" 1;',
    "}",
    "",
    // Another environment's key in Authorization (any `ac_<env>_` prefix, as before) ...
    "map $http_authorization $edge_foreign_authorization {",
    "  default 0;",
    `  "~*^bearer[ \\t]+ac_(?!${own}_)[a-z0-9-]+_" 1;`,
    "}",
    "",
    // ... or a whole key of another environment in the request line, Authorization under any
    // scheme, a cookie or a credential header, raw or percent-encoded.
    // Authorization is searched here too, so a key under any scheme (or none) is caught.
    `map "$request_uri $http_authorization ${CREDENTIAL_HEADERS.map((h) => `$${h}`).join(" ")}" $edge_foreign_elsewhere {`,
    "  default 0;",
    // Outside Authorization any character of a key may arrive percent-encoded (apiKeyPattern).
    `  "~${apiKeyPattern(input.environment)}" 1;`,
    "}",
    "",
    ...tenantKeyLines(input),
    "",
    // What an edge-mode tenant's check needs, evaluated only for such a tenant: nginx evaluates
    // a map value's variables only for the entry that matched, so a request to an app-mode tenant
    // runs neither the key table nor the public-path checks (4 regular expressions and 2 lookups).
    // $edge_upgrade (client-identity.ts) is `websocket` for a WebSocket upgrade.
    "map $edge_auth_mode $edge_auth_facts {",
    "  app app;",
    '  default "edge:$edge_public:$edge_key_ok:$edge_upgrade";',
    "}",
    "",
    // Whose plan a passed request spends (PLAN_TENANT): an edge-mode tenant's only with its key.
    `map $edge_auth_facts ${PLAN_TENANT} {`,
    '  default "";',
    "  app $tenant_id;",
    '  "~^edge:[01]:1:" $tenant_id;',
    "}",
    "",
    'map "$edge_foreign_authorization$edge_foreign_elsewhere:$edge_tenant_keys:$edge_auth_facts" $edge_refusal {',
    "  default key;",
    '  "~^(1.|.1):" foreign;',
    '  "~^00:other:" other_tenant;',
    '  "~^00:several:" several_keys;',
    '  "~^00::app$" "";',
    // The tenant's key: any path, any upgrade (anything but WebSocket is refused after, 400).
    '  "~^00::edge:[01]:1:" "";',
    // A public path without the key: anything but a WebSocket.
    '  "~^00::edge:1:0:(?!websocket$)" "";',
    "}",
  ];
}

/**
 * The maps behind `$edge_tenant_keys`: `other` when a place of {@link KEY_PLACES} holds a key of
 * this environment that the key table gives to another tenant, `several` when a place holds two
 * different keys of this environment, else empty (no key, this tenant's own, or one nobody was
 * given). A key is found with `_` raw or as `%5F` and every other character raw (nginx cannot
 * decode the rest to look it up). The owner is taken whatever the letter case of the prefix and
 * of the random part (the table's
 * lookup ignores it), so another tenant's key does not pass by changing case.
 */
function tenantKeyLines(input: Pick<EdgeAuthInput, "environment" | "keyTablePath">): string[] {
  // This environment's keys only, each character raw but `_` ({@link apiKeyPattern} takes any
  // environment's, every character possibly encoded, and captures nothing).
  // The prefix in any letter case (the random part is looked up whatever its case): a tenant
  // that lower-cases `AC_DEV_` would hold a working key.
  const prefix = `(?i:ac${KEY_UNDERSCORE}${escapeRegex(input.environment)}${KEY_UNDERSCORE})`;
  const random = KEY_RANDOM;
  const owners = KEY_PLACES.map((p) => `$edge_key_owner_${p.place}`);
  return [
    ...KEY_PLACES.flatMap((p) => [
      `map "${p.variables.map((v) => `$${v}`).join(" ")}" $edge_key_in_${p.place} {`,
      '  default "";',
      // The first key, taken once and for all (atomic, anchored: one pass over the text), then
      // any later key that differs from it.
      `  "~^(?>.*?${prefix}(${random})).*?${prefix}(?!\\1)${random}" several;`,
      `  "~${prefix}(?<edge_key_${p.place}>${random})" "ac_${input.environment}_$edge_key_${p.place}";`,
      "}",
      "",
      // The same key table as $edge_key_entry: "tenant:key" for an accepted key.
      `map $edge_key_in_${p.place} $edge_key_owner_${p.place} {`,
      '  default "";',
      "  several *;",
      `  include ${input.keyTablePath};`,
      "}",
      "",
    ]),
    `map "$tenant_id|${owners.join("|")}" $edge_tenant_keys {`,
    '  default "";',
    // A place whose owner is not this tenant ("tenant:key" right after a '|').
    `  "~^([a-z0-9-]+)\\|(?:[^|]*\\|)*?(?!\\1:)[a-z0-9-]+:" other;`,
    '  "~\\|\\*(?:\\||$)" several;',
    "}",
  ];
}

/**
 * Lines at the top of the proxied location: refuse before anything reaches the tenant. The bare
 * 401 is answered by the refusal path (refusals.ts), after the client's limits are counted.
 */
export function edgeAuthLocationLines(): string[] {
  return ['if ($edge_refusal != "") {', "  return 401;", "}", ...forwardCheckedCredentials()];
}

/**
 * nginx 1.22's `$http_<name>` is the first of a repeated header only, so a second `X-Api-Key`
 * would reach the tenant unchecked. Each credential header is sent on as exactly the value that
 * was checked (none when absent); repeated cookies are joined by nginx and checked whole.
 */
function forwardCheckedCredentials(): string[] {
  return CREDENTIAL_HEADERS.filter((h) => h !== "http_cookie").map(
    (h) => `proxy_set_header ${credentialHeaderName(h)} $${h};`,
  );
}

/** The header an nginx `$http_<name>` variable reads: `http_x_api_key` → `X-Api-Key`. */
export function credentialHeaderName(variable: (typeof CREDENTIAL_HEADERS)[number]): string {
  return variable
    .slice("http_".length)
    .split("_")
    .map((w) => w[0]?.toUpperCase() + w.slice(1))
    .join("-");
}

/** One tenant's accepted keys: its current key and, during a rotation overlap, the previous one. */
export interface TenantKeys {
  readonly tenantId: string;
  readonly keys: readonly string[];
}

/**
 * Keys that differ only in letter case cannot both be in one table (nginx would see one key).
 *
 * The key table the proxy mounts from a Secret: one `"<key>" "<tenant>:<key>";` line per accepted key,
 * sorted so the same keys always give the same text. Refuses anything that is not a platform key
 * (it is written inside a quoted nginx string) and a key claimed by two tenants.
 */
export function renderApiKeyTable(tenants: readonly TenantKeys[]): string {
  const owner = new Map<string, string>();
  const folded = new Map<string, string>();
  for (const t of tenants) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(t.tenantId))
      throw new Error(`API key table: tenant id ${JSON.stringify(t.tenantId)} is not a DNS label`);
    for (const key of t.keys) {
      // Never echo the key itself: this message can reach a terminal or a log.
      if (!KEY.test(key))
        throw new Error(
          `API key table: a key of tenant "${t.tenantId}" is not ac_<environment>_ followed by 40 letters and digits`,
        );
      const first = owner.get(key) ?? folded.get(key.toLowerCase());
      folded.set(key.toLowerCase(), t.tenantId);
      if (first !== undefined && first !== t.tenantId)
        throw new Error(
          `API key table: tenants "${first}" and "${t.tenantId}" share a key; rotate one of them`,
        );
      owner.set(key, t.tenantId);
    }
  }
  const lines = [...owner].map(([key, id]) => `"${key}" "${id}:${key}";`).sort();
  return lines.length === 0 ? "# no keys\n" : `${lines.join("\n")}\n`;
}
