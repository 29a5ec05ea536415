/**
 * Live health of tenant endpoints. Commands depend on {@link HealthChecker}; the real one is
 * {@link FetchHealthChecker} (one GET with a timeout, redirects not followed).
 */
import { performance } from "node:perf_hooks";

/** What one request to an endpoint gave. */
export interface HealthResult {
  /** HTTP status, when the endpoint answered at all. */
  readonly status?: number;
  readonly latencyMs: number;
  /** Why there was no answer (timeout, refused, DNS, TLS). */
  readonly error?: string;
}

/** Checks one URL; implementations never throw, they report the error. */
export interface HealthChecker {
  check(url: string, timeoutMs: number): Promise<HealthResult>;
}

/** Whether a result counts as healthy: an answer below 400 (redirects included). */
export function isHealthy(result: HealthResult): boolean {
  return result.status !== undefined && result.status < 400;
}

/** `https://acme.example.com` + `/api/v1/health`, without doubling slashes. */
export function healthUrl(tenantUrl: string, healthPath: string): string {
  return `${tenantUrl.replace(/\/+$/, "")}${healthPath}`;
}

const TLS_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** A fetch failure in words the status table can show. */
export function describeFetchError(error: unknown, timeoutMs: number): string {
  const failure = error as {
    name?: string;
    message?: string;
    cause?: { code?: string; message?: string };
  };
  if (failure.name === "TimeoutError" || failure.name === "AbortError")
    return `no answer within ${timeoutMs} ms`;
  const code = failure.cause?.code;
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "name does not resolve (DNS)";
  if (code === "ECONNRESET") return "connection reset";
  if (code !== undefined && TLS_CODES.has(code)) {
    return `TLS certificate not trusted (${code}); for a self-signed environment set NODE_EXTRA_CA_CERTS to its CA file`;
  }
  return code ?? failure.cause?.message ?? failure.message ?? String(error);
}

/** GETs the URL once with global fetch and an abort timeout. */
export class FetchHealthChecker implements HealthChecker {
  async check(url: string, timeoutMs: number): Promise<HealthResult> {
    const started = performance.now();
    try {
      const response = await fetch(url, {
        redirect: "manual",
        signal: AbortSignal.timeout(timeoutMs),
      });
      const latencyMs = Math.round(performance.now() - started);
      await response.body?.cancel();
      return { status: response.status, latencyMs };
    } catch (error) {
      return {
        latencyMs: Math.round(performance.now() - started),
        error: describeFetchError(error, timeoutMs),
      };
    }
  }
}

/** Runs `work` over `items` with at most `limit` at a time; results keep the items' order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
