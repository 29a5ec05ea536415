/**
 * `npm run bench:scale`: the 10,000-tenant figures of a sharded environment, each stack
 * evaluated under mocks in a fresh process (bench/scale-child.ts), and the exact cost of one
 * tenant: SDK promises and peak heap per tenant, from two sizes of one unsharded stack.
 *
 *   npm run bench:scale [-- --baseline <git ref>]
 *
 * With `--baseline`, the per-tenant figures are also measured on that commit (a temporary git
 * worktree, removed afterwards), side by side in the same run. Writes bench/report/SCALE.md and
 * prints it. Bounded: one shard (250 tenants) and the platform (10,000 routes), never one
 * 10,000-tenant stack.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runChild } from "./child";
import type { ScaleResult } from "./scale-child";

const ROOT = join(__dirname, "..");
const TENANTS = 10_000;
const SHARD = 250;
/** The two sizes the per-tenant slope is taken between. */
const SMALL = 20;
const LARGE = 120;
const TIMEOUT_MS = 600_000;

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const int = (n: number) => Math.round(n).toLocaleString("en-US");
const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

interface PerTenant {
  readonly resources: number;
  readonly sdkPromises: number;
  readonly promises: number;
  readonly heap: number;
  readonly ms: number;
}

async function perTenant(
  run: (args: string[]) => Promise<ScaleResult>,
  log: (line: string) => void,
): Promise<PerTenant> {
  const [small, large] = [
    await run(["unsharded", String(SMALL)]),
    await run(["unsharded", String(LARGE)]),
  ];
  const [smallP, largeP] = [
    await run(["unsharded", String(SMALL), "--promises"]),
    await run(["unsharded", String(LARGE), "--promises"]),
  ];
  const tenantDelta = LARGE - SMALL;
  const out = {
    resources: (large.resources - small.resources) / tenantDelta,
    sdkPromises: ((largeP.sdkPromises ?? 0) - (smallP.sdkPromises ?? 0)) / tenantDelta,
    promises: ((largeP.promises ?? 0) - (smallP.promises ?? 0)) / tenantDelta,
    heap: (large.peakHeapGrowth - small.peakHeapGrowth) / tenantDelta,
    ms: (large.ms - small.ms) / tenantDelta,
  };
  log(`per tenant: ${JSON.stringify(out)}`);
  return out;
}

/** Runs the unsharded child in a checkout of `ref`, with this tree's bench child and harness. */
async function baseline(ref: string, log: (line: string) => void): Promise<PerTenant> {
  const dir = mkdtempSync(join(tmpdir(), "agent-cloud-baseline-"));
  const tree = join(dir, "tree");
  try {
    execFileSync("git", ["-C", ROOT, "worktree", "add", "--detach", tree, ref], {
      stdio: "ignore",
    });
    symlinkSync(join(ROOT, "node_modules"), join(tree, "node_modules"));
    // The measuring child is this tree's; what it measures (components/, stacks/) is ref's.
    mkdirSync(join(tree, "bench"), { recursive: true });
    for (const file of ["scale-child.ts", "child.ts", "platform-config.ts"])
      cpSync(join(__dirname, file), join(tree, "bench", file));
    // The child imports the mocks harness and the stack files from testkit/, which an older ref
    // may not have (or have elsewhere): this tree's go with it.
    cpSync(join(ROOT, "testkit"), join(tree, "testkit"), { recursive: true });
    const run = (args: string[]) =>
      runChild<ScaleResult>(join(tree, "bench", "scale-child.ts"), args, TIMEOUT_MS);
    return await perTenant(run, (s) => log(`baseline ${ref}: ${s}`));
  } finally {
    execFileSync("git", ["-C", ROOT, "worktree", "remove", "--force", tree], { stdio: "ignore" });
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const log = (line: string) =>
    console.error(`[scale ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);
  const flagAt = process.argv.indexOf("--baseline");
  const baselineRef = flagAt > 0 ? process.argv[flagAt + 1] : undefined;
  const run = (args: string[]) => runChild<ScaleResult>("scale-child.ts", args, TIMEOUT_MS);

  const now = await perTenant(run, log);
  const before = baselineRef === undefined ? undefined : await baseline(baselineRef, log);
  const shard = await run(["shard", String(SHARD)]);
  log(
    `shard ${SHARD}: ${shard.resources} resources, ${sec(shard.ms)}, ${mib(shard.peakHeapGrowth)}`,
  );
  const shardP = await run(["shard", String(SHARD), "--promises"]);
  const platform = await run(["platform", String(TENANTS)]);
  log(`platform ${TENANTS}: ${platform.resources} resources, ${sec(platform.ms)}`);
  const shards = Math.ceil(TENANTS / SHARD);

  const row = (label: string, p: PerTenant) =>
    `| ${label} | ${p.resources} | ${int(p.sdkPromises)} | ${int(p.promises)} | ${mib(p.heap)} | ${p.ms.toFixed(0)} ms |`;
  const lines = [
    `# Scale: ${int(TENANTS)} tenants in one environment`,
    "",
    `Run ${new Date(started).toISOString().replace(/\.\d+Z$/, "Z")}, Node ${process.versions.node}, under Pulumi's mocks (testkit/mocks.ts); every figure from one run, each stack in a fresh process.`,
    "",
    "## Cost of one tenant (one unsharded stack, slope between " + `${SMALL} and ${LARGE} tenants)`,
    "",
    "| program | Pulumi resources | SDK promises (`debuggablePromise`) | all promises (V8) | peak heap | evaluation time |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    ...(before ? [row(`before (${baselineRef})`, before)] : []),
    row("now", now),
    ...(before
      ? [
          `| now ÷ before | ${(now.resources / before.resources).toFixed(2)}× | ${(now.sdkPromises / before.sdkPromises).toFixed(2)}× | ${(now.promises / before.promises).toFixed(2)}× | ${(now.heap / before.heap).toFixed(2)}× | ${(now.ms / before.ms).toFixed(2)}× |`,
        ]
      : []),
    "",
    `## ${int(TENANTS)} tenants: ${shards} shards of ${SHARD} and one platform stack`,
    "",
    "| stack | tenants | Pulumi resources | evaluation time | peak heap growth | peak RSS | SDK promises | all promises |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    `| one shard | ${SHARD} | ${int(shard.resources)} | ${sec(shard.ms)} | ${mib(shard.peakHeapGrowth)} | ${mib(shard.maxRssKiB * 1024)} | ${int(shardP.sdkPromises ?? 0)} | ${int(shardP.promises ?? 0)} |`,
    `| platform (routes of all shards) | ${int(TENANTS)} routed | ${int(platform.resources)} | ${sec(platform.ms)} | ${mib(platform.peakHeapGrowth)} | ${mib(platform.maxRssKiB * 1024)} | — | — |`,
    "",
    `Largest stack: ${int(Math.max(shard.resources, platform.resources))} resources (target: none above 3,500). ` +
      `A one-tenant change evaluates its shard (${int(shard.resources)} resources, ${sec(shard.ms)}) and then the platform's route table (${int(platform.resources)} resources, ${sec(platform.ms)}); the other ${shards - 1} shards are not evaluated.`,
    "",
    "Platform resources by type: " +
      Object.entries(platform.byType)
        .sort(([, a], [, b]) => b - a)
        .map(([t, c]) => `${t} ${c}`)
        .join(", "),
    "",
  ];
  const markdown = lines.join("\n");
  mkdirSync(join(__dirname, "report"), { recursive: true });
  writeFileSync(join(__dirname, "report", "SCALE.md"), markdown);
  console.log(markdown);
}

void main().catch((failure: unknown) => {
  console.error(failure);
  process.exitCode = 1;
});
