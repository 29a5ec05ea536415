/**
 * Runs a Pulumi program under `pulumi.runtime.setMocks` and records every resource it
 * registers: type, name, URN, parent, options (protect, retainOnDelete, import, aliases) and inputs with
 * Pulumi's secret markers unwrapped (the paths that were secret are kept in `secretPaths`).
 *
 * The mock provider answers like the real ones where the program reads an output back (a
 * Kubernetes object's name, a LoadBalancer's address, a random password, a built image's
 * digest, a certificate), and throws on any invoke it does not know, so a new data-source call
 * cannot slip through untested.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { CLOUDFLARE, DOCKER_BUILD, KUBERNETES, PULUMI, RANDOM, TLS } from "./provider-tokens";

export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

/** The address mocked LoadBalancer Services get, so DNS records have something to point at. */
export const MOCK_LOAD_BALANCER_IP = "203.0.113.10";

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /**
   * The URN the Pulumi engine gives this resource: its type chain holds every ancestor's type
   * (`Platform$TenantApp$Deployment`), where the mock monitor's `urn` keeps only the parent's.
   * A re-parenting anywhere up the tree changes it.
   */
  readonly engineUrn: string;
  /** URN of the parent resource (the stack for top-level resources). */
  readonly parent: string;
  readonly custom: boolean;
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  /** The `import` option: the ID of an existing resource to take over, if any. */
  readonly importId?: string;
  readonly dependsOn: readonly string[];
  readonly aliases: readonly string[];
  /** Inputs as the provider would see them, secrets unwrapped. */
  readonly inputs: Record<string, any>;
  /** Dotted paths of inputs that reached the provider as secrets (e.g. `stringData.DATABASE_URL`). */
  readonly secretPaths: readonly string[];
  /** What the mock provider returned as the resource's state. */
  readonly state: Record<string, any>;
}

export interface ProgramRun<T> {
  readonly result: T;
  readonly resources: readonly RecordedResource[];
  /** Every resource of a type token. */
  ofType(type: string): RecordedResource[];
  /** The one resource with this type and name; throws listing what exists otherwise. */
  get(type: string, name: string): RecordedResource;
}

export interface RunOptions {
  readonly project?: string;
  readonly stack?: string;
  /** The organization the engine runs the stack in (`organization` on a DIY backend). */
  readonly organization?: string;
  readonly preview?: boolean;
  /** Config as the engine would pass it: `{ "agent-cloud:domain": "..." }`, objects as JSON text. */
  readonly config?: Record<string, string>;
  /** Full keys (`agent-cloud:tenantSecrets`) the engine holds as secrets. */
  readonly secretKeys?: readonly string[];
  /**
   * The other stacks the program may read through `pulumi.StackReference`, by the name it
   * references (`org/project/stack`): their outputs as the engine would return them, and which
   * of those are secret. A reference to a stack not listed fails the run, as a reference to a
   * missing stack fails `pulumi up`; the one exception is the run's own stack (in its organization),
   * which the program reads back (stacks/stack-identity.ts) and which answers as a stack never
   * deployed (no outputs) unless listed.
   */
  readonly stackReferences?: Readonly<Record<string, StackReferenceAnswer>>;
}

/** What the engine reads for one referenced stack. */
export interface StackReferenceAnswer {
  readonly outputs: Record<string, unknown>;
  /** Outputs the referenced stack holds as secrets. @default [] */
  readonly secretOutputNames?: readonly string[];
}

/** Unwraps Pulumi's secret markers; reports the path of every secret found. */
export function unwrapSecrets(value: unknown, path = "", found: string[] = []): unknown {
  if (Array.isArray(value)) return value.map((v, i) => unwrapSecrets(v, `${path}[${i}]`, found));
  if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (obj[SECRET_SIG] === SECRET_VALUE) {
      found.push(path);
      return unwrapSecrets(obj.value, path, []);
    }
    return Object.fromEntries(
      Object.entries(obj).map(([key, nested]) => [
        key,
        unwrapSecrets(nested, path === "" ? key : `${path}.${key}`, found),
      ]),
    );
  }
  return value;
}

function fakeDigest(seed: string): string {
  return `sha256:${createHash("sha256").update(seed).digest("hex")}`;
}

/** The state a real provider would add to what it was given, for the outputs the program reads. */
function mockState(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
  const state: Record<string, any> = { ...inputs };
  if (type.startsWith("kubernetes:") && !type.startsWith("kubernetes:helm")) {
    const metadata = { ...(inputs.metadata ?? {}) };
    metadata.name ??= `${name}-mock`;
    state.metadata = metadata;
    if (type === KUBERNETES.Service && inputs.spec?.type === "LoadBalancer") {
      state.status = { loadBalancer: { ingress: [{ ip: MOCK_LOAD_BALANCER_IP }] } };
    }
  }
  switch (type) {
    case RANDOM.RandomPassword:
    case RANDOM.RandomString:
      state.result = `mock${createHash("sha256").update(name).digest("hex")}`.slice(
        0,
        Number(inputs.length ?? 32),
      );
      break;
    case RANDOM.RandomBytes:
      state.hex = createHash("sha256").update(name).digest("hex");
      state.base64 = createHash("sha256").update(name).digest("base64");
      break;
    case TLS.PrivateKey:
      state.privateKeyPem = `-----BEGIN PRIVATE KEY-----\nmock-${name}\n-----END PRIVATE KEY-----\n`;
      state.publicKeyPem = `-----BEGIN PUBLIC KEY-----\nmock-${name}\n-----END PUBLIC KEY-----\n`;
      break;
    case TLS.SelfSignedCert:
    case TLS.LocallySignedCert:
      state.certPem = `-----BEGIN CERTIFICATE-----\nmock-${name}\n-----END CERTIFICATE-----\n`;
      break;
    case TLS.CertRequest:
      state.certRequestPem = `-----BEGIN CERTIFICATE REQUEST-----\nmock-${name}\n-----END CERTIFICATE REQUEST-----\n`;
      break;
    case CLOUDFLARE.OriginCaCertificate:
      state.certificate = `-----BEGIN CERTIFICATE-----\nmock-origin-ca-${name}\n-----END CERTIFICATE-----\n`;
      break;
    case DOCKER_BUILD.Image: {
      const digest = fakeDigest(name);
      const repo = String(inputs.tags?.[0] ?? name).replace(/:[^/:]+$/, "");
      state.digest = digest;
      state.ref = `${repo}@${digest}`;
      break;
    }
  }
  return state;
}

/** The state the engine gives a StackReference: the referenced stack's outputs. */
function stackReferenceState(
  name: string,
  known: RunOptions["stackReferences"],
  unknown: string[],
): Record<string, any> {
  const own = name === `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
  const answer = known?.[name] ?? (own ? { outputs: {} } : undefined);
  if (answer === undefined) {
    // A failed read rejects every output of the reference where nothing can catch it, so the
    // read answers with no outputs and the run fails once the program is done.
    unknown.push(name);
    return { name, outputs: {}, secretOutputNames: [] };
  }
  return {
    name,
    outputs: answer.outputs,
    secretOutputNames: [...(answer.secretOutputNames ?? [])],
  };
}

/** Invokes the program may make, answered as the provider would. Anything else throws. */
const KNOWN_INVOKES: Record<string, (inputs: Record<string, any>) => Record<string, any>> = {};

/**
 * Runs `program` under mocks and waits until every resource it started has been registered.
 * Each call starts from a fresh mock monitor, so runs do not see each other's resources.
 */
export async function runProgram<T>(
  program: () => T | Promise<T>,
  options: RunOptions = {},
): Promise<ProgramRun<T>> {
  const pending = new Map<string, Omit<RecordedResource, "inputs" | "secretPaths" | "state">>();
  // Mock URN → the type chain the engine would give it, for engineUrn.
  const typeChains = new Map<string, string>();
  const resources: RecordedResource[] = [];
  const unexpectedInvokes: string[] = [];
  const unknownStacks: string[] = [];

  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        const secretPaths: string[] = [];
        const inputs = unwrapSecrets(args.inputs, "", secretPaths) as Record<string, any>;
        const meta = pending.get(`${args.type}::${args.name}`);
        if (meta === undefined)
          throw new Error(`harness: no registration seen for ${args.type} ${args.name}`);
        const state =
          args.type === PULUMI.StackReference
            ? stackReferenceState(String(inputs.name), options.stackReferences, unknownStacks)
            : mockState(args.type, args.name, inputs);
        resources.push({ ...meta, inputs, secretPaths, state });
        const id =
          args.type === PULUMI.StackReference
            ? String(inputs.name)
            : args.type.startsWith("kubernetes:")
              ? `${state.metadata?.namespace ?? "default"}/${state.metadata?.name}`
              : `${args.name}-id`;
        return { id, state };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        const answer = KNOWN_INVOKES[args.token];
        if (answer === undefined) {
          // The SDK swallows the message of a failed mock call; remember it and fail the run.
          unexpectedInvokes.push(args.token);
          throw new Error(`harness: unexpected invoke ${args.token}`);
        }
        return answer(args.inputs as Record<string, any>);
      },
    },
    options.project ?? "agent-cloud",
    options.stack ?? "test",
    options.preview ?? false,
    options.organization ?? "organization",
  );

  // The mock monitor does not pass parent or options to newResource; read them off the request.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const settings = require("@pulumi/pulumi/runtime/settings") as {
    getMonitor(): any;
    waitForRPCs(): Promise<void>;
  };
  const monitor = settings.getMonitor();
  const register = monitor.registerResource.bind(monitor);
  const read = monitor.readResource.bind(monitor);
  const remember = (req: any) => {
    const type: string = req.getType();
    const name: string = req.getName();
    const parent: string = req.getParent();
    const urn: string = monitor.newUrn(parent, type, name);
    const parentChain = parent === "" ? undefined : typeChains.get(parent);
    const chain = parentChain === undefined ? type : `${parentChain}$${type}`;
    typeChains.set(urn, chain);
    pending.set(`${type}::${name}`, {
      type,
      name,
      urn,
      engineUrn: `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${chain}::${name}`,
      parent,
      custom: req.getCustom?.() ?? true,
      protect: req.getProtect?.() === true,
      retainOnDelete: req.getRetainondelete?.() === true,
      ...(req.getImportid?.() ? { importId: req.getImportid() as string } : {}),
      dependsOn: req.getDependenciesList?.() ?? [],
      aliases: (req.getAliasesList?.() ?? []).map((a: any) => JSON.stringify(a.toObject?.() ?? a)),
    });
  };
  monitor.registerResource = (req: any, callback: any) => {
    remember(req);
    return register(req, callback);
  };
  // Reads (a StackReference is one) get recorded like registrations.
  monitor.readResource = (req: any, callback: any) => {
    remember(req);
    return read(req, callback);
  };

  pulumi.runtime.setAllConfig(options.config ?? {}, [...(options.secretKeys ?? [])]);
  let result: T;
  let failedExport: unknown;
  try {
    result = await program();
    // As the engine does with a stack's exports: wait for each (resources registered once the
    // program has read something, stacks/stack-identity.ts, come in only then); the first that
    // failed fails the run.
    if (result !== null && typeof result === "object")
      failedExport = (await settledExports(result as Record<string, unknown>)).failure;
  } finally {
    await settings.waitForRPCs();
  }
  if (unknownStacks.length > 0) {
    throw new Error(
      `harness: stack reference to ${unknownStacks.join(", ")}, which the run does not know; pass its outputs in stackReferences if it is intended`,
    );
  }
  if (failedExport !== undefined)
    throw failedExport instanceof Error
      ? failedExport
      : new Error(`an export failed: ${JSON.stringify(failedExport)}`);
  if (unexpectedInvokes.length > 0) {
    throw new Error(
      `harness: unexpected invoke ${unexpectedInvokes.join(", ")}; answer it in KNOWN_INVOKES if it is intended`,
    );
  }

  return {
    result,
    resources,
    ofType: (type) => resources.filter((r) => r.type === type),
    get(type, name) {
      const found = resources.filter((r) => r.type === type && r.name === name);
      if (found.length !== 1) {
        const names = resources.filter((r) => r.type === type).map((r) => r.name);
        throw new Error(
          `expected one ${type} named ${name}, found ${found.length}; ${type} names: ${names.join(", ") || "none"}`,
        );
      }
      return found[0] as RecordedResource;
    },
  };
}

/**
 * Runs `program` like {@link runProgram} and catches what it throws: `result` is the error (or
 * undefined when nothing was thrown), so a test can check that bad args register nothing.
 */
export function runProgramCatching(
  program: () => unknown,
  options: RunOptions = {},
): Promise<ProgramRun<unknown>> {
  return runProgram(() => {
    try {
      program();
      return undefined;
    } catch (thrown) {
      return thrown;
    }
  }, options);
}

/** Whether the input at `path` (or an object containing it) reached the provider as a secret. */
export function isSecretInput(resource: RecordedResource, path: string): boolean {
  return resource.secretPaths.some(
    (p) => p === "" || p === path || path.startsWith(`${p}.`) || path.startsWith(`${p}[`),
  );
}

/**
 * An Output's value, or its failure; anything else as it is. A failed output's other promises
 * (known, secret, resources) fail too, and are taken here as the engine takes them, so none is
 * left unhandled.
 */
export function settledOutput(value: unknown): Promise<unknown> {
  if (!pulumi.Output.isInstance(value)) return Promise.resolve(value);
  const output = value as unknown as {
    promise(): Promise<unknown>;
    readonly isKnown: Promise<boolean>;
    readonly isSecret: Promise<boolean>;
    allResources(): Promise<unknown>;
  };
  for (const other of [output.isKnown, output.isSecret, output.allResources()])
    other.catch(() => undefined);
  return output.promise();
}

/**
 * Every export of a program (undefined ones left out, as the engine records none), waited for as
 * the engine waits for a stack's exports: the values of those that resolved, and the first failure.
 */
export async function settledExports(
  exports: Readonly<Record<string, unknown>>,
): Promise<{ values: Record<string, unknown>; failure?: unknown }> {
  const entries = Object.entries(exports).filter(([, value]) => value !== undefined);
  const settled = await Promise.allSettled(entries.map(([, value]) => settledOutput(value)));
  const values: Record<string, unknown> = {};
  let failure: unknown;
  settled.forEach((outcome, i) => {
    if (outcome.status === "fulfilled") values[entries[i]![0]] = outcome.value;
    else failure ??= outcome.reason;
  });
  return failure === undefined ? { values } : { values, failure };
}

/** The plain value of an Output (or Input), for assertions. */
export function valueOf<T>(input: pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(input).apply((v) => resolve(v as T)));
}
