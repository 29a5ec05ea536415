/**
 * `tls.mode: provided`: the certificate parses and covers `*.<domain>` and `<domain>`, by the
 * check WildcardCertificate runs (providedCertificateProblems). Whether `tlsPrivateKey` is its
 * key is checked when the program runs: here the key is ciphertext.
 */
import { providedCertificateProblems } from "../../../components/edge/wildcard-certificate-args";
import { configIssue, type ConfigRule } from "./rule";

export const providedCertificateIssues: ConfigRule = ({ config, valid }) => {
  if (!valid("tls", "domain") || config.tls.mode !== "provided") return [];
  const certificate = config.tls.certificate;
  return providedCertificateProblems(config.domain, certificate).map((problem) =>
    // A certificate that does not parse is shown (its start); one that parses is named by the
    // message's own list of its DNS names.
    configIssue(
      "tls.certificate",
      problem.message.startsWith("is not a PEM certificate") ? certificate : undefined,
      problem.message,
    ),
  );
};
