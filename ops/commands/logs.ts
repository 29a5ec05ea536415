/**
 * `logs`: a tenant's pod logs (or the edge's access log with `--proxy`), each line prefixed by
 * pod and container; with `-f` it follows the pods a rollout brings and drops those that leave.
 */
import { defineCommand } from "../command-line/command";
import { stackFlag, tenantFlag } from "../command-line/flags";
import { edgeNamespace, tenantNamespace, tenantServiceName } from "../../model/names";
import { formatAccess, parseAccessLine } from "../plans/access-log";
import type { OpsContext } from "../context";
import type { StackConfig } from "../engine";
import { environmentSettings, tenantStack } from "../plans/shards";
import { OpsError, UsageError } from "../errors";
import { println } from "../format/text";
import { kubeError, streamPods } from "../adapters/log-follow";
import {
  chooseContainer,
  type PodInfo,
  PROXY_APP_NAME,
  PROXY_CONTAINER,
  tenantPodSelector,
} from "../plans/pod-logs";
import { environmentOf, tenantsOf } from "../stack-config";
import { edgeNamespaceOutput, environmentOutput } from "../stack-outputs";

/** `logs` flags. */
export interface LogsOptions {
  readonly stack: string;
  /** Required unless `proxy`; with `proxy` it filters the access log to this tenant. */
  readonly tenant?: string;
  readonly follow: boolean;
  readonly tail?: number;
  /** Only lines newer than this many seconds. */
  readonly since?: number;
  readonly container?: string;
  /** The edge proxy's access log instead of a tenant's pods. */
  readonly proxy?: boolean;
  /** The tenant's migration Jobs' pods instead of its app's. */
  readonly migrations?: boolean;
  /** Stops following (the CLI runs until interrupted). */
  readonly signal?: AbortSignal;
}

/** `logs`: its flags, their help, and the options they give. */
export const logsCommand = defineCommand({
  spec: {
    name: "logs",
    summary: "a tenant's pod logs (or the edge's access log), prefixed by pod and container",
    usage:
      "logs --stack S (--tenant T [--migrations] | --proxy [--tenant T]) [-f] [--tail N] [--since D] [--container C]",
    flags: {
      stack: stackFlag("stack the tenant is in"),
      tenant: tenantFlag("tenant id (with --proxy: only that tenant's requests)"),
      proxy: { type: "boolean", doc: "the edge proxy's access log, one request per line" },
      migrations: {
        type: "boolean",
        doc: "the tenant's pre-release migration Jobs (app.migrate)",
      },
      follow: {
        type: "boolean",
        short: "f",
        doc: "keep streaming, following pods a rollout starts and dropping\npods that leave",
      },
      tail: { type: "string", value: "N", doc: "start from the last N lines of each pod" },
      since: { type: "string", value: "D", doc: "only lines newer than D (90s, 15m, 2h, 7d)" },
      container: {
        type: "string",
        value: "C",
        doc: "container to read (default: the app container)",
      },
    },
    notes: `Terminal control sequences in the output are removed. Uses the current
kubeconfig context, as kubectl does.`,
  },
  parse: (args): LogsOptions => ({
    stack: args.required("stack"),
    tenant: args.flag("proxy") ? args.text("tenant") : args.required("tenant"),
    proxy: args.flag("proxy"),
    migrations: args.flag("migrations"),
    follow: args.flag("follow"),
    tail: args.positiveInt("tail"),
    since: args.duration("since"),
    container: args.text("container"),
  }),
  run: logs,
});

/** The environment name of a stack: its config, else its `environment` output. */
async function environmentName(
  ctx: OpsContext,
  stack: string,
  config: StackConfig,
): Promise<string> {
  const fromConfig = environmentOf(config);
  if (fromConfig !== undefined) return fromConfig;
  await ctx.engine.selectStack(stack);
  const fromOutput = environmentOutput(await ctx.engine.outputs(stack));
  if (fromOutput === undefined) {
    throw new OpsError(
      `stack "${stack}" sets no agent-cloud:environment in ${ctx.engine.configFileName(stack)} and exports no environment output`,
    );
  }
  return fromOutput;
}

/** The proxy's namespace: its output when the stack exports it, else the naming rule. */
async function proxyNamespace(ctx: OpsContext, stack: string, environment: string) {
  await ctx.engine.selectStack(stack);
  return edgeNamespaceOutput(await ctx.engine.outputs(stack)) ?? edgeNamespace(environment);
}

/** Streams the logs; exits 1 when a pod's stream failed. */
export async function logs(ctx: OpsContext, options: LogsOptions): Promise<number> {
  const { engine, stdout, stderr } = ctx;
  if (options.tenant === undefined && options.proxy !== true) {
    throw new UsageError("logs: --tenant is required (or --proxy for the edge's access log)");
  }
  // With tenant shards, the tenant may live in one of the stack's shard stacks.
  const holder =
    options.tenant === undefined
      ? { stack: options.stack, config: await engine.readConfig(options.stack) }
      : await tenantStack(engine, options.stack, options.tenant);
  options = { ...options, stack: holder.stack };
  const config = holder.config;
  const tenants = tenantsOf(config).map((t) => t.id);
  if (options.tenant !== undefined && tenants.length > 0 && !tenants.includes(options.tenant)) {
    throw new OpsError(
      `stack "${options.stack}" has no tenant "${options.tenant}"; its tenants: ${tenants.join(", ")}`,
    );
  }
  const environment = await environmentName(
    ctx,
    options.stack,
    await environmentSettings(engine, config),
  );
  const tenant = options.tenant;
  const target =
    options.proxy === true
      ? {
          what: "the edge proxy",
          namespace: await proxyNamespace(ctx, options.stack, environment),
          selector: `app.kubernetes.io/name=${PROXY_APP_NAME}`,
          container: (pod: PodInfo) =>
            chooseContainer(pod, "", options.container ?? PROXY_CONTAINER),
          transform: (line: string) => {
            const entry = parseAccessLine(line);
            if (entry === undefined) return tenant === undefined ? line : undefined;
            return tenant === undefined || entry.tenant === tenant
              ? formatAccess(entry)
              : undefined;
          },
        }
      : options.migrations === true
        ? {
            what: `the migration Jobs of tenant "${tenant}"`,
            namespace: tenantNamespace(environment, tenant as string),
            selector: `app.kubernetes.io/name=${tenantServiceName(tenant as string)}-migrate`,
            container: (pod: PodInfo) => chooseContainer(pod, "", options.container ?? "migrate"),
            transform: undefined,
          }
        : {
            what: `tenant "${tenant}"`,
            namespace: tenantNamespace(environment, tenant as string),
            selector: tenantPodSelector(tenant as string),
            container: (pod: PodInfo) => chooseContainer(pod, tenant as string, options.container),
            transform: undefined,
          };
  const pods = await ctx.logs
    .listPods(target.namespace, target.selector)
    .catch((error: unknown) => {
      throw new OpsError(
        `cannot list the pods of ${target.what} in namespace ${target.namespace} through the Kubernetes API of the current kubeconfig context: ${kubeError(error)}`,
      );
    });
  if (pods.length === 0 && !options.follow) {
    throw new OpsError(
      `no pods labelled ${target.selector} in namespace ${target.namespace}; is ${target.what} deployed? (kubectl -n ${target.namespace} get pods)`,
    );
  }
  if (pods.length === 0) {
    println(stderr, `--- no pods labelled ${target.selector} in ${target.namespace} yet; waiting`);
  }
  const ok = await streamPods(
    ctx.logs,
    { ...target, stdout, stderr },
    pods,
    { follow: options.follow, tailLines: options.tail, sinceSeconds: options.since },
    options.signal ?? new AbortController().signal,
  );
  return ok ? 0 : 1;
}
