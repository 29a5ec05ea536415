/** Served-certificate values for fakes: what a probe would read from a real handshake. */
import type { ServedCertificate } from "../../../ops/adapters/tls-probe";

const DAY = 86_400_000;

/** A certificate for `names`, valid until `days` after `now`. */
export function servedCertificate(
  names: readonly string[],
  days: number,
  now: Date,
  issuer: { selfSigned?: boolean; issuer?: string } = {},
): ServedCertificate {
  const selfSigned = issuer.selfSigned ?? true;
  return {
    subject: `CN=${names[0] ?? ""}`,
    issuer:
      issuer.issuer ?? (selfSigned ? `CN=${names[0] ?? ""}` : "CN=R11, O=Let's Encrypt, C=US"),
    names,
    validFrom: new Date(now.getTime() - DAY),
    validTo: new Date(now.getTime() + days * DAY),
    fingerprint256: `AB:${names.join(",")}`,
    selfSigned,
  };
}

/** The fake contexts' clock (fakes.ts `testContext`). */
export const TEST_NOW = new Date("2026-11-22T10:00:00.000Z");
