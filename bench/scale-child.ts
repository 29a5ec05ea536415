/**
 * One evaluation of a stack of a sharded environment under mocks, in a fresh process, with exact
 * measures besides time:
 *
 *   unsharded <n>   the whole environment in one stack (the local stack's config, n tenants)
 *   shard <n>       one shard stack holding n tenants (TenantShard, a production-like config)
 *   platform <n>    the platform stack of an environment whose shards hold n tenants in all
 *                   (250 per shard), read through stack references: routes and DNS only
 *   … --promises    also count every promise created (an async hook; slows the run, so its time
 *                   is not reported)
 *
 * `unsharded` needs nothing added for shards, so `bench/scale.ts --baseline <ref>` runs it in a
 * checkout of an earlier commit for the same figures side by side.
 *
 * Peak heap is sampled every 5 ms (and at the end) while the program runs; modules are loaded
 * and config parsed before the clock starts.
 */
import { createHook } from "node:async_hooks";
import { Platform } from "../components/platform";
import { parseConfig } from "../stacks/config";
import { type PlatformConfig } from "../model/platform-config";
import { runProgram, type StackReferenceAnswer } from "../testkit/mocks";
import { answer } from "./child";
import { benchTenant, benchTenantId, localConfigWithN } from "./platform-config";

export interface ScaleResult {
  readonly mode: "unsharded" | "shard" | "platform";
  readonly tenants: number;
  readonly resources: number;
  /** Resources by type (the largest few tell what a stack is made of). */
  readonly byType: Record<string, number>;
  readonly ms: number;
  /** Highest V8 heap in use during the run, bytes (before the run subtracted: growth). */
  readonly peakHeapGrowth: number;
  readonly maxRssKiB: number;
  /** Every promise created during the run, by V8's count (only with --promises). */
  readonly promises?: number;
  /**
   * The SDK's own promises: calls of its `debuggablePromise`, which wraps every promise the SDK
   * makes per resource and output (and records a stack for each). Only with --promises.
   */
  readonly sdkPromises?: number;
}

/** Tenants per shard in the benchmark's environment: the default limit. */
export const SHARD_SIZE = 250;

/** A production-like environment: external database, Cloudflare, origin CA. */
function environmentRaw(): Record<string, unknown> {
  return {
    environment: "production",
    domain: "agents.example.com",
    dns: {
      provider: "cloudflare",
      zoneId: "0123456789abcdef0123456789abcdef",
      zoneName: "example.com",
      edgeCertificate: "advanced",
    },
    tls: { mode: "cloudflare-origin-ca" },
    database: { mode: "external", host: "pg.internal.example.com", networkCidrs: ["10.20.0.0/24"] },
    image: { ref: `ghcr.io/example-org/agent@sha256:${"c".repeat(64)}` },
    databaseAdminPassword: "bench-admin-password",
  };
}

const SECRET_KEYS = { secretKeys: ["databaseAdminPassword"] };

function shardConfig(tenantCount: number): PlatformConfig {
  const tenants = Array.from({ length: tenantCount }, (_, i) => benchTenant(benchTenantId(i + 1)));
  return parseConfig(
    {
      ...environmentRaw(),
      shard: { name: "s001", platform: "production" },
      maxTenantsPerStack: Math.max(SHARD_SIZE, tenantCount),
      tenants,
    },
    SECRET_KEYS,
  );
}

function platformConfig(tenantCount: number): {
  config: PlatformConfig;
  references: Record<string, StackReferenceAnswer>;
} {
  const shards = Math.ceil(tenantCount / SHARD_SIZE);
  const names = Array.from({ length: shards }, (_, i) => `s${String(i + 1).padStart(3, "0")}`);
  const config = parseConfig({ ...environmentRaw(), shards: names }, SECRET_KEYS);
  const references: Record<string, StackReferenceAnswer> = {};
  names.forEach((name, shardIndex) => {
    // What a deployed shard exports: each tenant's endpoint and (secret) its API keys.
    const tenants: Record<string, unknown> = {};
    const apiKeys: Record<string, { current: string }> = {};
    for (
      let i = shardIndex * SHARD_SIZE;
      i < Math.min(tenantCount, (shardIndex + 1) * SHARD_SIZE);
      i++
    ) {
      const id = benchTenantId(i + 1);
      tenants[id] = {
        url: `https://${id}.agents.example.com`,
        hosts: [`${id}.agents.example.com`],
        namespace: `production-tenant-${id}`,
        groups: ["bench"],
        plan: "starter",
        auth: "edge",
        publicPaths: [],
      };
      apiKeys[id] = { current: `ac_production_${id.padEnd(40, "x")}` };
    }
    references[`organization/agent-cloud/production-${name}`] = {
      outputs: { tenants, apiKeys },
      secretOutputNames: ["apiKeys"],
    };
  });
  return { config, references };
}

async function main(): Promise<ScaleResult> {
  const [mode, arg, flag] = process.argv.slice(2);
  const tenantCount = Number(arg);
  if ((mode !== "unsharded" && mode !== "shard" && mode !== "platform") || !(tenantCount >= 1))
    throw new Error(`usage: scale-child.ts unsharded|shard|platform <n> [--promises]`);

  let program: () => unknown;
  let references: Record<string, StackReferenceAnswer> = {};
  if (mode === "unsharded") {
    const config = localConfigWithN(tenantCount);
    program = () => new Platform("local", { config, projectRoot: `${__dirname}/..` });
  } else if (mode === "shard") {
    const config = shardConfig(tenantCount);
    references = {
      "organization/agent-cloud/production": {
        outputs: { imageRef: config.image.ref, proxyAddress: "203.0.113.10" },
      },
    };
    // Loaded only here, so `unsharded` also runs against a tree from before shards existed.
    const { TenantShard } = await import("../components/shard/tenant-shard.js");
    program = () =>
      new TenantShard("production", {
        config,
        platformStack: "organization/agent-cloud/production",
      });
  } else {
    const { readShardTenants } = await import("../stacks/shard-tenants.js");
    const built = platformConfig(tenantCount);
    references = built.references;
    program = async () => {
      const shardTenants = await readShardTenants(built.config);
      return new Platform("production", {
        config: built.config,
        projectRoot: `${__dirname}/..`,
        shardTenants,
      });
    };
  }

  let promises = 0;
  let sdkPromises = 0;
  if (flag === "--promises") {
    // The SDK calls it through its module object, so wrapping the export counts every call.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const debuggable = require("@pulumi/pulumi/runtime/debuggable") as {
      debuggablePromise: (...args: unknown[]) => unknown;
    };
    const original = debuggable.debuggablePromise;
    debuggable.debuggablePromise = (...args: unknown[]) => {
      sdkPromises++;
      return original(...args);
    };
  }
  const hook =
    flag === "--promises"
      ? createHook({
          init(_id, type) {
            if (type === "PROMISE") promises++;
          },
        })
      : undefined;
  const heapBefore = process.memoryUsage().heapUsed;
  let peakHeap = heapBefore;
  const sampler = setInterval(() => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }, 5);
  hook?.enable();
  const start = performance.now();
  const run = await runProgram(program, {
    stack: mode === "shard" ? "production-s001" : mode === "platform" ? "production" : "local",
    stackReferences: references,
  });
  const ms = performance.now() - start;
  hook?.disable();
  clearInterval(sampler);
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  const byType: Record<string, number> = {};
  for (const resource of run.resources) byType[resource.type] = (byType[resource.type] ?? 0) + 1;
  return {
    mode,
    tenants: tenantCount,
    resources: run.resources.length,
    byType,
    ms,
    peakHeapGrowth: peakHeap - heapBefore,
    maxRssKiB: process.resourceUsage().maxRSS,
    ...(hook ? { promises, sdkPromises } : {}),
  };
}

answer(main);
