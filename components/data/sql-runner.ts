/**
 * Runs hardening statements one by one as the admin and says which took effect. PostgreSQL does
 * not fail a REVOKE or GRANT the caller may not make: it succeeds with a WARNING ("no privileges
 * could be revoked"), so warnings count as failures here.
 */
import type { SqlStatement } from "./tenant-sql";

/** The part of a `pg.Client` the runner needs. */
export interface SqlClient {
  query(sql: string): Promise<unknown>;
  on(event: "notice", listener: (notice: Notice) => void): unknown;
  removeListener(event: "notice", listener: (notice: Notice) => void): unknown;
}

interface Notice {
  readonly severity?: string;
  readonly message?: string;
}

export interface SqlRunResult {
  readonly applied: string[];
  /** Optional statements the admin may not run, with PostgreSQL's reason. */
  readonly skipped: { readonly sql: string; readonly reason: string }[];
}

/**
 * How long a hardening statement waits for a lock (the admin's `lock_timeout`,
 * sql-statements.ts): a tenant's transaction left open on what the hardening changes (its
 * database's settings, say) fails the update after this instead of hanging it.
 */
export const ADMIN_LOCK_TIMEOUT = "60s";

/** PostgreSQL's SQLSTATE for a lock not granted within `lock_timeout`. */
const LOCK_NOT_AVAILABLE = "55P03";

/** Why a statement failed, with what to do when it waited for a tenant's lock. */
function failureReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if ((error as { code?: unknown } | null)?.code !== LOCK_NOT_AVAILABLE) return message;
  return `${message}: waited ${ADMIN_LOCK_TIMEOUT} for a lock that a session of the tenant's database holds in a transaction it keeps open; end that session (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '<database>' AND state LIKE 'idle in transaction%') and run the update again`;
}

/** Runs `statements` in order; throws on the first required one that errors or only warns. */
export async function runSqlStatements(
  client: SqlClient,
  statements: readonly SqlStatement[],
): Promise<SqlRunResult> {
  const applied: string[] = [];
  const skipped: { sql: string; reason: string }[] = [];
  let warnings: string[] = [];
  const onNotice = (notice: Notice) => {
    if (notice.severity === "WARNING") warnings.push(notice.message ?? "warning");
  };
  client.on("notice", onNotice);
  try {
    for (const statement of statements) {
      warnings = [];
      let reason: string | undefined;
      try {
        await client.query(statement.sql);
        // Notices arrive before the command completes, so they are all in by now.
        // One statement may warn once per object (a view's columns, a DO block's functions):
        // the first says why, and the state keeps no more than a count of the rest.
        if (warnings.length > 0) reason = firstWithCount(warnings);
      } catch (error) {
        reason = failureReason(error);
      }
      if (reason === undefined) applied.push(statement.sql);
      else if (statement.required) throw new Error(`${statement.sql}: ${reason}`);
      else skipped.push({ sql: statement.sql, reason });
    }
  } finally {
    client.removeListener("notice", onNotice);
  }
  return { applied, skipped };
}

/** `first` or `first (+N more warnings)`. */
function firstWithCount(warnings: readonly string[]): string {
  const [first, ...rest] = warnings;
  return rest.length === 0 ? (first as string) : `${first} (+${rest.length} more warnings)`;
}
