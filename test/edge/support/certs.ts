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

/** Self-signed EC certificate for `*.{domain}` and `{domain}`, valid one day, written into `dir`. */
export function makeWildcardCertificate(dir: string, domain: string): TestCertificate {
  const certificatePath = join(dir, "tls.crt");
  const keyPath = join(dir, "tls.key");
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
      "1",
      "-subj",
      `/CN=*.${domain}`,
      "-addext",
      `subjectAltName=DNS:*.${domain},DNS:${domain}`,
      "-keyout",
      keyPath,
      "-out",
      certificatePath,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  return { certificatePath, keyPath, pem: readFileSync(certificatePath, "utf8") };
}
