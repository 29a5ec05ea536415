/**
 * The proxy's request-body limit (`proxy.maxBodySize`, nginx's `client_max_body_size`): what
 * nginx reads as a size, and the most the platform lets a body be. No dependencies.
 */

/** An nginx size as the platform writes it: whole digits, then `k`, `m`, `g` or nothing (bytes). */
const NGINX_SIZE = /^([0-9]+)([kmg]?)$/;

const UNIT_BYTES: Readonly<Record<string, bigint>> = {
  "": 1n,
  k: 1024n,
  m: 1024n ** 2n,
  g: 1024n ** 3n,
};

/**
 * The largest body the proxy accepts. nginx itself takes any size that fits an off_t (up to
 * 8 EiB). The edge streams a request body to the tenant as it arrives (`proxy_request_buffering
 * off`, components/edge/nginx-config.ts) and writes none of it to disk, so the cap bounds what
 * one request can make a tenant take, not a volume.
 */
export const MAX_BODY_SIZE = "1g";
const MAX_BODY_BYTES = nginxSizeBytes(MAX_BODY_SIZE) as bigint;
/**
 * The proxy's temp volume (`run`, an emptyDir in components/edge/management-proxy.ts): nginx's
 * pid file and its temp folders. No body is written there (requests and responses stream:
 * `proxy_request_buffering off`, `proxy_buffering off`, `proxy_max_temp_file_size 0`), and the
 * limit could not catch one anyway: the kubelet measures it with du, which misses the unlinked
 * temp files nginx writes. It stays as a backstop.
 */
export const PROXY_TEMP_VOLUME_SIZE = "2Gi";

/** What a body size may be: the end of every message about one. */
export const BODY_SIZE_ALLOWED = `must be an nginx size such as 512k, 10m or 1g (a whole number, then k, m, g or nothing for bytes), from 1 to ${MAX_BODY_SIZE} (0 would be no limit at all)`;

/** The size in bytes, when `value` is written as nginx reads a size; undefined otherwise. */
export function nginxSizeBytes(value: string): bigint | undefined {
  const match = NGINX_SIZE.exec(value);
  if (match === null) return undefined;
  const [, digits = "", unit = ""] = match;
  return BigInt(digits) * (UNIT_BYTES[unit] ?? 1n);
}

/** Why `value` cannot be the proxy's body limit, or undefined when it can. */
export function bodySizeReason(value: string): string | undefined {
  const bytes = nginxSizeBytes(value);
  return bytes !== undefined && bytes >= 1n && bytes <= MAX_BODY_BYTES
    ? undefined
    : BODY_SIZE_ALLOWED;
}
