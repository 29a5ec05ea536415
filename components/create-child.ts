import type * as pulumi from "@pulumi/pulumi";
import { applyTransform, type Transform } from "./transform";

/** A resource class: `new Kind(name, args, opts)`. */
export type ResourceClass<Args, Resource> = new (
  name: string,
  args: Args,
  opts: pulumi.CustomResourceOptions,
) => Resource;

/**
 * Registers one child of `parent` after the caller's {@link Transform} for it has run: the one
 * place a component's children are created, so every child honours its transform the same way.
 */
export function createChild<Args extends object, Resource>(
  parent: pulumi.Resource,
  kind: ResourceClass<Args, Resource>,
  name: string,
  args: Args,
  transform: Transform<Args> | undefined,
  opts: Omit<pulumi.CustomResourceOptions, "parent"> = {},
): Resource {
  const [finalArgs, finalOpts] = applyTransform(transform, name, args, { ...opts, parent });
  return new kind(name, finalArgs, finalOpts);
}
