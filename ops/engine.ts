/**
 * The one seam between the release commands and Pulumi. Everything that runs the CLI, reads state
 * or history, or touches a stack's config file goes through {@link ReleaseEngine}; the commands
 * hold the logic. `adapters/automation-engine.ts` is the real implementation over the Automation API, and
 * the unit tests drive every command with an in-memory one.
 */
import type { PreviewStep } from "./plans/pending";

/** How an update or preview went, as Pulumi reports it. */
export type UpdateResultKind = "not-started" | "in-progress" | "succeeded" | "failed";

/** Counts per operation (`create`, `update`, `delete`, `replace`, `same`, ...). */
export type ChangeCounts = Readonly<Record<string, number>>;

/** A config value recorded with an update. Secret values are never carried, only the flag. */
export interface RecordedConfigValue {
  /** The value as text (JSON text for objects); absent for secrets. */
  readonly value?: string;
  readonly secret: boolean;
}

/** One entry of a stack's history, requested without secrets. */
export interface UpdateRecord {
  readonly version: number;
  /** `update`, `preview`, `refresh`, `destroy`, ... */
  readonly kind: string;
  readonly result: UpdateResultKind;
  readonly startTime: Date;
  readonly endTime?: Date;
  readonly message: string;
  /** What Pulumi recorded about where the update ran, e.g. `git.head`, `git.dirty`. */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * The title of the commit `git.head` names, when that commit is in the local repository: the
   * message Pulumi records for an update run without one (ops/plans/update-meta.ts opsMessage).
   */
  readonly commitTitle?: string;
  /** The config the update ran with, keyed `namespace:key`. */
  readonly config: Readonly<Record<string, RecordedConfigValue>>;
  readonly resourceChanges: ChangeCounts;
}

/** A stack output. Secret outputs are never printed. */
export interface OutputValue {
  readonly value: unknown;
  readonly secret: boolean;
}

/** A stack's outputs by name. */
export type StackOutputs = Readonly<Record<string, OutputValue>>;

/** One resource of the stack's current state (from `pulumi stack export`, secrets encrypted). */
export interface StateResource {
  readonly urn: string;
  readonly type: string;
  readonly parent?: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly outputs: Readonly<Record<string, unknown>>;
}

/**
 * A stack's config as its `Pulumi.<stack>.yaml` holds it, keyed `namespace:key`. Values are plain
 * YAML values; an encrypted value stays in its `{ secure: "<ciphertext>" }` form and is never
 * decrypted by the ops tool.
 */
export type StackConfig = Readonly<Record<string, unknown>>;

/** A value set (or, with `value: undefined`, removed) at `path` inside config key `key`. */
export interface ConfigChange {
  /** Full key, e.g. `agent-cloud:image`. */
  readonly key: string;
  /** Path inside the key's value; empty for the whole value. */
  readonly path: readonly (string | number)[];
  readonly value: unknown;
}

/** The program and config of an earlier update, to run instead of the work tree (rollback). */
export interface RunSource {
  /** Full commit sha the program is checked out at. */
  readonly commit: string;
  /** The complete stack config to run with (secure values as ciphertext). */
  readonly config: StackConfig;
}

/** Options shared by preview and up. */
export interface RunOptions {
  /** Message recorded with the update (up only). */
  readonly message?: string;
  /** Extra environment variables for the Pulumi program (`AGENT_CLOUD_*`). */
  readonly env?: Readonly<Record<string, string>>;
  /** URNs to restrict the operation to. */
  readonly target?: readonly string[];
  /** Also operate on resources that depend on a target. */
  readonly targetDependents?: boolean;
  /** Policy pack folders to enforce (`--policy-pack`). */
  readonly policyPacks?: readonly string[];
  /** Run this commit's program with this config instead of the work tree. */
  readonly source?: RunSource;
  /** Receives the CLI's progress output as it streams. */
  readonly onOutput?: (text: string) => void;
}

/** What a preview found. */
export interface PreviewOutcome {
  readonly changeSummary: ChangeCounts;
  /** Each resource the preview would change (not the unchanged ones), when the engine says. */
  readonly steps?: readonly PreviewStep[];
}

/** What an update did, and the outputs it left. */
export interface UpOutcome {
  readonly version: number;
  readonly result: UpdateResultKind;
  readonly resourceChanges: ChangeCounts;
  readonly outputs: StackOutputs;
}

/** Where the work tree is: the commit deploys record and whether it has uncommitted changes. */
export interface GitState {
  /** Full sha of HEAD, or undefined outside a git repository. */
  readonly commit?: string;
  readonly dirty: boolean;
  /** `git config user.name`, recorded as the actor when no CI actor is set. */
  readonly user?: string;
}

/** Everything the release commands need from Pulumi, git and the stack files. */
export interface ReleaseEngine {
  /** Throws {@link PulumiCliMissingError} when the `pulumi` CLI is not on PATH. */
  ensureCli(): Promise<void>;
  /** Names of the project's stacks in the current backend. */
  listStacks(): Promise<string[]>;
  /** Throws {@link UnknownStackError} (listing the stacks that exist) when there is no such stack. */
  selectStack(stack: string): Promise<void>;
  preview(stack: string, options: RunOptions): Promise<PreviewOutcome>;
  /** Throws {@link UpdateInProgressError} when another update holds the stack. */
  up(stack: string, options: RunOptions): Promise<UpOutcome>;
  /** The stack's updates, newest first, always requested without secrets. */
  history(stack: string): Promise<UpdateRecord[]>;
  outputs(stack: string): Promise<StackOutputs>;
  resources(stack: string): Promise<StateResource[]>;
  /** The `config:` block of `Pulumi.<stack>.yaml` ({} when the file does not exist). */
  readConfig(stack: string): Promise<StackConfig>;
  /** Applies changes to `Pulumi.<stack>.yaml`, keeping everything else (comments included). */
  writeConfig(stack: string, changes: readonly ConfigChange[]): Promise<void>;
  /** The file that holds a stack's config, as shown to the user. */
  configFileName(stack: string): string;
  gitState(): Promise<GitState>;
  /**
   * Lifts `protect` from these resources of the stack's state (`pulumi state unprotect`), so an
   * update the user explicitly asked for may delete them; retained resources stay in place.
   */
  unprotect(stack: string, urns: readonly string[]): Promise<void>;
  /** Whether the project holds a policy pack (`PulumiPolicy.yaml`) in folder `dir`. */
  hasPolicyPack(dir: string): Promise<boolean>;
  /** Whether `sha` names a commit in the local repository. */
  hasCommit(sha: string): Promise<boolean>;
  /** A project file (path from the project folder) as of commit `sha`; undefined when absent. */
  fileAt(sha: string, file: string): Promise<string | undefined>;
  /** Releases what the engine made (git worktrees). */
  dispose(): Promise<void>;
}
