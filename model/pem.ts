/**
 * PEM certificates in config (`tls.certificate`, `proxy.originPull.caCertificate`). Config values
 * are kept in clear in the stack file, the state and every update's recorded config, so a value
 * that also holds a private key (a whole `cert+key.pem` pasted in) is refused: the edge's key is
 * the secret `tlsPrivateKey`.
 */
import { z } from "zod";
import { PRIVATE_KEY_PEM } from "./rules/secrets";

const CERTIFICATE_BEGIN = "-----BEGIN CERTIFICATE-----";

/** A PEM certificate (chain) with no private key in it. */
export const pemCertificate = z
  .string()
  .startsWith(CERTIFICATE_BEGIN, {
    error: `must be a PEM certificate starting with ${CERTIFICATE_BEGIN}`,
  })
  .refine((pem) => !PRIVATE_KEY_PEM.test(pem), {
    error:
      "holds a PEM private key: only certificates go here, since config is stored in clear (the stack file, the state, every update's history); remove the key block, and give the edge's key as the secret tlsPrivateKey (pulumi config set --secret tlsPrivateKey < key.pem)",
  });
