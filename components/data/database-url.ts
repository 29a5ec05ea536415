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
export function databaseUrl(p: DatabaseUrlParts): string {
  const host = p.host.includes(":") && !p.host.startsWith("[") ? `[${p.host}]` : p.host;
  return (
    `postgres://${encodeURIComponent(p.user)}:${encodeURIComponent(p.password)}` +
    `@${host}:${p.port}/${encodeURIComponent(p.database)}?sslmode=${p.sslmode}`
  );
}
