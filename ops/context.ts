/** What every command gets: the engine, the outside world behind interfaces, and its output. */
import type { DnsResolver } from "./adapters/dns";
import type { ReleaseEngine } from "./engine";
import type { Writer } from "./format/text";
import type { HealthChecker } from "./adapters/health";
import type { LogSource } from "./plans/pod-logs";
import { type CertificateProbe, TlsCertificateProbe } from "./adapters/tls-probe";
import { CloudflareApiZone, type CloudflareZone } from "./adapters/cloudflare-zone";
import { type DbTools, ProcessDbTools } from "./adapters/db-tools";
import { KubernetesSecretReader, type SecretReader } from "./adapters/kube-secrets";
import { KubernetesMetricsSource, type MetricsSource } from "./adapters/kube-metrics";

/** The dependencies of every command, injected so tests replace each one. */
export interface OpsContext extends OptionalAdapters {
  readonly engine: ReleaseEngine;
  readonly stdout: Writer;
  readonly stderr: Writer;
  readonly health: HealthChecker;
  readonly dns: DnsResolver;
  readonly logs: LogSource;
  /** Asks a yes/no question; resolves true only for an explicit yes. */
  readonly confirm: (question: string) => Promise<boolean>;
  readonly now: () => Date;
  /** Environment variables (CI actor, ...); default: the process's. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Default time each HTTP check may take. */
export const DEFAULT_HTTP_TIMEOUT_MS = 5000;

/**
 * The outside systems only some commands reach (certificates, Cloudflare, Secrets, pg_dump,
 * metrics). Each is optional: a context that leaves one out gets the real implementation from
 * the accessor below, so tests of other commands need not build them.
 */
export interface OptionalAdapters {
  /** Reads the certificate an endpoint serves for a name. */
  readonly tls?: CertificateProbe;
  /**
   * The live Cloudflare zone. Left out: built from `CLOUDFLARE_API_TOKEN` when that is set;
   * `null`: no zone access (tests).
   */
  readonly zone?: CloudflareZone | null;
  /** Reads tenants' Secrets (DATABASE_URL, API key). */
  readonly secrets?: SecretReader;
  /** Runs pg_dump and pg_restore. */
  readonly dbTools?: DbTools;
  /** Pod CPU and memory from metrics.k8s.io. */
  readonly metrics?: MetricsSource;
}

/** The metrics source of a context. */
export function metricsSource(ctx: OptionalAdapters): MetricsSource {
  return ctx.metrics ?? new KubernetesMetricsSource();
}

/** The Secret reader of a context. */
export function secretReader(ctx: OptionalAdapters): SecretReader {
  return ctx.secrets ?? new KubernetesSecretReader();
}

/** The PostgreSQL client programs of a context. */
export function dbTools(ctx: OptionalAdapters): DbTools {
  return ctx.dbTools ?? new ProcessDbTools();
}

/** The certificate probe of a context. */
export function tlsProbe(ctx: OptionalAdapters): CertificateProbe {
  return ctx.tls ?? new TlsCertificateProbe();
}

/** The live zone of a context, or undefined when there is no token to read it with. */
export function cloudflareZone(
  ctx: OptionalAdapters,
  env: NodeJS.ProcessEnv = process.env,
): CloudflareZone | undefined {
  if (ctx.zone !== undefined) return ctx.zone ?? undefined;
  const token = env.CLOUDFLARE_API_TOKEN;
  return token !== undefined && token !== "" ? new CloudflareApiZone(token) : undefined;
}
