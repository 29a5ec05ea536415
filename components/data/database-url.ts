import type { SslMode } from "../../model/database-defaults";

export type { SslMode };

export interface DatabaseUrlParts {
  readonly user: string;
  readonly password: string;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly sslmode: SslMode;
}

/**
 * `postgres://user:password@host:port/database?sslmode=...`. User, password and database are
 * percent-encoded, so a password holding `@`, `/`, `:` or `%` still parses to itself.
 */
export function databaseUrl(parts: DatabaseUrlParts): string {
  // An IPv6 address is bracketed, so its colons are not read as the port's.
  const host =
    parts.host.includes(":") && !parts.host.startsWith("[") ? `[${parts.host}]` : parts.host;
  return (
    `postgres://${encodeURIComponent(parts.user)}:${encodeURIComponent(parts.password)}` +
    `@${host}:${parts.port}/${encodeURIComponent(parts.database)}?sslmode=${parts.sslmode}`
  );
}
