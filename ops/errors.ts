/** Errors the ops tool explains to the user: each says what happened and what to do. */

/** Base of every error the CLI prints as-is (no stack trace) and exits non-zero with. */
export class OpsError extends Error {
  constructor(
    message: string,
    /** Process exit code: 1 for failures, 2 for misuse of the command line. */
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The command line itself is wrong (unknown flag, missing value, contradictory flags). */
export class UsageError extends OpsError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** No stack of that name; the message lists the ones that exist. */
export class UnknownStackError extends OpsError {
  constructor(
    readonly stackName: string,
    readonly existing: readonly string[],
  ) {
    super(
      existing.length === 0
        ? `stack "${stackName}" does not exist, and this project has no stacks yet; create one with: pulumi stack init ${stackName}`
        : `stack "${stackName}" does not exist; stacks of this project: ${[...existing].sort().join(", ")}`,
    );
  }
}

/** Another update holds the stack's lock (Automation API `ConcurrentUpdateError`). */
export class UpdateInProgressError extends OpsError {
  constructor(readonly stackName: string) {
    super(
      `stack "${stackName}" has an update in progress (another deploy, rollback or pulumi up holds its lock); ` +
        `wait for it to finish. If nothing is running any more (the process was killed), clear the lock: ` +
        `pulumi cancel --stack ${stackName} on Pulumi Cloud, or on a self-managed backend delete the stack's lock ` +
        `file under .pulumi/locks/ in the backend`,
    );
  }
}

/** `pulumi` is not on PATH; the message says how to install it. */
export class PulumiCliMissingError extends OpsError {
  constructor(detail?: string) {
    super(
      `the Pulumi CLI was not found on PATH${detail ? ` (${detail})` : ""}; install it with ` +
        `"curl -fsSL https://get.pulumi.com | sh" (or "brew install pulumi/tap/pulumi"), make sure ` +
        `~/.pulumi/bin is on PATH, and check with "pulumi version"`,
    );
  }
}

/** The CLI works but is logged in to no backend (`pulumi whoami` fails). */
export class NotLoggedInError extends OpsError {
  /** `localState`: the folder `npm run local:up` keeps the local stack in. */
  constructor(detail: string, localState = "<project>/.pulumi-state") {
    super(
      `the Pulumi CLI is not logged in to a backend (${detail}); run "pulumi login" (Pulumi Cloud, or set PULUMI_ACCESS_TOKEN), or set PULUMI_BACKEND_URL to a self-managed backend such as s3://bucket; the local stack (npm run local:up) lives in file://${localState} with PULUMI_CONFIG_PASSPHRASE=agent-cloud-local`,
    );
  }
}

/** A Pulumi operation failed for a reason other than the ones above. */
export class PulumiOperationError extends OpsError {
  constructor(operation: string, stack: string, detail: string) {
    super(`pulumi ${operation} failed for stack "${stack}": ${detail}`);
  }
}
