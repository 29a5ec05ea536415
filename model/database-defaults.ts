/**
 * Defaults of the shared PostgreSQL server that both the config schema (config-schema.ts) and the
 * data components (components/data/) apply, so each lives in one place. No dependencies.
 */

/** libpq's `sslmode` values a client may connect with. */
export const SSL_MODES = ["disable", "require", "verify-ca", "verify-full"] as const;

/** How a client connects: libpq's `sslmode`. */
export type SslMode = (typeof SSL_MODES)[number];

/**
 * sslmode of an external server: encrypted, not verified. `verify-full` also needs the server's
 * CA trusted where `pulumi up` runs and in the tenant image, and managed services' CAs are
 * usually not in the system roots.
 */
export const DEFAULT_SSLMODE: SslMode = "require";

/** PostgreSQL's port: the in-cluster server's, and an external server's unless set. */
export const POSTGRES_PORT = 5432;

/** Admin role and database an external server's admin logs in as and to, unless set. */
export const DEFAULT_ADMIN_USER = "postgres";
export const DEFAULT_ADMIN_DATABASE = "postgres";

/** The in-cluster server's `max_connections` when `database.maxConnections` is unset. */
export const IN_CLUSTER_MAX_CONNECTIONS = 200;

/** The official PostgreSQL image (Debian, uid 999), pinned by digest: the server's and pg_dump's. */
export const POSTGRES_IMAGE =
  "postgres:17.6@sha256:00bc86618629af00d2937fdc5a5d63db3ff8450acf52f0636ec813c7f4902929";

/**
 * How long one tenant's scheduled dump may run before it is stopped and fails
 * (`database.backup.dumpTimeoutMinutes`, components/data/backup-job.ts DumpLimits).
 */
export const DEFAULT_DUMP_TIMEOUT_MINUTES = 60;

/** The longest a tenant's dump may be allowed to run: a day, so one run ends before the next. */
export const MAX_DUMP_TIMEOUT_MINUTES = 1440;

/** Size of the backups' volume when the backup target is a volume. */
export const DEFAULT_BACKUP_VOLUME_SIZE = "10Gi";
