/** Command-line parsing: one spec and help text per command, parsed with node:util parseArgs. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { CheckOptions } from "./commands/check";
import type { DeployOptions } from "./commands/deploy";
import type { DoctorOptions } from "./commands/doctor";
import type { HistoryOptions } from "./commands/history";
import type { LogsOptions } from "./commands/logs";
import type { PromoteOptions } from "./commands/promote";
import type { RollbackOptions } from "./commands/rollback";
import type { StatusOptions } from "./commands/status";
import { parseDuration } from "./command-line/duration";
import { UsageError } from "./errors";
import { OPERATIONS, type OperationName } from "./operations";

/** A parsed command line: which command, with its typed options. */
export type Command =
  | { readonly name: "help"; readonly topic?: string }
  | { readonly name: "deploy"; readonly options: DeployOptions }
  | { readonly name: "status"; readonly options: StatusOptions }
  | { readonly name: "history"; readonly options: HistoryOptions }
  | { readonly name: "rollback"; readonly options: RollbackOptions }
  | { readonly name: "promote"; readonly options: PromoteOptions }
  | { readonly name: "logs"; readonly options: LogsOptions }
  | { readonly name: "doctor"; readonly options: DoctorOptions }
  | { readonly name: "operation"; readonly command: OperationName; readonly options: unknown }
  | { readonly name: "check"; readonly options: CheckOptions };

type Options = NonNullable<ParseArgsConfig["options"]>;

const HELP_FLAG: Options = { help: { type: "boolean", short: "h" } };
const STACK: Options = { stack: { type: "string", short: "s" } };

export interface Spec {
  readonly summary: string;
  readonly usage: string;
  readonly details: string;
  readonly options: Options;
  /** Takes words besides flags (a subcommand such as `db backup`). */
  readonly positionals?: boolean;
}

/** Every command: its usage line, one-line summary, option help and parseArgs spec. */
export const COMMANDS: Readonly<Record<Exclude<Command["name"], "help" | "operation">, Spec>> &
  Readonly<Record<OperationName, Spec>> = {
  deploy: {
    summary: "preview or update a stack, streaming progress",
    usage:
      "deploy --stack S [--dry-run] [--skip-build | --image-from S2] [--force] [--tag T] [--group G ...] [--release NAME] [--remove-tenant ID ...] [--policy-pack DIR ...]",
    details: `  --stack, -s S   stack to deploy (local, dev, production)
  --dry-run       preview only: show what would change
  --skip-build    do not build; redeploy the stack's last imageRef by digest
  --force         rebuild the image even if its context did not change
  --tag T         tag to push the built image under
  --group G       roll out to tenants labelled G (repeatable) only: their objects and
                  databases, the image and the proxy's route table; other tenants keep
                  the exact image they run
  --image-from S2 build nothing: run the images stack S2's last successful update ran
                  (refused when S2's latest update failed)
  --release NAME  name this release (rollback --to NAME)
  --remove-tenant ID
                  allow removing tenant ID (gone from the stack file) from a stack that
                  protects its databases; its database and role are retained
  --policy-pack DIR
                  enforce the CrossGuard policy pack in DIR (repeatable), e.g. policy`,
    options: {
      ...STACK,
      "dry-run": { type: "boolean" },
      "skip-build": { type: "boolean" },
      force: { type: "boolean" },
      tag: { type: "string" },
      group: { type: "string", multiple: true },
      "policy-pack": { type: "string", multiple: true },
      release: { type: "string" },
      "image-from": { type: "string" },
      "remove-tenant": { type: "string", multiple: true },
    },
  },
  status: {
    summary: "last update, pending changes and live tenant health",
    usage: "status --stack S [--skip-preview] [--timeout MS]",
    details: `  --stack, -s S   stack to inspect
  --skip-preview  do not run a preview to look for pending changes
  --timeout MS    time each health check may take (default 5000)
  Exits 1 when the preview fails or a tenant is unhealthy.`,
    options: { ...STACK, "skip-preview": { type: "boolean" }, timeout: { type: "string" } },
  },
  history: {
    summary: "one row per update: version, time, kind, result, commit, image, changes",
    usage: "history --stack S [--limit N]",
    details: `  --stack, -s S   stack to list
  --limit N       newest N updates only
  Secrets are never shown: history is read without them.`,
    options: { ...STACK, limit: { type: "string" } },
  },
  rollback: {
    summary: "redeploy exactly what an earlier update ran, building nothing",
    usage:
      "rollback --stack S [--to VERSION|NAME | --version NAME] [--prune] [--release NAME] [--yes]",
    details: `  --stack, -s S   stack to roll back
  --to VERSION|NAME
                  update to return to (4, v4 or a release name); default: the
                  successful update before the latest
  --version NAME  the same as --to
  --prune         remove tenants added after that update (default: keep them as
                  they run now); their databases are retained either way
  --release NAME  name this rollback's own release
  --policy-pack DIR
                  policy packs to enforce (repeatable; default: policy)
  --yes, -y       do not ask before updating
  Runs the update's recorded commit from a git worktree with its recorded config
  (secrets as the stack holds them now) and exactly the image digests it ran,
  under the policy pack; shows the preview, asks, then records the update as
  "rollback to vN".`,
    options: {
      ...STACK,
      to: { type: "string" },
      version: { type: "string" },
      prune: { type: "boolean" },
      release: { type: "string" },
      "policy-pack": { type: "string", multiple: true },
      yes: { type: "boolean", short: "y" },
    },
  },
  promote: {
    summary: "copy what the source stack's last update ran (digests, agent configs)",
    usage: "promote --from dev --to production [--yes]",
    details: `  --from S        stack whose deployed image and agent configs were tested
  --to S          stack whose config file receives them
  --yes, -y       write without asking
  Copies what the source's last successful update ran: its image digests (into
  agent-cloud:image ref, and tenants[].image for tenants on another digest) and
  each shared tenant's agentConfig as that update recorded it, never a stack-file
  edit the source has not deployed. Refused when the source's latest update
  failed. Never secrets, keys or database settings.`,
    options: {
      from: { type: "string" },
      to: { type: "string" },
      yes: { type: "boolean", short: "y" },
    },
  },
  logs: {
    summary: "a tenant's pod logs (or the edge's access log), prefixed by pod and container",
    usage:
      "logs --stack S (--tenant T [--migrations] | --proxy [--tenant T]) [-f] [--tail N] [--since D] [--container C]",
    details: `  --stack, -s S   stack the tenant is in
  --tenant, -t T  tenant id (with --proxy: only that tenant's requests)
  --proxy         the edge proxy's access log, one request per line
  --migrations    the tenant's pre-release migration Jobs (app.migrate)
  --follow, -f    keep streaming, following pods a rollout starts and dropping
                  pods that leave
  --tail N        start from the last N lines of each pod
  --since D       only lines newer than D (90s, 15m, 2h, 7d)
  --container C   container to read (default: the app container)
  Terminal control sequences in the output are removed. Uses the current
  kubeconfig context, as kubectl does.`,
    options: {
      ...STACK,
      tenant: { type: "string", short: "t" },
      proxy: { type: "boolean" },
      migrations: { type: "boolean" },
      follow: { type: "boolean", short: "f" },
      tail: { type: "string" },
      since: { type: "string" },
      container: { type: "string" },
    },
  },
  doctor: {
    summary: "check DNS, certificates and tenant endpoints",
    usage: "doctor --stack S [--timeout MS]",
    details: `  --stack, -s S   stack to check
  --timeout MS    time each endpoint may take (default 5000)
  Checks that every tenant name resolves to the proxy, that certificates exist
  only in the proxy's namespace, and that each tenant answers (explaining what
  a 404 or 502 means). Exits 1 when a check fails.`,
    options: { ...STACK, timeout: { type: "string" } },
  },
  check: {
    summary: "validate a stack file as pulumi preview would, without the engine",
    usage: "check --stack S",
    details: `  --stack, -s S   stack whose Pulumi.S.yaml to check
  Lists every problem at once; only secure: values count as secrets.`,
    options: { ...STACK },
  },
  ...OPERATIONS.specs,
};

/** The help for one command, or the list of commands. */
export function helpText(topic?: string): string {
  const spec = topic === undefined ? undefined : COMMANDS[topic as keyof typeof COMMANDS];
  if (spec !== undefined)
    return `usage: npm run ops -- ${spec.usage}\n\n${spec.summary}\n\n${spec.details}\n`;
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const list = Object.entries(COMMANDS)
    .map(([name, s]) => `  ${name.padEnd(width)}  ${s.summary}`)
    .join("\n");
  return `usage: npm run ops -- <command> [options]\n\ncommands:\n${list}\n\nRun a command with --help for its options.\n`;
}

function required(values: Record<string, unknown>, name: string, command: string): string {
  const value = values[name];
  if (typeof value !== "string" || value === "") {
    throw new UsageError(
      `${command}: --${name} is required\nusage: npm run ops -- ${COMMANDS[command as keyof typeof COMMANDS].usage}`,
    );
  }
  return value;
}

function positiveInt(
  values: Record<string, unknown>,
  name: string,
  command: string,
  pattern = /^\d+$/,
  expected = "a positive whole number",
): number | undefined {
  const value = values[name];
  if (typeof value !== "string") return undefined;
  const text = value;
  if (!pattern.test(text) || Number.parseInt(text.replace(/^v/, ""), 10) < 1) {
    throw new UsageError(`${command}: --${name} "${text}" must be ${expected}`);
  }
  return Number.parseInt(text.replace(/^v/, ""), 10);
}

function sinceSeconds(value: unknown, command: string): number | undefined {
  return typeof value === "string" ? parseDuration(value, `${command}: --since`) : undefined;
}

/** `rollback --to 4|v4|NAME` or `--version NAME`: a version number, or a release name. */
function rollbackTo(values: Record<string, unknown>): number | string | undefined {
  const to = values.to as string | undefined;
  const version = values.version as string | undefined;
  if (to !== undefined && version !== undefined) {
    throw new UsageError("rollback: give --to or --version, not both");
  }
  const given = to ?? version;
  if (given === undefined) return undefined;
  const flag = to !== undefined ? "to" : "version";
  if (/^v?\d+$/.test(given))
    return positiveInt(
      { [flag]: given },
      flag,
      "rollback",
      /^v?\d+$/,
      "an update version such as 4 or v4",
    );
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(given)) {
    throw new UsageError(
      `rollback: --${flag} "${given}" must be an update version such as 4 or v4, or a release name`,
    );
  }
  return given;
}

/** Parses `argv` (without node and script) into a command; throws {@link UsageError}. */
export function parseCommand(argv: readonly string[]): Command {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    return { name: "help", topic: name === "help" ? rest[0] : undefined };
  }
  const spec = COMMANDS[name as keyof typeof COMMANDS];
  if (spec === undefined) {
    throw new UsageError(
      `unknown command "${name}"; commands: ${Object.keys(COMMANDS).join(", ")}`,
    );
  }
  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...rest],
      options: { ...spec.options, ...HELP_FLAG },
      allowPositionals: spec.positionals === true,
      strict: true,
    }));
  } catch (error) {
    throw new UsageError(
      `${name}: ${(error as Error).message}\nusage: npm run ops -- ${spec.usage}`,
    );
  }
  if (values.help === true) return { name: "help", topic: name };
  const flag = (key: string) => values[key] === true;
  if (OPERATIONS.has(name)) {
    return OPERATIONS.parse(name, {
      flag,
      text: (key) => values[key] as string | undefined,
      list: (key) => (values[key] as string[] | undefined) ?? [],
      required: (key) => required(values, key, name),
      positiveInt: (key) => positiveInt(values, key, name),
      positionals,
    });
  }

  switch (name) {
    case "deploy":
      return {
        name,
        options: {
          stack: required(values, "stack", name),
          dryRun: flag("dry-run"),
          skipBuild: flag("skip-build"),
          force: flag("force"),
          tag: values.tag as string | undefined,
          groups: (values.group as string[] | undefined) ?? [],
          policyPacks: (values["policy-pack"] as string[] | undefined) ?? [],
          release: values.release as string | undefined,
          imageFrom: values["image-from"] as string | undefined,
          removeTenants: (values["remove-tenant"] as string[] | undefined) ?? [],
        },
      };
    case "status":
      return {
        name,
        options: {
          stack: required(values, "stack", name),
          skipPreview: flag("skip-preview"),
          timeoutMs: positiveInt(values, "timeout", name),
        },
      };
    case "history":
      return {
        name,
        options: {
          stack: required(values, "stack", name),
          limit: positiveInt(values, "limit", name),
        },
      };
    case "rollback":
      return {
        name,
        options: {
          stack: required(values, "stack", name),
          to: rollbackTo(values),
          yes: flag("yes"),
          prune: flag("prune"),
          release: values.release as string | undefined,
          policyPacks: values["policy-pack"] as string[] | undefined,
        },
      };
    case "promote":
      return {
        name,
        options: {
          from: required(values, "from", name),
          to: required(values, "to", name),
          yes: flag("yes"),
        },
      };
    case "logs":
      return {
        name,
        options: {
          stack: required(values, "stack", name),
          tenant: flag("proxy")
            ? (values.tenant as string | undefined)
            : required(values, "tenant", name),
          proxy: flag("proxy"),
          migrations: flag("migrations"),
          follow: flag("follow"),
          tail: positiveInt(values, "tail", name),
          since: sinceSeconds(values.since, name),
          container: values.container as string | undefined,
        },
      };
    case "check":
      return { name, options: { stack: required(values, "stack", name) } };
    default:
      return {
        name: "doctor",
        options: {
          stack: required(values, "stack", name),
          timeoutMs: positiveInt(values, "timeout", name),
        },
      };
  }
}
