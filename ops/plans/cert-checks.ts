/**
 * Judging a served certificate against the name asked for, the clock and the stack's configured
 * `tls.mode`. Pure functions: the probe (adapters/tls-probe.ts) gathers, these decide and explain.
 */
import { X509Certificate } from "node:crypto";
import type { Check } from "./doctor-checks";
import type { ServedCertificate } from "../adapters/tls-probe";

/** `doctor` fails a certificate this close to its expiry. */
export const EXPIRY_WARNING_DAYS = 14;

/** The `tls.mode` values of the stack config. */
export type TlsMode = "self-signed" | "provided" | "acme" | "cloudflare-origin-ca";

/** What the stack configures: the mode, and for `provided` the certificate itself. */
export interface TlsExpectation {
  readonly mode: TlsMode;
  /** PEM of `tls.certificate` (mode `provided`). */
  readonly certificatePem?: string;
}

/** One name to probe: the platform domain (through one tenant host) or a custom domain. */
export interface CertTarget {
  readonly host: string;
  /** `platform`, or `custom (tenant)`. */
  readonly role: string;
}

/** What probing one target gave and what it means. */
export interface CertFinding {
  readonly target: CertTarget;
  readonly certificate?: ServedCertificate;
  /** Why no certificate was read (refused, timeout, handshake failure). */
  readonly error?: string;
  readonly covered: boolean;
  /** Whole days until `validTo` (negative once expired). */
  readonly daysLeft: number;
  readonly modeMatches: boolean;
  readonly modeDetail: string;
}

/** Whether `names` covers `host`: exactly, or by a wildcard standing for exactly one label. */
export function covers(names: readonly string[], host: string): boolean {
  const wanted = host.toLowerCase();
  return names.some((name) => {
    const pattern = name.toLowerCase();
    if (!pattern.startsWith("*.")) return pattern === wanted;
    const dot = wanted.indexOf(".");
    return dot > 0 && wanted.slice(dot + 1) === pattern.slice(2);
  });
}

/** Whole days from `now` to `validTo`, rounded down. */
export function daysLeft(validTo: Date, now: Date): number {
  return Math.floor((validTo.getTime() - now.getTime()) / 86_400_000);
}

/** The issuer's CN (else O, else the whole issuer), for a table column. */
export function issuerName(issuer: string): string {
  return /(?:^|, )CN=([^,]+)/.exec(issuer)?.[1] ?? /(?:^|, )O=([^,]+)/.exec(issuer)?.[1] ?? issuer;
}

function pemFingerprint(pem: string): string | undefined {
  try {
    return new X509Certificate(pem).fingerprint256;
  } catch {
    return undefined;
  }
}

/** Whether the served certificate is what `tls.mode` should produce, and in words. */
export function modeCheck(
  certificate: ServedCertificate,
  expected: TlsExpectation,
): { matches: boolean; detail: string } {
  const cloudflare = /cloudflare/i.test(certificate.issuer);
  const by = certificate.selfSigned
    ? "a self-signed certificate"
    : `one issued by ${issuerName(certificate.issuer)}`;
  switch (expected.mode) {
    case "self-signed":
      return certificate.selfSigned
        ? { matches: true, detail: "self-signed, as configured" }
        : { matches: false, detail: `tls.mode self-signed, but the proxy serves ${by}` };
    case "provided": {
      const want =
        expected.certificatePem === undefined ? undefined : pemFingerprint(expected.certificatePem);
      return want !== undefined && want === certificate.fingerprint256
        ? { matches: true, detail: "the certificate in tls.certificate, as configured" }
        : {
            matches: false,
            detail: `tls.mode provided, but the proxy serves another certificate than tls.certificate (${by})`,
          };
    }
    case "acme":
      return !certificate.selfSigned && !cloudflare
        ? {
            matches: true,
            detail: `issued by ${issuerName(certificate.issuer)} (ACME), as configured`,
          }
        : { matches: false, detail: `tls.mode acme, but the proxy serves ${by}` };
    case "cloudflare-origin-ca":
      return cloudflare
        ? { matches: true, detail: "Cloudflare Origin CA, as configured" }
        : { matches: false, detail: `tls.mode cloudflare-origin-ca, but the proxy serves ${by}` };
  }
}

/** Judges one probe result. */
export function certificateFinding(
  target: CertTarget,
  result: { certificate?: ServedCertificate; error?: string },
  expected: TlsExpectation,
  now: Date,
): CertFinding {
  const certificate = result.certificate;
  if (certificate === undefined) {
    return {
      target,
      error: result.error ?? "no certificate",
      covered: false,
      daysLeft: 0,
      modeMatches: false,
      modeDetail: "",
    };
  }
  const mode = modeCheck(certificate, expected);
  return {
    target,
    certificate,
    covered: covers(certificate.names, target.host),
    daysLeft: daysLeft(certificate.validTo, now),
    modeMatches: mode.matches,
    modeDetail: mode.detail,
  };
}

/** The problems of a finding, in a few words each (empty when all is well). */
export function problems(finding: CertFinding): string[] {
  if (finding.certificate === undefined) return [`no certificate: ${finding.error}`];
  const out: string[] = [];
  if (!finding.covered) out.push("name not covered");
  if (finding.daysLeft < 0) out.push("expired");
  else if (finding.daysLeft < EXPIRY_WARNING_DAYS)
    out.push(`expires within ${EXPIRY_WARNING_DAYS} days`);
  if (!finding.modeMatches) out.push("not the configured mode");
  return out;
}

const RENEW: Record<TlsMode, string> = {
  "self-signed":
    "deploy replaces it when validityHours runs out; deploy now, or raise tls.validityHours",
  provided:
    "put the renewed chain in tls.certificate and its key in the secret tlsPrivateKey, then deploy",
  acme: "cert-manager renews 30 days ahead, so renewal is failing: kubectl -n <edge namespace> describe certificate, and the challenges and orders it names",
  "cloudflare-origin-ca":
    "deploy to issue a new Origin CA certificate (the program replaces it before validityDays runs out)",
};

/** `doctor` lines for served certificates: a name not covered or expiry within 14 days fails. */
export function servedCertificateChecks(
  findings: readonly CertFinding[],
  expected: TlsExpectation,
  at: string,
): Check[] {
  return findings.flatMap((finding): Check[] => {
    const host = finding.target.host;
    const certificate = finding.certificate;
    if (certificate === undefined) {
      return [
        {
          status: "fail",
          area: "tls",
          detail: `${host}: no TLS handshake with the proxy at ${at} (${finding.error}); the proxy must listen for TLS there`,
        },
      ];
    }
    const checks: Check[] = [];
    const expiry = certificate.validTo.toISOString().slice(0, 10);
    if (!finding.covered) {
      checks.push({
        status: "fail",
        area: "tls",
        detail: `${host}: the served certificate covers only ${certificate.names.join(", ")}; browsers (and Cloudflare in Full (strict), as a 526) reject it for this name: issue a certificate that includes it`,
      });
    }
    if (finding.daysLeft < 0) {
      checks.push({
        status: "fail",
        area: "tls",
        detail: `${host}: the served certificate expired on ${expiry}; ${RENEW[expected.mode]}`,
      });
    } else if (finding.daysLeft < EXPIRY_WARNING_DAYS) {
      checks.push({
        status: "fail",
        area: "tls",
        detail: `${host}: the served certificate expires in ${finding.daysLeft} days (${expiry}), under the ${EXPIRY_WARNING_DAYS}-day margin; ${RENEW[expected.mode]}`,
      });
    }
    if (!finding.modeMatches)
      checks.push({ status: "warn", area: "tls", detail: `${host}: ${finding.modeDetail}` });
    if (checks.length === 0) {
      checks.push({
        status: "pass",
        area: "tls",
        detail: `${host}: served certificate covers it, ${finding.daysLeft} days left, ${finding.modeDetail}`,
      });
    }
    return checks;
  });
}
