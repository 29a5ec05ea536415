/** Flags several commands share, each with the help line the command gives it. */
import type { FlagSpec } from "./command";

/** `--stack, -s S`. */
export function stackFlag(doc: string): FlagSpec {
  return { type: "string", short: "s", value: "S", doc };
}

/** `--tenant, -t T`. */
export function tenantFlag(doc = "tenant id"): FlagSpec {
  return { type: "string", short: "t", value: "T", doc };
}

/** `--yes, -y`: go ahead without asking. */
export function yesFlag(doc: string): FlagSpec {
  return { type: "boolean", short: "y", doc };
}

/** `--timeout MS`. */
export function timeoutFlag(doc: string): FlagSpec {
  return { type: "string", value: "MS", doc };
}
