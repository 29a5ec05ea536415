/**
 * The outside world of the operations commands added beside the release commands (certificates,
 * Cloudflare, ...): each behind an interface so tests pass fakes. A context that leaves one out
 * gets the real implementation, so the release commands' contexts need not know about them.
 */
import { type CertificateProbe, TlsCertificateProbe } from "./adapters/tls-probe";
import { CloudflareApiZone, type CloudflareZone } from "./adapters/cloudflare-zone";
import { type DbTools, ProcessDbTools } from "./adapters/db-tools";
import { KubernetesSecretReader, type SecretReader } from "./adapters/kube-secrets";
import { KubernetesMetricsSource, type MetricsSource } from "./plans/usage";

/** What the operations commands need beyond the release commands' context. */
export interface OperationsContext {
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
export function metricsSource(ctx: OperationsContext): MetricsSource {
  return ctx.metrics ?? new KubernetesMetricsSource();
}

/** The Secret reader of a context. */
export function secretReader(ctx: OperationsContext): SecretReader {
  return ctx.secrets ?? new KubernetesSecretReader();
}

/** The PostgreSQL client programs of a context. */
export function dbTools(ctx: OperationsContext): DbTools {
  return ctx.dbTools ?? new ProcessDbTools();
}

/** The certificate probe of a context. */
export function tlsProbe(ctx: OperationsContext): CertificateProbe {
  return ctx.tls ?? new TlsCertificateProbe();
}

/** The live zone of a context, or undefined when there is no token to read it with. */
export function cloudflareZone(
  ctx: OperationsContext,
  env: NodeJS.ProcessEnv = process.env,
): CloudflareZone | undefined {
  if (ctx.zone !== undefined) return ctx.zone ?? undefined;
  const token = env.CLOUDFLARE_API_TOKEN;
  return token !== undefined && token !== "" ? new CloudflareApiZone(token) : undefined;
}
