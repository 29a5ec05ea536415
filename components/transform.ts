import type * as pulumi from "@pulumi/pulumi";

/**
 * How a caller adjusts a child a component creates, before the child is registered (as SST's
 * `transform` args do): either args shallow-merged over the component's own, or a function that
 * edits the args and options in place. The child's name is given for reference and cannot be
 * changed: it is part of the child's URN, and a new URN would replace the resource.
 *
 * A transform runs after the component has checked its own args, so it can override anything,
 * including the security settings the component chose: review transforms like the component.
 */
export type Transform<Args> =
  Partial<Args> | ((args: Args, opts: pulumi.CustomResourceOptions, name: string) => void);

/** Applies a caller's {@link Transform} to one child's args and options; returns what to register. */
export function applyTransform<Args extends object>(
  transform: Transform<Args> | undefined,
  name: string,
  args: Args,
  opts: pulumi.CustomResourceOptions,
): [Args, pulumi.CustomResourceOptions] {
  if (transform === undefined) return [args, opts];
  if (typeof transform === "function") {
    transform(args, opts, name);
    return [args, opts];
  }
  return [{ ...args, ...transform }, opts];
}
