import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "./config/errors";

/**
 * What a failed config check becomes when it ends a Pulumi run: a ConfigError turns into a
 * RunError carrying its message alone (Pulumi prints no stack trace for it); anything else is
 * left as it is.
 */
export function stopOnConfigError(error: unknown): unknown {
  return error instanceof ConfigError ? new pulumi.RunError(error.message) : error;
}
