/**
 * An in-memory engine whose `up` and `preview` run the real Pulumi program (stacks/index.ts)
 * under mocks with exactly the config and environment the command handed the engine, over a
 * real git repository. What the program registered (a build or not, each Deployment's image,
 * each tenant database) is kept per run, and the stack's outputs and state come from it, so
 * release commands are tested end to end short of a real Pulumi engine.
 *
 * The mocks harness gives a build one fixed digest; here each build gets the next digest of
 * `buildDigests` (A, then B, ...), as a real changed context would.
 */
import * as pulumi from "@pulumi/pulumi";
import { vi } from "vitest";
import type { GitState, PreviewOutcome, RunOptions, UpOutcome } from "../../../ops/engine";
import { Git } from "../../../ops/adapters/git";
import { containsSecure } from "../../../ops/stack-config";
import { runProgram, valueOf, type RecordedResource } from "../../../testkit/mocks";
import { MemoryEngine, type MemoryStack } from "../../../testkit/ops/memory-engine";
import { DOCKER_BUILD, KUBERNETES } from "../../../testkit/type-tokens";

/** One evaluation of the program. */
export interface ProgramRunRecord {
  readonly method: "up" | "preview";
  readonly resources: readonly RecordedResource[];
  /** Whether the program registered an image build. */
  readonly built: boolean;
  /** Deployment name → container image. */
  readonly images: Record<string, string>;
}

export class ProgramEngine extends MemoryEngine {
  readonly runs: ProgramRunRecord[] = [];
  #builds = 0;
  readonly #git: Git;

  constructor(
    stacks: Record<string, MemoryStack>,
    repo: string,
    /** Secret values the stack file holds as ciphertext, by full key. */
    readonly secrets: Record<string, unknown>,
    readonly buildDigests: readonly string[],
  ) {
    super(stacks);
    this.#git = new Git(repo);
  }

  override async gitState(): Promise<GitState> {
    await super.gitState();
    return this.#git.state();
  }

  override async hasCommit(sha: string): Promise<boolean> {
    await super.hasCommit(sha);
    return this.#git.hasCommit(sha);
  }

  /** Runs the program with `config` (ciphertext replaced by the test's secret values) and `env`. */
  private async evaluate(
    stack: string,
    config: Record<string, unknown>,
    env: Readonly<Record<string, string>>,
    preview: boolean,
  ) {
    const engineConfig: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries(config)) {
      const plain = containsSecure(value) ? this.secrets[key] : value;
      if (plain === undefined) throw new Error(`program engine: no test value for secret ${key}`);
      if (containsSecure(value)) secretKeys.push(key);
      engineConfig[key] = typeof plain === "string" ? plain : JSON.stringify(plain);
    }
    vi.resetModules();
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      return await runProgram(
        async () =>
          (await import("../../../stacks/index.js")) as unknown as Record<
            string,
            pulumi.Output<unknown>
          >,
        {
          stack,
          config: engineConfig,
          secretKeys,
          preview,
          // The program reads its own stack back (stacks/stack-identity.ts): this stack's
          // outputs of its last update, as the engine would answer.
          stackReferences: {
            [`organization/agent-cloud/${stack}`]: {
              outputs: Object.fromEntries(
                Object.entries(this.stacks[stack]?.outputs ?? {}).map(([k, o]) => [k, o.value]),
              ),
            },
          },
        },
      );
    } finally {
      process.env = saved;
    }
  }

  private async programRun(
    method: "up" | "preview",
    stack: string,
    options: RunOptions,
  ): Promise<{ run: Awaited<ReturnType<ProgramEngine["evaluate"]>>; digest?: string }> {
    const memoryStack = this.stacks[stack];
    if (memoryStack === undefined) throw new Error(`no stack ${stack}`);
    const run = await this.evaluate(
      stack,
      options.source?.config ?? memoryStack.config,
      options.env ?? {},
      method === "preview",
    );
    const built = run.ofType(DOCKER_BUILD.Image).length > 0;
    // The harness's fixed digest stands for "what this build produced".
    const mockDigest = run.ofType(DOCKER_BUILD.Image)[0]?.state.digest as string | undefined;
    const digest = built && method === "up" ? this.buildDigests[this.#builds++] : undefined;
    const swap = (ref: string) =>
      mockDigest !== undefined && digest !== undefined ? ref.replaceAll(mockDigest, digest) : ref;
    const images: Record<string, string> = {};
    for (const deployment of run.ofType(KUBERNETES.Deployment)) {
      images[deployment.name] = swap(
        String(deployment.inputs.spec.template.spec.containers[0].image),
      );
    }
    this.runs.push({ method, resources: run.resources, built, images });
    if (method === "up") {
      const engineUrn = new Map(run.resources.map((r) => [r.urn, r.engineUrn]));
      memoryStack.resources = run.resources.map((resource) => ({
        urn: resource.engineUrn,
        type: resource.type,
        parent: engineUrn.get(resource.parent),
        inputs: JSON.parse(swap(JSON.stringify(resource.inputs))) as Record<string, unknown>,
        outputs: {},
      }));
      const outputs: Record<string, { value: unknown; secret: boolean }> = {};
      for (const [name, value] of Object.entries(run.result)) {
        // The engine records no output for an export left undefined (`apiKeys` outside a shard).
        if (value === undefined) continue;
        const resolved = JSON.parse(swap(JSON.stringify(await valueOf(value)))) as unknown;
        outputs[name] = { value: resolved, secret: await pulumi.isSecret(pulumi.output(value)) };
      }
      memoryStack.outputs = outputs;
    }
    return { run, digest };
  }

  override async preview(stack: string, options: RunOptions): Promise<PreviewOutcome> {
    await this.programRun("preview", stack, options);
    return super.preview(stack, options);
  }

  override async up(stack: string, options: RunOptions): Promise<UpOutcome> {
    // What the memory engine records as git.head when the update runs from the work tree.
    this.git = await this.#git.state();
    await this.programRun("up", stack, options);
    return super.up(stack, options);
  }
}
