/**
 * What a deployed stack keeps for life. Every name the platform gives a tenant (namespace
 * `{env}-tenant-{id}`, role and database `sp_{env}_{id}`, the resources' own names) is made from
 * the environment, so a stack file that renames the environment of a running stack would have
 * the update delete every tenant's namespace and start each on a new, empty database (the old
 * ones are retained on the server). And nothing moves tenant data to a new database server, so a
 * deploy onto one waits for the operator to say the data was moved.
 */
import {
  databaseMoveSummary,
  databaseServerName,
  ENVIRONMENT_KEPT,
} from "../../model/database-server";
import type { StackConfig, StackOutputs, UpdateRecord } from "../engine";
import { OpsError } from "../errors";
import { environmentOf, fromRecorded, isSecure, KEY, sectionOf } from "../stack-config";
import { releaseOf } from "./release";
import { environmentOutput } from "../stack-outputs";
import { OVERRIDE_ENV } from "../../stacks/config/overrides";
import { recordedNoConfig, successes } from "./tenants-ran";

/** Refuses a stack file whose environment is not the one the stack runs, before anything runs. */
export function assertSameEnvironment(
  stack: string,
  config: StackConfig,
  outputs: StackOutputs,
  file: string,
): void {
  const running = environmentOutput(outputs);
  const configured = environmentOf(config);
  if (running === undefined || configured === undefined || running === configured) return;
  throw new OpsError(
    `${file} sets environment "${configured}", and stack "${stack}" runs environment "${running}": ${ENVIRONMENT_KEPT}. An environment keeps its name: set environment back to "${running}", or create a new stack for "${configured}"`,
  );
}

/**
 * Where a stack's tenant databases live (databaseServerName). Undefined when the section cannot
 * be read (one secret, or a host that is one).
 */
export function databaseServerOf(config: StackConfig): string | undefined {
  if (isSecure(config[KEY.database])) return undefined;
  const database = sectionOf(config, "database");
  return databaseServerName({
    mode: typeof database.mode === "string" ? database.mode : undefined,
    host: database.host,
    port: database.port,
  });
}

/** The server the newest successful update's tenants ran on, and that update. */
function lastDatabaseServer(
  history: readonly UpdateRecord[],
  shard: boolean,
): { version: number; server: string } | undefined {
  const last = successes(history).sort((a, b) => b.version - a.version)[0];
  if (last === undefined) return undefined;
  // Recorded by ops since it records it; else read from the recorded config, which for a shard
  // holds no database (its platform's file does).
  const noted = releaseOf(last).database;
  if (noted !== undefined) return { version: last.version, server: noted };
  const recorded = last.config[KEY.database];
  if (shard || recordedNoConfig(last) || recorded?.secret === true) return undefined;
  const server = databaseServerOf(
    recorded === undefined ? {} : { [KEY.database]: fromRecorded(recorded) },
  );
  return server === undefined ? undefined : { version: last.version, server };
}

/**
 * Refuses a deploy or a rollback that moves running tenants to another database server, unless
 * the operator says the data was moved (`--database-moved`): nothing moves it, and the tenants
 * would run on new, empty databases (or, rolled back, on the old server's copy of their data as
 * it was before the move). A preview (`dryRun`) only notes it. Returns the note to print, if any.
 */
export function checkDatabaseServer(input: {
  readonly stack: string;
  readonly history: readonly UpdateRecord[];
  readonly config: StackConfig;
  readonly running: readonly string[];
  readonly shard: boolean;
  readonly moved: boolean;
  readonly dryRun: boolean;
  /** Set for a rollback: the update it returns to. */
  readonly rollbackTo?: number;
}): string | undefined {
  const last = lastDatabaseServer(input.history, input.shard);
  const to = databaseServerOf(input.config);
  if (last === undefined || to === undefined || last.server === to || input.running.length === 0) {
    return undefined;
  }
  const rollback = input.rollbackTo === undefined ? undefined : `v${input.rollbackTo}`;
  const what = databaseMoveSummary({
    ran: `v${last.version}`,
    from: last.server,
    runs: rollback === undefined ? "this deploy" : `the rollback to ${rollback}`,
    to,
  });
  const how = `back up each of ${input.running.join(", ")} (npm run ops -- db backup --stack ${input.stack} --tenant <id>), ${rollback === undefined ? "deploy" : "roll back"} with --database-moved, then restore each (db restore)`;
  if (input.moved)
    return `note: ${what}; --database-moved: restore each tenant's data if it is not there yet`;
  if (input.dryRun) return `note: ${what}: ${how}`;
  const revert =
    rollback === undefined
      ? `set the stack file's database back to ${last.server}`
      : `roll back to an update that ran on ${last.server}`;
  throw new OpsError(`${what}: ${how}; or ${revert}`);
}

/**
 * What `--database-moved` tells the program (`AGENT_CLOUD_DATABASE_MOVED=1`), which checks a
 * move itself for a hand-run `pulumi up` (stacks/stack-identity.ts); nothing without the flag.
 */
export function databaseMovedEnv(moved: boolean): Record<string, string> {
  return moved ? { [OVERRIDE_ENV.databaseMoved]: "1" } : {};
}
