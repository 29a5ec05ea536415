/** A throwaway wildcard certificate from openssl, for live runs of the edge config. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface TestCertificate {
  readonly certificatePath: string;
  readonly keyPath: string;
  /** The self-signed certificate, to trust as the CA in clients. */
  readonly pem: string;
}

/**
 * A self-signed EC certificate and its key, as PEM, written into `dir` as `{name}.crt|key`,
 * valid for `days` from now.
 */
export function makeSelfSignedCertificate(
  dir: string,
  name: string,
  subject: string,
  dnsNames: readonly string[],
  days = 1,
): { certificatePath: string; keyPath: string; certificatePem: string; keyPem: string } {
  const certificatePath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  execFileSync(
    "/usr/bin/openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      String(days),
      "-subj",
      `/CN=${subject}`,
      "-addext",
      `subjectAltName=${dnsNames.map((n) => `DNS:${n}`).join(",")}`,
      "-keyout",
      keyPath,
      "-out",
      certificatePath,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  return {
    certificatePath,
    keyPath,
    certificatePem: readFileSync(certificatePath, "utf8"),
    keyPem: readFileSync(keyPath, "utf8"),
  };
}

/** Self-signed EC certificate for `*.{domain}` and `{domain}`, valid one day, written into `dir`. */
export function makeWildcardCertificate(dir: string, domain: string): TestCertificate {
  const certificate = makeSelfSignedCertificate(dir, "tls", `*.${domain}`, [`*.${domain}`, domain]);
  return {
    certificatePath: certificate.certificatePath,
    keyPath: certificate.keyPath,
    pem: certificate.certificatePem,
  };
}
