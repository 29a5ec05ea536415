/** `logs`: a tenant's pod logs, each line prefixed by its pod, following with `-f`. */
import { tenantNamespace } from "../../stacks/config/names";
import type { OpsContext } from "../context";
import { OpsError } from "../errors";
import { println } from "../format";
import { chooseContainer, LinePrefixer, podPrefixes, tenantPodSelector } from "../logs";
import type { StackConfig } from "../engine";
import { tenantStack } from "../shards";
import { environmentOf, tenantsOf } from "../stack-config";
import { environmentOutput } from "../stack-outputs";

/** `logs` flags. */
export interface LogsOptions {
  readonly stack: string;
  readonly tenant: string;
  readonly follow: boolean;
  readonly tail?: number;
  readonly container?: string;
}

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

/** The first line of a Kubernetes client error: its full text carries headers and bodies. */
function kubeError(error: unknown): string {
  const e = error as { code?: number; message?: string };
  const first = (e.message ?? String(error)).split("\n")[0] ?? "";
  return e.code !== undefined && !first.includes(String(e.code))
    ? `HTTP ${e.code}: ${first}`
    : first;
}

/** Streams the tenant's pod logs; exits 1 when a pod's stream failed. */
export async function logs(ctx: OpsContext, o: LogsOptions): Promise<number> {
  const { engine, stdout, stderr } = ctx;
  // With tenant shards, the tenant may live in one of the stack's shard stacks.
  const holder = await tenantStack(engine, o.stack, o.tenant);
  o = { ...o, stack: holder.stack };
  const config = holder.config;
  const tenants = tenantsOf(config).map((t) => t.id);
  if (tenants.length > 0 && !tenants.includes(o.tenant)) {
    throw new OpsError(
      `stack "${o.stack}" has no tenant "${o.tenant}"; its tenants: ${tenants.join(", ")}`,
    );
  }
  const namespace = tenantNamespace(await environmentName(ctx, o.stack, config), o.tenant);
  const selector = tenantPodSelector(o.tenant);
  const pods = await ctx.logs.listPods(namespace, selector).catch((error: unknown) => {
    throw new OpsError(
      `cannot list the pods of tenant "${o.tenant}" in namespace ${namespace} through the Kubernetes API of the current kubeconfig context: ${kubeError(error)}`,
    );
  });
  if (pods.length === 0) {
    throw new OpsError(
      `no pods labelled ${selector} in namespace ${namespace}; is tenant "${o.tenant}" deployed? (kubectl -n ${namespace} get pods)`,
    );
  }
  const containers = pods.map((p) => chooseContainer(p, o.tenant, o.container));
  const prefixes = podPrefixes(pods.map((p) => p.name));
  let failed = false;
  await Promise.all(
    pods.map(async (pod, i) => {
      const prefixer = new LinePrefixer(prefixes.get(pod.name) ?? "", (line) =>
        println(stdout, line),
      );
      try {
        await ctx.logs.stream(
          namespace,
          pod.name,
          containers[i] as string,
          { follow: o.follow, tailLines: o.tail },
          (chunk) => prefixer.push(chunk),
        );
      } catch (error) {
        failed = true;
        println(stderr, `error: logs of pod ${pod.name}: ${kubeError(error)}`);
      } finally {
        prefixer.flush();
      }
    }),
  );
  return failed ? 1 : 0;
}
