/** Pulumi URNs: `urn:pulumi:<stack>::<project>::<parent types $ ... $ type>::<name>`. */

/** The parts of a URN. */
export interface ParsedUrn {
  readonly stack: string;
  readonly project: string;
  /** The resource's type followed by nothing: the last `$` segment of the qualified type. */
  readonly type: string;
  /** Types of the resource's ancestors, outermost first, then its own type. */
  readonly typeChain: readonly string[];
  readonly name: string;
}

/** Splits a URN into its parts; undefined when `urn` is not a Pulumi URN. */
export function parseUrn(urn: string): ParsedUrn | undefined {
  const parts = urn.split("::");
  const head = parts[0];
  if (parts.length < 4 || head === undefined || !head.startsWith("urn:pulumi:")) return undefined;
  const typeChain = (parts[2] ?? "").split("$");
  const type = typeChain[typeChain.length - 1];
  if (type === undefined || type === "") return undefined;
  return {
    stack: head.slice("urn:pulumi:".length),
    project: parts[1] ?? "",
    type,
    typeChain,
    name: parts.slice(3).join("::"),
  };
}
