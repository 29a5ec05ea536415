/**
 * Drives the policy pack through the real analyzer protocol, the way `pulumi preview
 * --policy-pack policy` does: the pack runs in its own process, started by the same
 * `@pulumi/pulumi/cmd/run-policy-pack` entry the Pulumi CLI uses (ts-node, cwd = policy/, so the
 * pack reads its own package.json for its version), prints its gRPC port on stdout, and answers
 * `AnalyzerClient` calls. @pulumi/policy 1.21 needs no Handshake or Configure before Analyze
 * (with no Configure every policy keeps its own enforcement level); `Analyze` requires
 * `AnalyzerResourceOptions` to be set (it fails with "A more recent version of the Pulumi CLI is
 * required" otherwise).
 *
 * Never construct `PolicyPack` in the test process: it starts a server and may `process.exit`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import * as path from "node:path";

import type * as GrpcJs from "@grpc/grpc-js";
import type * as AnalyzerGrpcModule from "@pulumi/pulumi/proto/analyzer_grpc_pb.js";
import type * as AnalyzerPbModule from "@pulumi/pulumi/proto/analyzer_pb.js";
import type * as EmptyModule from "google-protobuf/google/protobuf/empty_pb.js";
import type * as StructModule from "google-protobuf/google/protobuf/struct_pb.js";
import { PULUMI } from "../../testkit/type-tokens";

type AnalyzerPb = typeof AnalyzerPbModule;
type AnalyzerClient = AnalyzerGrpcModule.AnalyzerClient;

// The generated protobuf modules are CommonJS built by google-closure, whose exports Node cannot
// name statically; require them (and grpc-js, struct, empty) from @pulumi/pulumi's own location
// so every class is the one the generated code checks against.
const requirePulumi = createRequire(require.resolve("@pulumi/pulumi/proto/analyzer_pb.js"));
const pb = requirePulumi("./analyzer_pb.js") as AnalyzerPb;
const { AnalyzerClient } = requirePulumi("./analyzer_grpc_pb.js") as typeof AnalyzerGrpcModule;
const grpc = requirePulumi("@grpc/grpc-js") as typeof GrpcJs;
const { Struct } = requirePulumi(
  "google-protobuf/google/protobuf/struct_pb.js",
) as typeof StructModule;
const { Empty } = requirePulumi(
  "google-protobuf/google/protobuf/empty_pb.js",
) as typeof EmptyModule;

export const POLICY_DIR = path.resolve(__dirname, "../../policy");
const RUN_POLICY_PACK = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", {
  paths: [POLICY_DIR],
});

export interface Diagnostic {
  readonly policyName: string;
  readonly message: string;
  readonly urn: string;
  readonly enforcementLevel: "advisory" | "mandatory" | "remediate" | "disabled";
}

export interface AnalyzeResult {
  readonly diagnostics: Diagnostic[];
  /** Policy name -> reason, for policies that reported themselves not applicable. */
  readonly notApplicable: Map<string, string>;
}

/** Resource options as the engine sends them; everything defaults to unset. */
export interface Options {
  readonly protect?: boolean;
  readonly parent?: string;
  readonly aliases?: string[];
}

/** One resource of a test stack. `props` are plain JSON (use {@link unknown} for preview values). */
export interface TestResource {
  readonly type: string;
  readonly name: string;
  readonly props: Record<string, unknown>;
  readonly opts?: Options;
  /** URN of the parent; the stack when omitted. */
  readonly parent?: string;
}

/** What the engine sends for a value not known during preview (a string Output). */
export const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const STACK_URN = "urn:pulumi:test::agent-cloud::pulumi:pulumi:Stack::agent-cloud-test";

/** The URN the engine gives a resource: its parents' type chain, its type, its name. */
export function urnOf(resource: Pick<TestResource, "type" | "name" | "parent">): string {
  const parentChain = resource.parent?.split("::")[2];
  const chain =
    parentChain && parentChain !== PULUMI.Stack ? `${parentChain}$${resource.type}` : resource.type;
  return `urn:pulumi:test::agent-cloud::${chain}::${resource.name}`;
}

function options(opts: Options = {}, parent?: string) {
  const resourceOptions = new pb.AnalyzerResourceOptions();
  resourceOptions.setProtect(opts.protect ?? false);
  resourceOptions.setAliasesList(opts.aliases ?? []);
  resourceOptions.setIgnorechangesList([]);
  resourceOptions.setAdditionalsecretoutputsList([]);
  const parentUrn = opts.parent ?? parent;
  if (parentUrn) resourceOptions.setParent(parentUrn);
  return resourceOptions;
}

function toResult(resp: AnalyzerPbModule.AnalyzeResponse): AnalyzeResult {
  const levels = ["advisory", "mandatory", "disabled", "remediate"] as const;
  return {
    diagnostics: resp.getDiagnosticsList().map((diagnostic) => ({
      policyName: diagnostic.getPolicyname(),
      message: diagnostic.getMessage(),
      urn: diagnostic.getUrn(),
      enforcementLevel: levels[diagnostic.getEnforcementlevel()] ?? "advisory",
    })),
    notApplicable: new Map(
      resp.getNotApplicableList().map((n) => [n.getPolicyName(), n.getReason()] as const),
    ),
  };
}

/** Promisifies one unary gRPC call. */
function unary<T>(
  invoke: (done: (err: GrpcJs.ServiceError | null, reply: T) => void) => unknown,
): Promise<T> {
  return new Promise((resolve, reject) => {
    invoke((err, reply) => (err ? reject(err) : resolve(reply)));
  });
}

export interface PolicyPackProcess {
  readonly port: number;
  /** What the pack says about itself (name, version, policies with enforcement levels). */
  info(): Promise<{ name: string; version: string; policies: { name: string; level: number }[] }>;
  /** Resource policies on one resource, as before a create/update. */
  analyze(resource: TestResource): Promise<AnalyzeResult>;
  /** Stack policies on a whole stack, as at the end of a preview or update. */
  analyzeStack(resources: TestResource[]): Promise<AnalyzeResult>;
  stop(): Promise<void>;
}

/** What suites share: the one pack process of the test file, set in its beforeAll. */
export interface PackContext {
  pack: PolicyPackProcess;
}

/** Starts the pack as Pulumi does and connects to it. */
export async function startPolicyPack(): Promise<PolicyPackProcess> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // vitest's loader hooks have no business in the pack's process
  const child: ChildProcess = spawn(process.execPath, [RUN_POLICY_PACK, "127.0.0.1:0", "."], {
    cwd: POLICY_DIR,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const line = /^(\d+)\s*$/m.exec(out);
      if (line) resolve(Number(line[1]));
    });
    child.once("exit", (code) =>
      reject(new Error(`policy pack exited (${code}) before printing its port:\n${stderr}${out}`)),
    );
  });
  const client: AnalyzerClient = new AnalyzerClient(
    `127.0.0.1:${port}`,
    grpc.credentials.createInsecure(),
  );

  return {
    port,
    async info() {
      const info = await unary<AnalyzerPbModule.AnalyzerInfo>((done) =>
        client.getAnalyzerInfo(new Empty(), done),
      );
      return {
        name: info.getName(),
        version: info.getVersion(),
        policies: info
          .getPoliciesList()
          .map((p) => ({ name: p.getName(), level: p.getEnforcementlevel() })),
      };
    },
    async analyze(resource) {
      const req = new pb.AnalyzeRequest();
      req.setType(resource.type);
      req.setName(resource.name);
      req.setUrn(urnOf(resource));
      req.setProperties(Struct.fromJavaScript(resource.props as Record<string, never>));
      req.setOptions(options(resource.opts, resource.parent ?? STACK_URN));
      return toResult(
        await unary<AnalyzerPbModule.AnalyzeResponse>((done) => client.analyze(req, done)),
      );
    },
    async analyzeStack(resources) {
      const req = new pb.AnalyzeStackRequest();
      req.setResourcesList(
        resources.map((resource) => {
          const analyzerResource = new pb.AnalyzerResource();
          analyzerResource.setType(resource.type);
          analyzerResource.setName(resource.name);
          analyzerResource.setUrn(urnOf(resource));
          analyzerResource.setProperties(
            Struct.fromJavaScript(resource.props as Record<string, never>),
          );
          analyzerResource.setOptions(options(resource.opts, resource.parent ?? STACK_URN));
          analyzerResource.setParent(resource.parent ?? STACK_URN);
          analyzerResource.setDependenciesList([]);
          return analyzerResource;
        }),
      );
      return toResult(
        await unary<AnalyzerPbModule.AnalyzeResponse>((done) => client.analyzeStack(req, done)),
      );
    },
    async stop() {
      client.close();
      if (child.exitCode === null && child.pid !== undefined) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        process.kill(child.pid, "SIGTERM");
        await exited;
      }
    },
  };
}

/** The diagnostics of one policy. */
export function of(result: AnalyzeResult, policy: string): Diagnostic[] {
  return result.diagnostics.filter((d) => d.policyName === policy);
}
