/* eslint-disable @typescript-eslint/require-await -- in-memory stand-ins for async interfaces */
/**
 * An in-memory {@link ReleaseEngine}: stacks with history, outputs, state and config held in
 * plain objects. It records every call with its arguments (minus the output callback), so tests
 * assert what a command asked Pulumi to do, and it behaves like Pulumi where commands depend on
 * it: `up` appends a history entry with the config it ran with, secrets flagged and valueless.
 */
import { readFile } from "node:fs/promises";
import * as path from "node:path";
import type {
  ChangeCounts,
  ConfigChange,
  GitState,
  PreviewOutcome,
  ReleaseEngine,
  RunOptions,
  StackConfig,
  StackOutputs,
  StateResource,
  UpOutcome,
  UpdateRecord,
} from "../../ops/engine";
import { PulumiCliMissingError, UnknownStackError, UpdateInProgressError } from "../../ops/errors";
import type { PreviewStep } from "../../ops/plans/pending";
import { containsSecure } from "../../ops/stack-config";

export interface MemoryStack {
  history: UpdateRecord[];
  outputs: Record<string, { value: unknown; secret: boolean }>;
  resources: StateResource[];
  config: Record<string, unknown>;
  /** What the next preview reports. */
  previewChanges: ChangeCounts;
  /** The resources the next preview reports as changing. */
  previewSteps?: PreviewStep[];
  /** What the next up reports as resource changes. */
  upChanges: ChangeCounts;
  /** Another update holds the lock. */
  locked: boolean;
}

export interface EngineCall {
  readonly method: string;
  readonly stack?: string;
  readonly args?: unknown;
}

export function memoryStack(partial: Partial<MemoryStack> = {}): MemoryStack {
  return {
    history: [],
    outputs: {},
    resources: [],
    config: {},
    previewChanges: { same: 3 },
    upChanges: { same: 3 },
    locked: false,
    ...partial,
  };
}

/** A history entry with sensible defaults. */
export function update(partial: Partial<UpdateRecord> & { version: number }): UpdateRecord {
  return {
    kind: "update",
    result: "succeeded",
    startTime: new Date(Date.UTC(2026, 10, 1, 12, partial.version)),
    endTime: new Date(Date.UTC(2026, 10, 1, 12, partial.version, 30)),
    message: "",
    environment: {},
    config: {},
    resourceChanges: { same: 3 },
    ...partial,
  };
}

/** A stack file's config as history records it: secrets flagged and valueless, objects as JSON. */
export function recordedConfig(
  config: Record<string, unknown>,
): Record<string, { value?: string; secret: boolean }> {
  const recorded: Record<string, { value?: string; secret: boolean }> = {};
  for (const [key, value] of Object.entries(config)) {
    recorded[key] = containsSecure(value)
      ? { secret: true }
      : { value: typeof value === "string" ? value : JSON.stringify(value), secret: false };
  }
  return recorded;
}

function setIn(
  root: Record<string, unknown>,
  path: readonly (string | number)[],
  value: unknown,
): void {
  let node: Record<string | number, unknown> = root;
  path.slice(0, -1).forEach((key, index) => {
    const next = node[key];
    if (typeof next !== "object" || next === null) {
      node[key] = typeof path[index + 1] === "number" ? [] : {};
    }
    node = node[key] as Record<string | number, unknown>;
  });
  const last = path[path.length - 1] as string | number;
  // As the YAML document's deleteIn does: an array item is taken out, not left as a hole.
  if (value === undefined && Array.isArray(node) && typeof last === "number") node.splice(last, 1);
  else if (value === undefined) delete node[last];
  else node[last] = value;
}

export class MemoryEngine implements ReleaseEngine {
  readonly calls: EngineCall[] = [];
  cliPresent = true;
  git: GitState = { commit: "a".repeat(40), dirty: false };
  commits = new Set<string>();
  /** Outputs an `up` leaves behind (default: unchanged). */
  outputsAfterUp?: (
    stack: string,
    options: RunOptions,
  ) => Record<string, { value: unknown; secret: boolean }>;
  /** Text streamed to onOutput by preview and up. */
  progress = "Updating (progress)\n";

  constructor(readonly stacks: Record<string, MemoryStack> = {}) {}

  private record(method: string, stack?: string, args?: unknown): void {
    this.calls.push({ method, stack, args });
  }

  /** Calls of one method, in order. */
  callsOf(method: string): EngineCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  private get(stack: string): MemoryStack {
    const memoryStack = this.stacks[stack];
    if (memoryStack === undefined) throw new UnknownStackError(stack, Object.keys(this.stacks));
    return memoryStack;
  }

  private static runArgs(options: RunOptions): Record<string, unknown> {
    return Object.fromEntries(Object.entries(options).filter(([key]) => key !== "onOutput"));
  }

  async ensureCli(): Promise<void> {
    this.record("ensureCli");
    if (!this.cliPresent) throw new PulumiCliMissingError();
  }

  async listStacks(): Promise<string[]> {
    this.record("listStacks");
    return Object.keys(this.stacks).sort();
  }

  async selectStack(stack: string): Promise<void> {
    this.record("selectStack", stack);
    this.get(stack);
  }

  async preview(stack: string, options: RunOptions): Promise<PreviewOutcome> {
    this.record("preview", stack, MemoryEngine.runArgs(options));
    const memoryStack = this.get(stack);
    options.onOutput?.(this.progress);
    return { changeSummary: memoryStack.previewChanges, steps: memoryStack.previewSteps };
  }

  async up(stack: string, options: RunOptions): Promise<UpOutcome> {
    this.record("up", stack, MemoryEngine.runArgs(options));
    const memoryStack = this.get(stack);
    if (memoryStack.locked) throw new UpdateInProgressError(stack);
    options.onOutput?.(this.progress);
    const recorded = recordedConfig(options.source?.config ?? memoryStack.config);
    const version = Math.max(0, ...memoryStack.history.map((u) => u.version)) + 1;
    const commit = options.source?.commit ?? this.git.commit;
    memoryStack.history.unshift(
      update({
        version,
        message: options.message ?? "",
        // As the Automation API runs it (`--exec-kind auto.local`).
        environment: {
          "exec.kind": "auto.local",
          ...(commit === undefined
            ? {}
            : {
                "git.head": commit,
                "git.dirty": options.source ? "false" : String(this.git.dirty),
              }),
        },
        config: recorded,
        resourceChanges: memoryStack.upChanges,
      }),
    );
    if (this.outputsAfterUp !== undefined)
      memoryStack.outputs = this.outputsAfterUp(stack, options);
    return {
      version,
      result: "succeeded",
      resourceChanges: memoryStack.upChanges,
      outputs: memoryStack.outputs,
    };
  }

  async history(stack: string): Promise<UpdateRecord[]> {
    this.record("history", stack);
    return [...this.get(stack).history].sort((a, b) => b.version - a.version);
  }

  async outputs(stack: string): Promise<StackOutputs> {
    this.record("outputs", stack);
    return this.get(stack).outputs;
  }

  async resources(stack: string): Promise<StateResource[]> {
    this.record("resources", stack);
    return this.get(stack).resources;
  }

  async readConfig(stack: string): Promise<StackConfig> {
    this.record("readConfig", stack);
    return structuredClone(this.stacks[stack]?.config ?? {});
  }

  async writeConfig(stack: string, changes: readonly ConfigChange[]): Promise<void> {
    this.record("writeConfig", stack, changes);
    const memoryStack = this.get(stack);
    for (const change of changes)
      setIn(memoryStack.config, [change.key, ...change.path], change.value);
  }

  configFileName(stack: string): string {
    return `Pulumi.${stack}.yaml`;
  }

  async gitState(): Promise<GitState> {
    this.record("gitState");
    return this.git;
  }

  async unprotect(stack: string, urns: readonly string[]): Promise<void> {
    this.record("unprotect", stack, [...urns]);
    this.get(stack);
  }

  /** Folders that hold a policy pack. */
  policyPacks = new Set(["policy"]);

  async hasPolicyPack(dir: string): Promise<boolean> {
    this.record("hasPolicyPack", undefined, dir);
    return this.policyPacks.has(dir);
  }

  async hasCommit(sha: string): Promise<boolean> {
    this.record("hasCommit", undefined, sha);
    return this.commits.has(sha);
  }

  /** Project files as of a commit: `commit → path → text`; a commit not listed has today's. */
  filesAt = new Map<string, Record<string, string>>();

  async fileAt(sha: string, file: string): Promise<string | undefined> {
    this.record("fileAt", undefined, sha);
    const files = this.filesAt.get(sha);
    if (files !== undefined) return files[file];
    return readFile(path.join(__dirname, "..", "..", file), "utf8").catch(() => undefined);
  }

  async dispose(): Promise<void> {
    this.record("dispose");
  }
}
