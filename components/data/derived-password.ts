import { createHmac } from "node:crypto";

/** Length of a key {@link derivePassword} accepts: 256 bits of alphanumerics at least. */
export const MIN_PASSWORD_KEY_LENGTH = 43;

/**
 * A tenant's database password, derived from one stack-level key: HMAC-SHA256 of
 * `agent-cloud/database/{environment}/{tenantId}`, in hex (64 characters, nothing to escape in a
 * URL, psql or a .pgpass line). One random key per stack replaces a random password per tenant;
 * knowing one tenant's password tells nothing about another's or about the key.
 */
export function derivePassword(key: string, environment: string, tenantId: string): string {
  if (key.length < MIN_PASSWORD_KEY_LENGTH) {
    throw new Error(
      `database password key: must be at least ${MIN_PASSWORD_KEY_LENGTH} characters (got ${key.length})`,
    );
  }
  return createHmac("sha256", key)
    .update(`agent-cloud/database/${environment}/${tenantId}`)
    .digest("hex");
}
