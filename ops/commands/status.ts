/** `status`: the last update, whether a deploy would change anything, and live tenant health. */
import { defineCommand } from "../command-line/command";
import { stackFlag, timeoutFlag } from "../command-line/flags";
import { DEFAULT_HTTP_TIMEOUT_MS, type OpsContext } from "../context";
import { OpsError } from "../errors";
import {
  describeChanges,
  formatTime,
  hasChanges,
  println,
  renderTable,
  shortSha,
} from "../format/text";
import { healthUrl, mapLimit } from "../adapters/health";
import { lifecycleHealth, lifecycleOf } from "../plans/lifecycle";
import { groupPending } from "../plans/pending";
import { healthPathOf, tenantsOf } from "../stack-config";
import { tenantsOutput } from "../stack-outputs";
import { releaseOf } from "../plans/release";
import { commitOf } from "../plans/update-meta";
import { environmentSettings } from "../plans/shards";

/** `status` flags. */
export interface StatusOptions {
  readonly stack: string;
  /** Skip the preview (it runs the program, which can take a while). */
  readonly skipPreview: boolean;
  readonly timeoutMs?: number;
}

/** `status`: its flags, their help, and the options they give. */
export const statusCommand = defineCommand({
  spec: {
    name: "status",
    summary: "last update, pending changes and live tenant health",
    usage: "status --stack S [--skip-preview] [--timeout MS]",
    flags: {
      stack: stackFlag("stack to inspect"),
      "skip-preview": {
        type: "boolean",
        doc: "do not run a preview to look for pending changes",
      },
      timeout: timeoutFlag("time each health check may take (default 5000)"),
    },
    notes: "Exits 1 when the preview fails or a tenant is unhealthy.",
  },
  parse: (args): StatusOptions => ({
    stack: args.required("stack"),
    skipPreview: args.flag("skip-preview"),
    timeoutMs: args.positiveInt("timeout"),
  }),
  run: status,
});

/** Prints the status; exits 1 when the preview failed or a tenant is unhealthy. */
export async function status(ctx: OpsContext, options: StatusOptions): Promise<number> {
  const { engine, stdout } = ctx;
  await engine.ensureCli();
  await engine.selectStack(options.stack);
  let exitCode = 0;

  const [last] = await engine.history(options.stack);
  if (last === undefined) {
    println(stdout, `stack "${options.stack}": no updates yet`);
  } else {
    const commit = commitOf(last);
    const commitText =
      commit === undefined
        ? "no commit recorded"
        : `commit ${shortSha(commit.sha)}${commit.dirty ? " (dirty)" : ""}`;
    const release = releaseOf(last);
    const who = [
      release.name === undefined ? "" : `, release "${release.name}"`,
      release.actor === undefined ? "" : `, by ${release.actor}`,
    ].join("");
    println(
      stdout,
      `last update: v${last.version} ${last.kind} ${last.result} at ${formatTime(last.startTime)}, ${commitText}${who}`,
    );
    if (last.result === "in-progress") {
      println(stdout, `update v${last.version} is still running; deploys wait until it finishes`);
    }
  }

  if (!options.skipPreview) {
    try {
      const preview = await engine.preview(options.stack, {});
      println(
        stdout,
        hasChanges(preview.changeSummary)
          ? `pending changes: ${describeChanges(preview.changeSummary)} (run deploy to apply them)`
          : `up to date: ${describeChanges(preview.changeSummary)}`,
      );
      const tenantIds = tenantsOf(await engine.readConfig(options.stack)).map((t) => t.id);
      for (const group of groupPending(preview.steps ?? [], tenantIds))
        println(stdout, `  ${group.label}: ${group.changes.join(", ")}`);
    } catch (error) {
      if (!(error instanceof OpsError)) throw error;
      println(stdout, `preview failed: ${error.message}`);
      exitCode = 1;
    }
  }

  const tenants = tenantsOutput(await engine.outputs(options.stack));
  if (tenants.length === 0) {
    println(stdout, "tenants: none exported (the stack has no tenants output yet)");
    return exitCode;
  }
  // A shard stack's app settings are its platform's.
  const config = await environmentSettings(engine, await engine.readConfig(options.stack));
  const path = healthPathOf(config);
  const timeout = options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
  const results = await mapLimit(tenants, 8, (t) =>
    ctx.health.check(healthUrl(t.url, path), timeout),
  );
  const rows = tenants.map((tenant, index) => {
    const result = results[index] ?? { latencyMs: 0, error: "not checked" };
    const health = lifecycleHealth(lifecycleOf(config, tenant.id), result);
    if (!health.ok) exitCode = 1;
    return [
      tenant.id,
      healthUrl(tenant.url, path),
      result.status === undefined ? "-" : String(result.status),
      result.status === undefined ? "-" : `${result.latencyMs} ms`,
      health.text,
    ];
  });
  for (const line of renderTable(["TENANT", "URL", "HTTP", "LATENCY", "HEALTH"], rows)) {
    println(stdout, line);
  }
  return exitCode;
}
