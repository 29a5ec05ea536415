/**
 * Who the client is, as the tenant hears it: nginx decides, never the client.
 *
 * The real client address comes from `realIpHeader` (Cloudflare's `CF-Connecting-IP`) only when
 * the connecting peer is in `realIpFrom` (Cloudflare's ranges); otherwise it is the peer itself.
 * The tenant then gets exactly one rebuilt `X-Forwarded-For` and `X-Real-IP` with that address;
 * every identity, forwarding or URL-override header the client sent is dropped; and `Upgrade` is
 * forwarded only when it asks for a WebSocket (any other upgrade is refused). Optionally the TLS server demands Cloudflare's
 * authenticated-origin-pull client certificate.
 */
import { isIP } from "node:net";
import { DEFAULT_REAL_IP_HEADER } from "../../../model/edge-defaults";
import { type RefusalAnswer, refusalGuardLines } from "./refusals";

export interface ClientIdentityInput {
  /** Peers whose `realIpHeader` names the client, as CIDRs. Empty trusts no header. */
  readonly realIpFrom: readonly string[];
  /** @default DEFAULT_REAL_IP_HEADER (model/edge-defaults.ts), Cloudflare's */
  readonly realIpHeader?: string;
  /** CA file the client certificate must chain to (authenticated origin pulls). @default off */
  readonly originPullCaPath?: string;
}

/**
 * Client-sent headers the tenant never sees: the ones web frameworks and proxies read as the
 * client's address, the scheme, host, port, path or URL the client used, its TLS client
 * certificate and whether it was verified, the user an authenticating proxy vouches for
 * (oauth2-proxy's and Apache's names), or the proxies it came through, so a client could claim
 * any of them; and `Proxy`, which CGI turns into `HTTP_PROXY` (httpoxy). The edge
 * sets `X-Forwarded-For`, `X-Forwarded-Proto`, `X-Forwarded-Host` and `X-Real-IP` itself; these
 * it removes. nginx drops headers by name only (no prefix), so a header belongs here by name.
 */
export const DROPPED_IDENTITY_HEADERS = [
  "Forwarded",
  "Forwarded-For",
  "X-Forwarded",
  "X-Forwarded-Port",
  "X-Forwarded-Server",
  "X-Forwarded-Prefix",
  "X-Forwarded-Path",
  "X-Forwarded-Uri",
  "X-Forwarded-Scheme",
  "X-Forwarded-Protocol",
  "X-Forwarded-Ssl",
  "X-Forwarded-Client-Cert",
  "X-Forwarded-Tls-Client-Cert",
  "Client-Cert",
  "Client-Cert-Chain",
  "X-SSL-Client-Cert",
  "X-Client-Cert",
  "Ssl-Client-Cert",
  "X-SSL-Client-Verify",
  "X-SSL-Client-DN",
  "X-SSL-Client-S-DN",
  "X-Client-Verify",
  "X-Client-DN",
  "X-Forwarded-User",
  "X-Forwarded-Email",
  "X-Forwarded-Preferred-Username",
  "X-Forwarded-Groups",
  "X-Forwarded-Access-Token",
  "X-Auth-Request-User",
  "X-Auth-Request-Email",
  "X-Auth-Request-Groups",
  "X-Remote-User",
  "Remote-User",
  "X-Original-Forwarded-For",
  "X-Client-IP",
  "X-Cluster-Client-IP",
  "Client-IP",
  "True-Client-IP",
  "X-ProxyUser-Ip",
  "X-Envoy-External-Address",
  "CF-Connecting-IP",
  "CF-Connecting-IPv6",
  "CF-Pseudo-IPv4",
  "Fastly-Client-IP",
  "Front-End-Https",
  "X-Url-Scheme",
  "X-Scheme",
  "X-Host",
  "X-Original-Host",
  "X-Original-URI",
  "X-Original-URL",
  "X-Rewrite-URL",
  "X-Envoy-Original-Path",
  "Via",
  "Proxy",
] as const;

export const ORIGIN_PULL_BODY =
  '{"error":"forbidden","message":"this origin only accepts requests through its CDN"}';

const HEADER = /^[A-Za-z0-9-]{1,64}$/;
const SAFE_PATH = /^\/[A-Za-z0-9._\-/]*$/;

function isCidr(value: string): boolean {
  const [address, prefix, ...rest] = value.split("/");
  if (rest.length > 0 || address === undefined || prefix === undefined) return false;
  const family = isIP(address);
  return family !== 0 && /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

export function clientIdentityProblems(input: ClientIdentityInput): string[] {
  const problems: string[] = [];
  input.realIpFrom.forEach((c, i) => {
    if (!isCidr(c))
      problems.push(`realIpFrom[${i}] ${JSON.stringify(c)}: must be an IPv4 or IPv6 CIDR`);
  });
  if (input.realIpHeader !== undefined && !HEADER.test(input.realIpHeader))
    problems.push(
      `realIpHeader ${JSON.stringify(input.realIpHeader)}: must be an HTTP header name such as CF-Connecting-IP`,
    );
  if (input.originPullCaPath !== undefined && !SAFE_PATH.test(input.originPullCaPath))
    problems.push(
      `originPullCaPath ${JSON.stringify(input.originPullCaPath)}: must be an absolute path of letters, digits, '.', '_', '-' and '/'`,
    );
  return problems;
}

/** `http {}` lines: whom to believe about the client address, and the WebSocket-only upgrade. */
export function clientIdentityHttpLines(input: ClientIdentityInput): string[] {
  return [
    ...(input.realIpFrom.length > 0
      ? [
          `real_ip_header ${input.realIpHeader ?? DEFAULT_REAL_IP_HEADER};`,
          // One hop: the header names the client only when Cloudflare itself connected.
          "real_ip_recursive off;",
          ...input.realIpFrom.map((c) => `set_real_ip_from ${c};`),
        ]
      : []),
    "",
    // Only a WebSocket upgrade is passed on; h2c or anything else is refused (upgradeGuard). No
    // header (most requests) is an exact lookup, no regular expression.
    "map $http_upgrade $edge_upgrade {",
    `  default ${REFUSED_UPGRADE};`,
    '  "" "";',
    '  "~*^websocket$" websocket;',
    "}",
  ];
}

/** `$edge_upgrade` for an `Upgrade` header that is set and is not `websocket` (any case). */
const REFUSED_UPGRADE = "refuse";

/** The 400's body for an upgrade to anything but WebSocket. */
export const UPGRADE_REFUSED_BODY =
  '{"error":"upgrade_not_supported","message":"only WebSocket upgrades are accepted"}';

/**
 * The guard in the tenant location: a request asking to upgrade to anything but WebSocket is
 * refused with 400 on the refusal path (counted by the client's limits). nginx turns the
 * connection into a raw tunnel when the tenant answers 101 to any `Upgrade` the client sent,
 * whatever the edge forwarded: an app that takes `h2c` would then get every later request on
 * that connection unchecked (a public path first, then any private one without a key). The
 * guard's own `error_page`: nginx answers a malformed request with 400 too, never that way. A
 * WebSocket upgrade passes here; on an `edge`-mode tenant the key check before it has already
 * asked for the key, public path or not (auth.ts).
 */
export function upgradeGuard(): string[] {
  return [
    `if ($edge_upgrade = ${REFUSED_UPGRADE}) {`,
    ...refusalGuardLines(400).map((l) => `  ${l}`),
    "}",
  ];
}

/** The refusal path's answer to the guard's 400. */
export const UPGRADE_REFUSED_ANSWER: RefusalAnswer = { status: 400, body: UPGRADE_REFUSED_BODY };

/** TLS server lines: the origin-pull client certificate, when asked for. */
export function clientIdentityServerLines(input: ClientIdentityInput): string[] {
  if (input.originPullCaPath === undefined) return [];
  return [
    `ssl_client_certificate ${input.originPullCaPath};`,
    "ssl_verify_client on;",
    "ssl_verify_depth 2;",
    // 495: a bad certificate, 496: none at all.
    "error_page 495 496 =403 @edge_origin_only;",
  ];
}

export function originOnlyLocation(hstsLine: string): string[] {
  return [
    "location @edge_origin_only {",
    `  ${hstsLine}`,
    `  return 403 '${ORIGIN_PULL_BODY}';`,
    "}",
  ];
}

/** Proxied-location lines: the forwarding headers the edge builds, and the ones it drops. */
export function clientIdentityLocationLines(): string[] {
  return [
    // Rebuilt, never appended to what the client sent: the one address nginx trusts.
    "proxy_set_header X-Forwarded-For $remote_addr;",
    "proxy_set_header X-Real-IP $remote_addr;",
    ...DROPPED_IDENTITY_HEADERS.map((h) => `proxy_set_header ${h} "";`),
  ];
}
