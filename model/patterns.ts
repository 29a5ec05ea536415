/**
 * Patterns more than one part of the platform checks values against (the config schema, the
 * components that take the values, ops and the policy pack).
 */

/** An image reference pinned by digest: `repo[:tag]@sha256:<64 hex>`. */
export const DIGEST_REF =
  /^[a-z0-9]([a-z0-9._\-/:]*[a-z0-9])?(:[\w][\w.-]{0,127})?@sha256:[a-f0-9]{64}$/;
