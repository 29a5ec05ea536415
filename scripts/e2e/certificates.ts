/**
 * The certificate the proxy serves, made here for the stack's TLS mode: a real self-signed
 * certificate for `self-signed`; for `acme`, `cloudflare-origin-ca` and `provided` a stand-in
 * signed by a CA made for this run (Let's Encrypt, Cloudflare's Origin CA and the operator's key
 * are not reachable here), for the same names the program asks for.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";

export interface EdgeCertificate {
  readonly certPem: string;
  readonly keyPem: string;
  /** What clients trust: the certificate itself, or the run's CA. */
  readonly caPem: string;
  readonly names: readonly string[];
  readonly how: string;
}

const OPENSSL = "/usr/bin/openssl";

function run(args: string[]): void {
  execFileSync(OPENSSL, args, { stdio: ["ignore", "ignore", "pipe"] });
}

export function makeEdgeCertificate(
  dir: string,
  mode: string,
  names: readonly string[],
  days = 90,
): EdgeCertificate {
  const key = path.join(dir, "edge.key");
  const crt = path.join(dir, "edge.crt");
  const san = `subjectAltName=${names.map((n) => `DNS:${n}`).join(",")}`;
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  if (mode === "self-signed") {
    run([
      "req",
      "-x509",
      ...ec,
      "-days",
      String(days),
      "-subj",
      `/CN=${names[0]}`,
      "-addext",
      san,
      "-keyout",
      key,
      "-out",
      crt,
    ]);
    const pem = readFileSync(crt, "utf8");
    return {
      certPem: pem,
      keyPem: readFileSync(key, "utf8"),
      caPem: pem,
      names,
      how: "self-signed (openssl, as the tls provider would make it)",
    };
  }
  const caKey = path.join(dir, "ca.key");
  const caCrt = path.join(dir, "ca.crt");
  run([
    "req",
    "-x509",
    ...ec,
    "-days",
    String(days),
    "-subj",
    "/CN=agent-cloud e2e stand-in CA",
    "-keyout",
    caKey,
    "-out",
    caCrt,
  ]);
  const csr = path.join(dir, "edge.csr");
  run(["req", ...ec, "-subj", `/CN=${names[0]}`, "-keyout", key, "-out", csr]);
  const ext = path.join(dir, "edge.ext");
  writeFileSync(ext, `${san}\n`);
  run([
    "x509",
    "-req",
    "-in",
    csr,
    "-CA",
    caCrt,
    "-CAkey",
    caKey,
    "-CAcreateserial",
    "-days",
    String(days),
    "-extfile",
    ext,
    "-out",
    crt,
  ]);
  return {
    certPem: readFileSync(crt, "utf8"),
    keyPem: readFileSync(key, "utf8"),
    caPem: readFileSync(caCrt, "utf8"),
    names,
    how: `stand-in for ${mode} (signed by a CA made for this run)`,
  };
}
