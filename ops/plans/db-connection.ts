/**
 * Turning a tenant's DATABASE_URL into what the client programs take: connection flags, and the
 * password in the environment. The host in the URL is the one pods use (a cluster Service name
 * for the in-cluster server), so the operator's machine may need another: `--host`/`--port`, or
 * for the in-cluster server the admin endpoint from the stack config.
 */
import { OpsError } from "../errors";

/** Where and as whom to connect. */
export interface DbConnection {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  readonly sslmode: string;
  /** Secret: passed as PGPASSWORD only. */
  readonly password: string;
}

/** Parses a `postgres://user:pass@host:port/db?sslmode=...` URL, with host/port overridden. */
export function connectionFrom(
  databaseUrl: string,
  endpoint: { host?: string; port?: number } = {},
): DbConnection {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new OpsError("the tenant's DATABASE_URL is not a URL (its value is not shown)");
  }
  if (!/^postgres(ql)?:$/.test(url.protocol)) {
    throw new OpsError(`the tenant's DATABASE_URL is a ${url.protocol} URL, not postgres:`);
  }
  return {
    host: endpoint.host ?? url.hostname.replace(/^\[|\]$/g, ""),
    port: endpoint.port ?? (url.port === "" ? 5432 : Number(url.port)),
    user: decodeURIComponent(url.username),
    database: decodeURIComponent(url.pathname.replace(/^\//, "")),
    sslmode: url.searchParams.get("sslmode") ?? "prefer",
    password: decodeURIComponent(url.password),
  };
}

/** `--host --port --username --dbname` for pg_dump/pg_restore. */
export function connectionArgs(connection: DbConnection): string[] {
  return [
    `--host=${connection.host}`,
    `--port=${connection.port}`,
    `--username=${connection.user}`,
    `--dbname=${connection.database}`,
  ];
}

/** The child's environment: password and sslmode, never on the command line. */
export function connectionEnv(connection: DbConnection): Record<string, string> {
  return {
    PGPASSWORD: connection.password,
    PGSSLMODE: connection.sslmode,
    PGCONNECT_TIMEOUT: "10",
  };
}
