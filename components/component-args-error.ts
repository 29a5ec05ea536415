import * as pulumi from "@pulumi/pulumi";

/**
 * The one error every component raises for args it cannot use: a `pulumi.RunError` (the engine
 * prints its message without a stack trace) naming the component, the resource's name and every
 * problem. Each component's `resolveArgs` gathers all problems and throws this once, before
 * `super`, so nothing of a component with bad args is registered.
 */
export class ComponentArgsError extends pulumi.RunError {
  constructor(
    /** The component's class name, e.g. `ManagementProxy`. */
    readonly component: string,
    /** The logical name the component was given. */
    readonly resourceName: string,
    /** Every problem, each naming the arg, what was received and what is allowed. */
    readonly problems: readonly string[],
  ) {
    super(
      problems.length === 1
        ? `${component} ${JSON.stringify(resourceName)}: ${problems[0]}`
        : `${component} ${JSON.stringify(resourceName)}: ${problems.length} problems:\n` +
            problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ComponentArgsError";
  }
}

/** Throws one {@link ComponentArgsError} listing `problems`, if there are any. */
export function assertNoProblems(
  component: string,
  resourceName: string,
  problems: readonly string[],
): void {
  if (problems.length > 0) throw new ComponentArgsError(component, resourceName, problems);
}
