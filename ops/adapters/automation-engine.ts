/**
 * The real {@link ReleaseEngine}: Pulumi's Automation API over this project's own program
 * (`LocalWorkspace` with `workDir` = the project root), git for commits and worktrees, and the
 * stack files read and written as YAML.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import type { PreviewStep } from "../plans/pending";
import {
  CommandError,
  ConcurrentUpdateError,
  LocalWorkspace,
  PulumiCommand,
  Stack,
  StackNotFoundError,
  type UpdateSummary,
} from "@pulumi/pulumi/automation";
import { SemVer } from "semver";
import { parse as parseYaml } from "yaml";
import type {
  ConfigChange,
  GitState,
  OutputValue,
  PreviewOutcome,
  ReleaseEngine,
  RunOptions,
  RunSource,
  StackConfig,
  StackOutputs,
  StateResource,
  UpOutcome,
  UpdateRecord,
} from "../engine";
import {
  NotLoggedInError,
  OpsError,
  PulumiCliMissingError,
  PulumiOperationError,
  UnknownStackError,
  UpdateInProgressError,
} from "../errors";
import { Git } from "./git";
import {
  readConfigFile,
  replaceConfigInText,
  stackFilePath,
  writeConfigChanges,
} from "./stack-file";
import { LOCAL_STATE_DIR } from "./local-backend";
import { dependencyLine, dependencySource, npmCiArgs } from "./worktree-dependencies";
import { OVERRIDE_ENV } from "../../stacks/config/overrides";

/**
 * The program's per-run overrides (stacks/config/overrides.ts) are ops' own to set: each is
 * passed empty unless the command sets it, so one left in the shell (exported for a hand-run
 * `pulumi up`) never changes what a deploy, rollback or promotion runs, nor what it records.
 */
export const NO_PROGRAM_OVERRIDES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.values(OVERRIDE_ENV).map((name) => [name, ""]),
);

/**
 * The oldest Pulumi CLI ops runs: 3.174 imports a resource and then updates it to the program's
 * inputs in one update, which taking a retained tenant database over needs (its role's password
 * cannot be read back, so an import that must match exactly always fails).
 */
export const MINIMUM_CLI = new SemVer("3.174.0");

/** Where the real engine runs Pulumi and makes rollback worktrees. */
export interface AutomationEngineOptions {
  /** The Pulumi project folder (holds Pulumi.yaml). */
  readonly workDir: string;
  /** Extra environment for every Pulumi command (e.g. PULUMI_BACKEND_URL in tests). */
  readonly envVars?: Readonly<Record<string, string>>;
  /** Where rollback worktrees are made; default: the system temp folder. */
  readonly worktreeRoot?: string;
  /** The npm executable that installs a rollback commit's locked packages; default `npm`. */
  readonly npm?: string;
  /**
   * How long that install may run before it is stopped and the rollback fails.
   * @default NPM_CI_TIMEOUT_MS (15 minutes)
   */
  readonly npmTimeoutMs?: number;
}

/** A rollback's `npm ci` past this has hung (a registry that never answers), not run slowly. */
export const NPM_CI_TIMEOUT_MS = 15 * 60 * 1000;

const exec = promisify(execFile);

/** The last lines of a failed command's stderr: enough to see why, without the whole log. */
function tail(text: string, lines = 8): string {
  const kept = text.trim().split("\n").slice(-lines).join("\n");
  return kept === "" ? "(no output)" : kept;
}

function commandResult(error: unknown): { stderr: string; err?: { code?: string } } | undefined {
  return (error as { commandResult?: { stderr: string; err?: { code?: string } } }).commandResult;
}

function isMissingCli(error: unknown): boolean {
  const result = commandResult(error);
  return result?.err?.code === "ENOENT" || /\bENOENT\b/.test(result?.stderr ?? "");
}

/** A history entry without any secret value (even if a CLI printed one). */
export function toUpdateRecord(summary: UpdateSummary): UpdateRecord {
  const config: Record<string, { value?: string; secret: boolean }> = {};
  for (const [key, entry] of Object.entries(summary.config ?? {})) {
    config[key] = entry.secret ? { secret: true } : { value: entry.value, secret: false };
  }
  const counts: Record<string, number> = {};
  for (const [op, count] of Object.entries(summary.resourceChanges ?? {})) {
    if (typeof count === "number") counts[op] = count;
  }
  return {
    version: summary.version,
    kind: summary.kind,
    result: summary.result,
    startTime: new Date(summary.startTime),
    endTime: summary.endTime === undefined ? undefined : new Date(summary.endTime),
    message: summary.message ?? "",
    environment: { ...(summary.environment ?? {}) },
    config,
    resourceChanges: counts,
  };
}

/** Outputs with secret values dropped: the ops tool never holds a secret it could print. */
export function withoutSecrets(
  outputs: Readonly<Record<string, { value: unknown; secret: boolean }>>,
): StackOutputs {
  const clean: Record<string, OutputValue> = {};
  for (const [name, output] of Object.entries(outputs)) {
    clean[name] = output.secret
      ? { value: undefined, secret: true }
      : { value: output.value, secret: false };
  }
  return clean;
}

/** The {@link ReleaseEngine} the CLI uses: Pulumi Automation API, git and the stack files. */
export class AutomationEngine implements ReleaseEngine {
  readonly workDir: string;
  readonly #envVars: Readonly<Record<string, string>>;
  readonly #worktreeRoot: string;
  readonly #npm: string;
  readonly #npmTimeoutMs: number;
  readonly #git: Git;
  #cli?: Promise<PulumiCommand>;
  #whoami?: Promise<void>;
  /** commit → worktree folder, removed on dispose. */
  readonly #worktrees = new Map<string, string>();

  constructor(options: AutomationEngineOptions) {
    this.workDir = path.resolve(options.workDir);
    this.#envVars = options.envVars ?? {};
    this.#worktreeRoot = options.worktreeRoot ?? os.tmpdir();
    this.#npm = options.npm ?? "npm";
    this.#npmTimeoutMs = options.npmTimeoutMs ?? NPM_CI_TIMEOUT_MS;
    this.#git = new Git(this.workDir);
  }

  /** The CLI is on PATH and logged in to a backend (`pulumi version`, then `pulumi whoami`). */
  async ensureCli(): Promise<void> {
    this.#whoami ??= this.workspace(this.workDir).then(async (workspace) => {
      try {
        await workspace.whoAmI();
      } catch (error) {
        throw new NotLoggedInError(
          tail(commandResult(error)?.stderr ?? String(error), 1),
          path.join(this.workDir, LOCAL_STATE_DIR),
        );
      }
    });
    return this.#whoami;
  }

  private cli(): Promise<PulumiCommand> {
    this.#cli ??= PulumiCommand.get({ version: MINIMUM_CLI }).catch((error: unknown) => {
      if (isMissingCli(error)) throw new PulumiCliMissingError();
      throw new OpsError(`the Pulumi CLI on PATH cannot be used: ${(error as Error).message}`);
    });
    return this.#cli;
  }

  private async workspace(dir: string, env: Readonly<Record<string, string>> = {}) {
    return LocalWorkspace.create({
      workDir: dir,
      pulumiCommand: await this.cli(),
      envVars: { ...NO_PROGRAM_OVERRIDES, ...this.#envVars, ...env },
    });
  }

  private async stack(
    name: string,
    dir = this.workDir,
    env?: Readonly<Record<string, string>>,
  ): Promise<Stack> {
    const workspace = await this.workspace(dir, env);
    try {
      return await Stack.select(name, workspace);
    } catch (error) {
      if (error instanceof StackNotFoundError) {
        throw new UnknownStackError(name, await this.listStacks());
      }
      throw this.translate(error, "stack select", name);
    }
  }

  /** A Pulumi failure as the error the user should see. */
  private translate(error: unknown, operation: string, stack: string): Error {
    if (error instanceof OpsError) return error;
    if (error instanceof ConcurrentUpdateError) return new UpdateInProgressError(stack);
    if (isMissingCli(error)) return new PulumiCliMissingError();
    if (error instanceof CommandError) {
      return new PulumiOperationError(
        operation,
        stack,
        tail(commandResult(error)?.stderr ?? error.message),
      );
    }
    return error as Error;
  }

  /** Policy packs resolved against the project, so a rollback's worktree runs today's rules. */
  private policyPacks(options: RunOptions): string[] | undefined {
    return options.policyPacks?.map((p) => path.resolve(this.workDir, p));
  }

  async listStacks(): Promise<string[]> {
    const workspace = await this.workspace(this.workDir);
    return (await workspace.listStacks()).map((s) => s.name).sort();
  }

  async selectStack(stack: string): Promise<void> {
    await this.stack(stack);
  }

  async preview(stack: string, options: RunOptions): Promise<PreviewOutcome> {
    const dir =
      options.source === undefined
        ? this.workDir
        : await this.checkout(stack, options.source, options.onOutput);
    const pulumiStack = await this.stack(stack, dir, options.env);
    try {
      const steps: PreviewStep[] = [];
      const result = await pulumiStack.preview({
        target: options.target === undefined ? undefined : [...options.target],
        policyPacks: this.policyPacks(options),
        targetDependents: options.targetDependents,
        onOutput: options.onOutput,
        onEvent: (event) => {
          const metadata = event.resourcePreEvent?.metadata;
          if (metadata === undefined || metadata.op === "same" || metadata.op === "read") return;
          // A delete has only the old state; the stack resource's parent is "".
          const parent = metadata.new?.parent ?? metadata.old?.parent ?? "";
          steps.push({
            op: metadata.op,
            urn: metadata.urn,
            type: metadata.type,
            ...(parent === "" ? {} : { parent }),
          });
        },
      });
      return { changeSummary: { ...result.changeSummary }, steps };
    } catch (error) {
      throw this.translate(error, "preview", stack);
    }
  }

  async up(stack: string, options: RunOptions): Promise<UpOutcome> {
    const dir =
      options.source === undefined
        ? this.workDir
        : await this.checkout(stack, options.source, options.onOutput);
    const pulumiStack = await this.stack(stack, dir, options.env);
    try {
      const result = await pulumiStack.up({
        message: options.message,
        target: options.target === undefined ? undefined : [...options.target],
        policyPacks: this.policyPacks(options),
        targetDependents: options.targetDependents,
        onOutput: options.onOutput,
        // The SDK reads the summary from history, with secrets unless told not to.
        showSecrets: false,
      });
      const record = toUpdateRecord(result.summary);
      return {
        version: record.version,
        result: record.result,
        resourceChanges: record.resourceChanges,
        outputs: withoutSecrets(result.outputs),
      };
    } catch (error) {
      throw this.translate(error, "up", stack);
    }
  }

  async history(stack: string): Promise<UpdateRecord[]> {
    const pulumiStack = await this.stack(stack);
    let records: UpdateRecord[];
    try {
      // showSecrets false: the SDK's default (true) would decrypt secret config into the result.
      const updates = await pulumiStack.history(undefined, undefined, false);
      records = updates.map(toUpdateRecord).sort((a, b) => b.version - a.version);
    } catch (error) {
      throw this.translate(error, "stack history", stack);
    }
    return this.withCommitTitles(records);
  }

  /** Each record with the title of its `git.head` commit, when that commit is here. */
  private async withCommitTitles(records: UpdateRecord[]): Promise<UpdateRecord[]> {
    const heads = records.flatMap((record) => record.environment["git.head"] ?? []);
    const titles = await this.#git.commitTitles(heads);
    return records.map((record) => {
      const commitTitle = titles.get(record.environment["git.head"] ?? "");
      return commitTitle === undefined ? record : { ...record, commitTitle };
    });
  }

  /**
   * Runs `pulumi <args> --stack <stack>` directly, for reads the Automation API would only do with
   * `--show-secrets` (stack output, stack export): without it, secrets stay masked or encrypted.
   */
  private async read(args: readonly string[], stack: string): Promise<string> {
    await this.selectStack(stack);
    const cli = await this.cli();
    try {
      const { stdout } = await exec(cli.command, [...args, "--stack", stack, "--non-interactive"], {
        cwd: this.workDir,
        env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true", ...this.#envVars },
        maxBuffer: 256 << 20,
      });
      return stdout;
    } catch (error) {
      const failure = error as { stderr?: string; message: string };
      throw new PulumiOperationError(
        args.slice(0, 2).join(" "),
        stack,
        tail(failure.stderr ?? failure.message),
      );
    }
  }

  async outputs(stack: string): Promise<StackOutputs> {
    const masked = JSON.parse(await this.read(["stack", "output", "--json"], stack)) as Record<
      string,
      unknown
    >;
    const outputs: Record<string, OutputValue> = {};
    for (const [name, value] of Object.entries(masked ?? {})) {
      outputs[name] =
        value === "[secret]" ? { value: undefined, secret: true } : { value, secret: false };
    }
    return outputs;
  }

  async resources(stack: string): Promise<StateResource[]> {
    const exported = JSON.parse(await this.read(["stack", "export"], stack)) as {
      deployment?: { resources?: Record<string, unknown>[] };
    };
    return (exported.deployment?.resources ?? []).map((resource) => ({
      urn: String(resource.urn),
      type: String(resource.type),
      parent: typeof resource.parent === "string" ? resource.parent : undefined,
      inputs: (resource.inputs ?? {}) as Record<string, unknown>,
      outputs: (resource.outputs ?? {}) as Record<string, unknown>,
    }));
  }

  /** `stackConfigDir` of the Pulumi.yaml in `dir`, if it sets one. */
  private stackConfigDir(dir: string): string {
    const file = path.join(dir, "Pulumi.yaml");
    if (!existsSync(file)) return "";
    const project = parseYaml(readFileSync(file, "utf8")) as { stackConfigDir?: unknown } | null;
    return typeof project?.stackConfigDir === "string" ? project.stackConfigDir : "";
  }

  private stackFile(stack: string, dir = this.workDir): string {
    return stackFilePath(dir, stack, this.stackConfigDir(dir));
  }

  configFileName(stack: string): string {
    return path.relative(this.workDir, this.stackFile(stack));
  }

  readConfig(stack: string): Promise<StackConfig> {
    return readConfigFile(this.stackFile(stack));
  }

  writeConfig(stack: string, changes: readonly ConfigChange[]): Promise<void> {
    return writeConfigChanges(this.stackFile(stack), changes);
  }

  gitState(): Promise<GitState> {
    return this.#git.state();
  }

  async unprotect(stack: string, urns: readonly string[]): Promise<void> {
    for (const urn of urns) await this.read(["state", "unprotect", urn, "--yes"], stack);
  }

  hasPolicyPack(dir: string): Promise<boolean> {
    return Promise.resolve(existsSync(path.join(this.workDir, dir, "PulumiPolicy.yaml")));
  }

  hasCommit(sha: string): Promise<boolean> {
    return this.#git.hasCommit(sha);
  }

  fileAt(sha: string, file: string): Promise<string | undefined> {
    return this.#git.fileAt(sha, file);
  }

  /**
   * The project as of `source.commit`, in a git worktree, with `source.config` as the stack's
   * config (the current file's secrets provider and salt kept, so its ciphertext decrypts).
   * Returns the project folder inside the worktree.
   *
   * `git status` there stays empty, as Pulumi runs it to record `git.dirty`: the rewritten stack
   * file is marked skip-worktree in the worktree's own index (the update records the config it ran
   * with, and rollbacks read that, never the commit's stack file), and the packages live beside
   * the worktree (see worktree-dependencies.ts), printed on `onOutput` when the worktree is made.
   */
  private async checkout(
    stack: string,
    source: RunSource,
    onOutput?: (text: string) => void,
  ): Promise<string> {
    let tree = this.#worktrees.get(source.commit);
    const prefix = await this.#git.prefix();
    if (tree === undefined) {
      const folder = await mkdtemp(path.join(this.#worktreeRoot, "agent-cloud-rollback-"));
      tree = path.join(folder, "tree");
      await this.#git.addWorktree(tree, source.commit);
      this.#worktrees.set(source.commit, tree);
      await this.provideDependencies(source.commit, path.join(tree, prefix), folder, onOutput);
    }
    const projectDir = path.join(tree, prefix);
    const stackFile = this.stackFile(stack, projectDir);
    const relative = path.relative(projectDir, stackFile);
    const git = new Git(projectDir);
    if ((await git.run(["ls-files", "--", relative])) !== "") {
      await git.run(["update-index", "--skip-worktree", "--", relative]);
    }
    const current = this.stackFile(stack);
    const base = existsSync(current) ? await readFile(current, "utf8") : "";
    await writeFile(stackFile, replaceConfigInText(base, source.config));
    return projectDir;
  }

  /**
   * Gives the worktree project `projectDir` its commit's packages, in `folder/node_modules` (the
   * worktree's parent, outside git's work tree), after the line saying which it does.
   */
  private async provideDependencies(
    commit: string,
    projectDir: string,
    folder: string,
    onOutput: ((text: string) => void) | undefined,
  ): Promise<void> {
    const lock = (dir: string) => {
      const file = path.join(dir, "package-lock.json");
      return existsSync(file) ? readFile(file, "utf8") : Promise.resolve(undefined);
    };
    const projectModules = path.join(this.workDir, "node_modules");
    const source = dependencySource({
      commitLock: await lock(projectDir),
      projectLock: await lock(this.workDir),
      projectHasModules: existsSync(projectModules),
    });
    onOutput?.(dependencyLine(commit, source));
    const modules = path.join(folder, "node_modules");
    if (source.kind === "link") await symlink(projectModules, modules, "dir");
    if (source.kind === "install") await this.installLocked(commit, projectDir, modules);
  }

  /**
   * `npm ci` of `commit`'s lockfile in its worktree project `dir`; the node_modules it makes is
   * then moved to `into`.
   */
  private async installLocked(commit: string, dir: string, into: string): Promise<void> {
    try {
      await exec(this.#npm, npmCiArgs(dir), {
        cwd: dir,
        maxBuffer: 64 << 20,
        timeout: this.#npmTimeoutMs,
      });
    } catch (error) {
      const failure = error as {
        stderr?: string;
        stdout?: string;
        code?: unknown;
        killed?: boolean;
        message: string;
      };
      const detail =
        failure.code === "ENOENT"
          ? `${this.#npm} is not on PATH`
          : failure.killed === true
            ? `it was still running after ${Math.round(this.#npmTimeoutMs / 1000)} s, stopped`
            : tail(failure.stderr || failure.stdout || failure.message);
      throw new OpsError(
        `npm ci of commit ${commit.slice(0, 12)}'s package-lock.json failed, so the rollback cannot run the packages it locked: ${detail}; fix the cause (registry access, npm login), then retry`,
      );
    }
    const installed = path.join(dir, "node_modules");
    if (existsSync(installed)) await rename(installed, into);
  }

  async dispose(): Promise<void> {
    for (const tree of this.#worktrees.values()) {
      await this.#git.removeWorktree(tree).catch(() => undefined);
      await rm(path.dirname(tree), { recursive: true, force: true });
    }
    this.#worktrees.clear();
  }
}
