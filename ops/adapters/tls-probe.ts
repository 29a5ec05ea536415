/**
 * The certificate a TLS endpoint actually serves for a name (SNI), read with a real handshake.
 * Commands depend on {@link CertificateProbe}; {@link TlsCertificateProbe} is the real one.
 */
import { X509Certificate } from "node:crypto";
import { connect } from "node:tls";

/** What a served leaf certificate says about itself. */
export interface ServedCertificate {
  /** `CN=...` (and other subject fields) as one line. */
  readonly subject: string;
  /** The issuer as one line, e.g. `CN=R11, O=Let's Encrypt, C=US`. */
  readonly issuer: string;
  /** DNS names it covers: its subjectAltName DNS entries, else its CN. */
  readonly names: readonly string[];
  readonly validFrom: Date;
  readonly validTo: Date;
  /** SHA-256 fingerprint, `AB:CD:...`. */
  readonly fingerprint256: string;
  /** Issued by itself (subject = issuer, signed by its own key). */
  readonly selfSigned: boolean;
}

/** Reads the certificate served at `address:port` for `servername`; throws when no handshake. */
export interface CertificateProbe {
  served(
    address: string,
    port: number,
    servername: string,
    timeoutMs: number,
  ): Promise<ServedCertificate>;
}

/** `CN=a\nO=b` (node's form) as `CN=a, O=b`. */
function oneLine(distinguishedName: string): string {
  return distinguishedName.split("\n").filter(Boolean).join(", ");
}

/** The DNS names a certificate covers: SAN DNS entries, else the subject CN (legacy). */
export function namesOf(certificate: X509Certificate): string[] {
  const san = (certificate.subjectAltName ?? "")
    .split(/,\s*/)
    .filter((e) => e.startsWith("DNS:"))
    .map((e) => e.slice(4).toLowerCase());
  if (san.length > 0) return san;
  const commonName = /^CN=(.*)$/m.exec(certificate.subject)?.[1];
  return commonName === undefined ? [] : [commonName.toLowerCase()];
}

/** A parsed X.509 certificate in the shape the checks read. */
export function describeCertificate(certificate: X509Certificate): ServedCertificate {
  return {
    subject: oneLine(certificate.subject),
    issuer: oneLine(certificate.issuer),
    names: namesOf(certificate),
    validFrom: new Date(certificate.validFrom),
    validTo: new Date(certificate.validTo),
    fingerprint256: certificate.fingerprint256,
    selfSigned:
      certificate.subject === certificate.issuer && certificate.verify(certificate.publicKey),
  };
}

/**
 * Connects with TLS and SNI, without verifying (an untrusted or wrong certificate is exactly
 * what is being looked at), and reads the leaf the server presented.
 */
export class TlsCertificateProbe implements CertificateProbe {
  served(
    address: string,
    port: number,
    servername: string,
    timeoutMs: number,
  ): Promise<ServedCertificate> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: address, port, servername, rejectUnauthorized: false });
      socket.setTimeout(timeoutMs, () =>
        socket.destroy(new Error(`no TLS handshake within ${timeoutMs} ms`)),
      );
      socket.once("error", (error: NodeJS.ErrnoException) =>
        reject(new Error(error.code === "ECONNREFUSED" ? "connection refused" : error.message)),
      );
      socket.once("secureConnect", () => {
        const raw = socket.getPeerCertificate(false).raw as Buffer | undefined;
        socket.end();
        if (raw === undefined || raw.length === 0) {
          reject(new Error("the server presented no certificate"));
          return;
        }
        resolve(describeCertificate(new X509Certificate(raw)));
      });
    });
  }
}
