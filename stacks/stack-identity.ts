/**
 * The program's own guard on what a stack keeps for life, so a hand-run `pulumi up` (or a CI job
 * that runs it) is held to the rules `ops deploy` and `ops rollback` check first
 * (ops/plans/stack-identity.ts): the environment a stack runs never changes, and running tenants
 * never move to another database server until the operator says their data was moved.
 *
 * It reads the stack's own outputs of its last update through a stack reference to itself,
 * before anything is registered: a refused update deploys nothing.
 */
import * as pulumi from "@pulumi/pulumi";
import { showReceived } from "../model/rules/config-problem";
import {
  databaseMoveSummary,
  databaseServerName,
  type DatabaseLocation,
  ENVIRONMENT_KEPT,
} from "../model/database-server";
import type { PlatformConfig } from "../model/platform-config";
import { ConfigError, type ConfigIssue } from "./config/errors";
import { databaseMovedOverride, OVERRIDE_ENV } from "./config/overrides";
import { qualifiedStackName } from "./config/shards";

/** The stack outputs the guard reads back (stacks/index.ts exports them). */
export const IDENTITY_OUTPUTS = {
  environment: "environment",
  databaseServer: "databaseServer",
  tenants: "tenants",
} as const;

/** What the stack's last update left in its outputs; all unknown for a stack never deployed. */
export interface RunningStack {
  readonly environment?: string;
  /** databaseServerName of the last update's config; stacks deployed before it was exported have none. */
  readonly databaseServer?: string;
  /** Ids of the tenants it runs. */
  readonly tenants: readonly string[];
}

/** Reads a stack's outputs as the guard needs them; anything unexpected counts as unknown. */
export function runningStackOf(outputs: Readonly<Record<string, unknown>>): RunningStack {
  const text = (value: unknown) => (typeof value === "string" ? value : undefined);
  const tenants = outputs[IDENTITY_OUTPUTS.tenants];
  return {
    environment: text(outputs[IDENTITY_OUTPUTS.environment]),
    databaseServer: text(outputs[IDENTITY_OUTPUTS.databaseServer]),
    tenants:
      tenants !== null && typeof tenants === "object" && !Array.isArray(tenants)
        ? Object.keys(tenants)
        : [],
  };
}

export interface IdentityCheck {
  /** Refusals: the update must not run. */
  readonly issues: readonly ConfigIssue[];
  /** Warnings: a move a preview only notes, a move said to be done, a move it cannot check. */
  readonly notes: readonly string[];
}

/**
 * The guard's rules, pure: `config` is what this run would deploy, `running` what the stack's
 * last update ran. `moved`: AGENT_CLOUD_DATABASE_MOVED=1. `preview`: a move is noted, not refused.
 */
export function stackIdentityCheck(
  config: { readonly environment: string; readonly database: DatabaseLocation },
  running: RunningStack,
  options: {
    readonly stack: string;
    /** The stack file that sets `environment` and `database` (a shard's platform's). */
    readonly file: string;
    readonly moved: boolean;
    readonly preview: boolean;
  },
): IdentityCheck {
  const issues: ConfigIssue[] = [];
  const notes: string[] = [];
  const { file } = options;
  if (running.environment !== undefined && running.environment !== config.environment) {
    issues.push({
      path: "environment",
      received: showReceived(config.environment),
      message: `stack "${options.stack}" runs environment "${running.environment}": ${ENVIRONMENT_KEPT}. An environment keeps its name: set environment back to "${running.environment}" in ${file}, or create a new stack for "${config.environment}"`,
    });
  }
  const to = databaseServerName(config.database);
  const from = running.databaseServer;
  if (from === undefined && running.tenants.length > 0)
    notes.push(
      `the last update recorded no database server (its program predates the databaseServer output), so this one cannot tell whether its tenants (${running.tenants.join(", ")}) move to another server; the next update can`,
    );
  if (from !== undefined && to !== undefined && from !== to && running.tenants.length > 0) {
    const what = databaseMoveSummary({ ran: "the last update", from, runs: "this one", to });
    const how = `back up each of ${running.tenants.join(", ")} (npm run ops -- db backup --stack ${options.stack} --tenant <id>), run the update with ${OVERRIDE_ENV.databaseMoved}=1 (npm run ops -- deploy|rollback --stack ${options.stack} --database-moved sets it), then restore each (db restore)`;
    if (options.moved)
      notes.push(
        `${what}; ${OVERRIDE_ENV.databaseMoved}=1: restore each tenant's data if it is not there yet`,
      );
    else if (options.preview) notes.push(`${what}: ${how}`);
    else
      issues.push({
        path: "database",
        received: showReceived(to),
        message: `${what}: ${how}; or set database in ${file} back to ${from}`,
      });
  }
  return { issues, notes };
}

/** The guard's refusal: the config is valid, but this stack cannot take it. */
export class StackIdentityError extends ConfigError {
  constructor(stack: string, issues: readonly ConfigIssue[]) {
    super(issues, `stack "${stack}" refuses this update`);
    this.name = "StackIdentityError";
  }
}

/**
 * Reads what this stack ran last (a stack reference to itself, in the organization the engine
 * runs it in) and applies stackIdentityCheck. Rejects with a {@link StackIdentityError} listing
 * every refusal; logs its notes as warnings.
 */
export async function checkStackIdentity(
  config: PlatformConfig,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<void> {
  const moved = databaseMovedOverride(env);
  const stack = pulumi.getStack();
  const self = new pulumi.StackReference(`${config.environment}-last-update`, {
    name: qualifiedStackName(pulumi.getOrganization(), pulumi.getProject(), stack),
  });
  const outputs: Record<string, unknown> = {};
  for (const name of Object.values(IDENTITY_OUTPUTS)) {
    const details = await self.getOutputDetails(name);
    outputs[name] = details.value ?? details.secretValue;
  }
  const check = stackIdentityCheck(config, runningStackOf(outputs), {
    stack,
    file: `Pulumi.${config.shard.platform ?? stack}.yaml`,
    moved,
    preview: pulumi.runtime.isDryRun(),
  });
  for (const note of check.notes) void pulumi.log.warn(note);
  if (check.issues.length > 0) throw new StackIdentityError(stack, check.issues);
}
