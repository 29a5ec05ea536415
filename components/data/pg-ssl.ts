/**
 * libpq's `sslmode` as node-postgres takes it, so a connection made with `pg` (SqlStatements, the
 * checks) verifies what the same sslmode verifies for the postgresql provider and the tenants:
 * `require` encrypts without verifying, `verify-ca` checks the chain but not the host name,
 * `verify-full` checks both.
 */
import type { ConnectionOptions } from "node:tls";
import type { SslMode } from "../../model/database-defaults";

/** node-postgres' `ssl` option for `sslmode`: false, or the TLS options that match libpq. */
export function pgSslOptions(sslmode: SslMode): false | ConnectionOptions {
  switch (sslmode) {
    case "disable":
      return false;
    case "require":
      return { rejectUnauthorized: false };
    case "verify-ca":
      // The chain is checked against the trusted CAs; the certificate's names are not.
      return { rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case "verify-full":
      return { rejectUnauthorized: true };
  }
}
