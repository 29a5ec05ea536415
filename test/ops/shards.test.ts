/** Tenant shards in the ops commands: a tenant or a group is found in its shard stack. */
import { describe, expect, it } from "vitest";
import { logs } from "../../ops/commands/logs";
import { OpsError } from "../../ops/errors";
import {
  deployGroupAcrossShards,
  groupShardStacks,
  shardsOf,
  tenantStack,
} from "../../ops/plans/shards";
import { FakeLogs, testContext } from "../../testkit/ops/fakes";
import { MemoryEngine, memoryStack } from "../../testkit/ops/memory-engine";

const tenant = (id: string, groups: string[] = []) => ({ id, groups });

/** production lists shards s01 and s02; the tenants live in them. */
function sharded(): MemoryEngine {
  return new MemoryEngine({
    production: memoryStack({
      config: {
        "agent-cloud:environment": "production",
        "agent-cloud:shards": ["s01", "s02"],
      },
    }),
    "production-s01": memoryStack({
      config: {
        "agent-cloud:shard": { name: "s01", platform: "production" },
        "agent-cloud:tenants": [tenant("acme", ["beta"]), tenant("globex")],
      },
      outputs: { environment: { value: "production", secret: false } },
    }),
    "production-s02": memoryStack({
      config: {
        "agent-cloud:shard": { name: "s02", platform: "production" },
        "agent-cloud:tenants": [tenant("initech", ["beta"]), tenant("umbrella")],
      },
    }),
  });
}

describe("finding a tenant's stack", () => {
  it.each([
    ["acme", "production-s01"],
    ["umbrella", "production-s02"],
  ])("%s lives in %s", async (id, stack) => {
    expect((await tenantStack(sharded(), "production", id)).stack).toBe(stack);
  });

  it("keeps an unsharded stack as it is, reading its file once", async () => {
    const engine = new MemoryEngine({
      dev: memoryStack({ config: { "agent-cloud:tenants": [tenant("acme")] } }),
    });
    expect((await tenantStack(engine, "dev", "acme")).stack).toBe("dev");
    expect(engine.calls.map((c) => `${c.method} ${c.stack}`)).toEqual(["readConfig dev"]);
  });

  it("names where it looked when no stack has the tenant", async () => {
    await expect(tenantStack(sharded(), "production", "hooli")).rejects.toThrow(
      new OpsError(
        `no stack of environment "production" has tenant "hooli" (looked in production, production-s01, production-s02)`,
      ),
    );
  });

  it("lists shards and the shard stacks of a group", async () => {
    const engine = sharded();
    expect(shardsOf(await engine.readConfig("production"))).toEqual(["s01", "s02"]);
    expect(await groupShardStacks(engine, "production", ["beta"])).toEqual([
      "production-s01",
      "production-s02",
    ]);
    expect(await groupShardStacks(engine, "production", ["none"])).toEqual([]);
  });
});

describe("ops commands on a sharded environment", () => {
  it("logs --stack production --tenant umbrella reads the shard's tenant", async () => {
    const source = new FakeLogs({
      "production-tenant-umbrella app.kubernetes.io/name=sp-umbrella": [
        { name: "sp-umbrella-1", containers: ["sp-umbrella"] },
      ],
    });
    const engine = sharded();
    engine.stacks["production-s02"]!.outputs.environment = {
      value: "production",
      secret: false,
    };
    const ctx = testContext(engine, { logs: source });
    expect(await logs(ctx, { stack: "production", tenant: "umbrella", follow: false })).toBe(0);
    expect(source.listed).toEqual([
      { namespace: "production-tenant-umbrella", selector: "app.kubernetes.io/name=sp-umbrella" },
    ]);
  });

  it("deploy --group beta deploys each shard holding the group, then the platform's routes", async () => {
    const deployed: string[] = [];
    const code = await deployGroupAcrossShards(
      sharded(),
      { stack: "production", groups: ["beta"] },
      (o) => {
        deployed.push(`${o.stack} [${o.groups.join(",")}]`);
        return Promise.resolve(0);
      },
    );
    expect(code).toBe(0);
    expect(deployed).toEqual(["production-s01 [beta]", "production-s02 [beta]", "production []"]);
  });

  it("stops at the first shard that fails, and leaves unsharded stacks to the usual deploy", async () => {
    const deployed: string[] = [];
    const one = (o: { stack: string; groups: readonly string[] }) => {
      deployed.push(o.stack);
      return Promise.resolve(o.stack === "production-s01" ? 1 : 0);
    };
    expect(
      await deployGroupAcrossShards(sharded(), { stack: "production", groups: ["beta"] }, one),
    ).toBe(1);
    expect(deployed).toEqual(["production-s01"]);
    const plain = new MemoryEngine({ dev: memoryStack({ config: {} }) });
    expect(await deployGroupAcrossShards(plain, { stack: "dev", groups: ["beta"] }, one)).toBe(
      undefined,
    );
  });
});
