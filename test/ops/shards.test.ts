/** Tenant shards in the ops commands: a tenant or a group is found in its shard stack. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { logs } from "../../ops/commands/logs";
import { OpsError } from "../../ops/errors";
import {
  deployGroupAcrossShards,
  environmentSettings,
  type GroupDeployOptions,
  groupShardStacks,
  shardsOf,
  tenantStack,
} from "../../ops/plans/shards";
import { main } from "../../ops/cli";
import type { StateResource } from "../../ops/engine";
import { FakeDbTools, FakeLogs, FakeSecrets, testContext } from "../../testkit/ops/fakes";
import { MemoryEngine, memoryStack, recordedConfig, update } from "../../testkit/ops/memory-engine";
import { IMAGE_REF_A } from "./support/fixtures";
import { PLATFORM_IMAGE, runSharded, shardAnswer, shardedFile } from "../platform/shard-support";

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

  const groupDeploy: GroupDeployOptions = {
    stack: "production",
    groups: ["beta"],
    dryRun: false,
    skipBuild: false,
    force: false,
  };

  it("deploy --group beta deploys the platform (image, routes), each shard holding the group, then the platform's routes and keys again", async () => {
    const deployed: string[] = [];
    const code = await deployGroupAcrossShards(sharded(), groupDeploy, (o) => {
      deployed.push(`${o.stack} [${o.groups.join(",")}] ${o.environmentStep}`);
      return Promise.resolve(0);
    });
    expect(code).toBe(0);
    expect(deployed).toEqual([
      "production [beta] platform",
      "production-s01 [beta] shard",
      "production-s02 [beta] shard",
      "production [beta] routes",
    ]);
  });

  it("builds nothing in the last step, and previews no third step", async () => {
    const deployed: object[] = [];
    const record = (o: GroupDeployOptions) => {
      const { stack, environmentStep, skipBuild, force, tag, release } = o;
      deployed.push({ stack, environmentStep, skipBuild, force, tag, release });
      return Promise.resolve(0);
    };
    const flags = { ...groupDeploy, force: true, tag: "t1", release: "canary" };
    expect(await deployGroupAcrossShards(sharded(), flags, record)).toBe(0);
    const asGiven = { skipBuild: false, force: true, tag: "t1", release: "canary" };
    expect(deployed).toEqual([
      { stack: "production", environmentStep: "platform", ...asGiven },
      { stack: "production-s01", environmentStep: "shard", ...asGiven },
      { stack: "production-s02", environmentStep: "shard", ...asGiven },
      {
        stack: "production",
        environmentStep: "routes",
        skipBuild: true,
        force: false,
        tag: undefined,
        release: undefined,
      },
    ]);
    // A platform that pins image.ref builds nothing without --skip-build, which it refuses.
    deployed.length = 0;
    const pinned = sharded();
    pinned.stacks.production!.config["agent-cloud:image"] = { ref: IMAGE_REF_A };
    expect(await deployGroupAcrossShards(pinned, groupDeploy, record)).toBe(0);
    expect(deployed.at(-1)).toEqual({
      stack: "production",
      environmentStep: "routes",
      skipBuild: false,
      force: false,
      tag: undefined,
      release: undefined,
    });
    deployed.length = 0;
    expect(await deployGroupAcrossShards(sharded(), { ...flags, dryRun: true }, record)).toBe(0);
    expect(deployed.map((d) => (d as { stack: string }).stack)).toEqual([
      "production",
      "production-s01",
      "production-s02",
    ]);
  });

  it("refuses a group no stack of the environment has, listing the environment's groups", async () => {
    await expect(
      deployGroupAcrossShards(sharded(), { ...groupDeploy, groups: ["canary"] }, () =>
        Promise.resolve(0),
      ),
    ).rejects.toThrow('unknown group "canary"; groups of stack "production": beta');
  });

  it("stops at the first step that fails, and leaves unsharded stacks and steps to the usual deploy", async () => {
    const deployed: string[] = [];
    const one = (stackOptions: { stack: string }) => {
      deployed.push(stackOptions.stack);
      return Promise.resolve(stackOptions.stack === "production-s01" ? 1 : 0);
    };
    expect(await deployGroupAcrossShards(sharded(), groupDeploy, one)).toBe(1);
    expect(deployed).toEqual(["production", "production-s01"]);
    const plain = new MemoryEngine({ dev: memoryStack({ config: {} }) });
    expect(await deployGroupAcrossShards(plain, { ...groupDeploy, stack: "dev" }, one)).toBe(
      undefined,
    );
    expect(
      await deployGroupAcrossShards(sharded(), { ...groupDeploy, environmentStep: "shard" }, one),
    ).toBe(undefined);
  });
});

/** A stack's state as its program registers it under mocks. */
function stateOf(run: Awaited<ReturnType<typeof runSharded>>): StateResource[] {
  const engineUrn = new Map(run.resources.map((r) => [r.urn, r.engineUrn]));
  return run.resources.map((r) => ({
    urn: r.engineUrn,
    type: r.type,
    parent: engineUrn.get(r.parent),
    inputs: r.inputs,
    outputs: r.state,
  }));
}

describe("deploy --group on the sharded fixture", () => {
  it("targets the platform's image and proxy, then each shard's tenants of the group and their databases", async () => {
    const s01 = await runSharded("production-s01");
    const s02 = await runSharded("production-s02");
    const platform = await runSharded("production", {
      references: {
        "organization/agent-cloud/production-s01": shardAnswer(s01),
        "organization/agent-cloud/production-s02": shardAnswer(s02),
      },
    });
    const engine = new MemoryEngine({
      production: memoryStack({
        config: shardedFile("production"),
        resources: stateOf(platform),
        // What the platform's first step left: the route table's last step builds nothing.
        outputs: { imageRef: { value: PLATFORM_IMAGE, secret: false } },
      }),
      "production-s01": memoryStack({
        config: shardedFile("production-s01"),
        resources: stateOf(s01),
      }),
      "production-s02": memoryStack({
        config: shardedFile("production-s02"),
        resources: stateOf(s02),
      }),
    });
    const ctx = testContext(engine);
    const exit = await main(["deploy", "--stack", "production", "--group", "early-access"], ctx);
    expect(ctx.stderr.text).toBe("");
    expect(exit).toBe(0);
    const ups = engine.callsOf("up").map((c) => ({
      stack: c.stack,
      // Each target's resource name, the URN's last part.
      targets: (c.args as { target: string[] }).target.map((urn) => urn.split("::").at(-1) ?? urn),
    }));
    expect(ups.map((u) => u.stack)).toEqual([
      "production",
      "production-s01",
      "production-s02",
      "production",
    ]);
    const [onPlatform, onS01, onS02, routesAgain] = ups;
    expect(routesAgain?.targets).toEqual(onPlatform?.targets);
    expect(onPlatform?.targets.some((name) => name.includes("acme"))).toBe(false);
    expect(onPlatform?.targets).toEqual(
      expect.arrayContaining(["production-image", "production-proxy"]),
    );
    expect(new Set(onS01?.targets.filter((n) => n.includes("database")))).toEqual(
      new Set(["production-database-acme-role", "production-database-acme-database"]),
    );
    expect(onS01?.targets.some((n) => /globex|hooli/.test(n))).toBe(false);
    expect(onS01?.targets).toContain("production-tenant-acme");
    expect(onS02?.targets).toContain("production-tenant-initech");
    expect(onS02?.targets.some((n) => n.includes("umbrella"))).toBe(false);
    expect(ctx.stdout.lines).toContain(
      "group early-access: no tenant of this stack, the image and the proxy route table (" +
        `${(engine.callsOf("up")[0]!.args as { target: string[] }).target.length} resources targeted, with their dependents); no other tenant`,
    );
  }, 120_000);
});

describe("a shard stack's settings are its platform's", () => {
  it("reads the platform's environment-wide settings beside the shard's own tenants", async () => {
    const engine = sharded();
    engine.stacks.production!.config["agent-cloud:database"] = { mode: "external", host: "pg" };
    engine.stacks["production-s01"]!.config["agent-cloud:environment"] = "stale";
    const settings = await environmentSettings(engine, await engine.readConfig("production-s01"));
    expect(settings).toEqual({
      "agent-cloud:shard": { name: "s01", platform: "production" },
      "agent-cloud:tenants": [tenant("acme", ["beta"]), tenant("globex")],
      // The platform's file wins, as it does for the shard's program.
      "agent-cloud:environment": "production",
      "agent-cloud:database": { mode: "external", host: "pg" },
    });
    const platform = await engine.readConfig("production");
    expect(await environmentSettings(engine, platform)).toBe(platform);
  });

  /** production-s01's state as its program registers it, hooli gone from its file. */
  async function withoutHooli(): Promise<MemoryEngine> {
    const run = await runSharded("production-s01");
    const engineUrn = new Map(run.resources.map((r) => [r.urn, r.engineUrn]));
    const resources: StateResource[] = run.resources.map((r) => ({
      urn: r.engineUrn,
      type: r.type,
      parent: engineUrn.get(r.parent),
      inputs: r.inputs,
      outputs: r.state,
    }));
    const config = shardedFile("production-s01") as { "agent-cloud:tenants": { id: string }[] };
    config["agent-cloud:tenants"] = config["agent-cloud:tenants"].filter((t) => t.id !== "hooli");
    return new MemoryEngine({
      production: memoryStack({ config: shardedFile("production") }),
      "production-s01": memoryStack({ config, resources }),
    });
  }

  it("deploy refuses a shard's tenant removal in production without --remove-tenant", async () => {
    const engine = await withoutHooli();
    const ctx = testContext(engine);
    expect(await main(["deploy", "--stack", "production-s01"], ctx)).toBe(1);
    expect(ctx.stderr.text).toBe(
      'error: stack "production-s01" protects its databases and this deploy removes tenant hooli (not in Pulumi.production-s01.yaml); if that is intended, repeat with --remove-tenant hooli. Their databases and roles are retained either way.\n',
    );
    expect(engine.callsOf("up")).toEqual([]);
  }, 60_000);

  it("deploy --remove-tenant names the tenant's real namespace and role, and unprotects its two", async () => {
    const engine = await withoutHooli();
    const ctx = testContext(engine);
    expect(
      await main(["deploy", "--stack", "production-s01", "--remove-tenant", "hooli"], ctx),
    ).toBe(0);
    expect(ctx.stdout.text).toContain(
      "tenant hooli is removed: namespace production-tenant-hooli and everything in it are deleted; PostgreSQL role and database sp_production_hooli are retained on the server",
    );
    const unprotected = engine.callsOf("unprotect").map((c) => c.args as string[]);
    expect(unprotected).toHaveLength(1);
    expect(unprotected[0]?.map((urn) => urn.split("::").slice(-2).join("::"))).toEqual([
      "agent-cloud:platform:TenantShard$agent-cloud:data:TenantDatabases$postgresql:index/role:Role::production-database-hooli-role",
      "agent-cloud:platform:TenantShard$agent-cloud:data:TenantDatabases$postgresql:index/database:Database::production-database-hooli-database",
    ]);
  }, 60_000);

  it("keys show and rotate through the platform stack reach the shard holding the tenant", async () => {
    const engine = new MemoryEngine({
      production: memoryStack({ config: shardedFile("production") }),
      "production-s01": memoryStack({ config: shardedFile("production-s01") }),
      "production-s02": memoryStack({ config: shardedFile("production-s02") }),
    });
    const key = `ac_production_${"k".repeat(40)}`;
    const secrets = new FakeSecrets({
      "production-tenant-acme/sp-acme-env": { AGENT_CLOUD_API_KEY: key },
    });
    const show = testContext(engine, { secrets });
    expect(await main(["keys", "show", "--stack", "production", "--tenant", "acme"], show)).toBe(0);
    expect(show.stdout.lines[0]).toBe('tenant "acme" (stack production-s01): key generation 0');
    const rotate = testContext(engine, { secrets });
    expect(
      await main(["keys", "rotate", "--stack", "production", "--tenant", "acme", "--yes"], rotate),
    ).toBe(0);
    expect(engine.callsOf("writeConfig").map((c) => c.stack)).toEqual(["production-s01"]);
    // The edge's key table reads the shard's keys: the platform deploys after the shard.
    expect(rotate.stdout.lines.at(-1)).toBe(
      "written; deploy it (npm run ops -- deploy --stack production-s01, then npm run ops -- deploy --stack production (the edge's routes and keys)), give the tenant the new key (keys show --reveal), then: keys retire --stack production-s01 --tenant acme",
    );
    const acme = (
      engine.stacks["production-s01"]!.config["agent-cloud:tenants"] as {
        id: string;
        apiKey?: unknown;
      }[]
    ).find((t) => t.id === "acme");
    expect(acme?.apiKey).toEqual({ generation: 1, acceptPrevious: true });
  });

  it.each(["production", "production-s01"])(
    "db backup --stack %s backs a shard's tenant up from the platform's external server",
    async (stack) => {
      const engine = new MemoryEngine({
        production: memoryStack({ config: shardedFile("production") }),
        "production-s01": memoryStack({ config: shardedFile("production-s01") }),
        "production-s02": memoryStack({ config: shardedFile("production-s02") }),
      });
      const secrets = new FakeSecrets({
        "production-tenant-acme/sp-acme-env": {
          DATABASE_URL:
            "postgres://sp_production_acme:pw@pg.internal.example.com:5432/sp_production_acme?sslmode=require",
        },
      });
      const dbTools = new FakeDbTools();
      const dir = mkdtempSync(join(tmpdir(), "shard-db-"));
      try {
        const ctx = testContext(engine, { secrets, dbTools });
        const code = await main(
          ["db", "backup", "--stack", stack, "--tenant", "acme", "--dir", dir],
          ctx,
        );
        expect(code).toBe(0);
        expect(dbTools.runs.map((r) => r.args.slice(0, 4))).toEqual([
          [
            "--host=pg.internal.example.com",
            "--port=5432",
            "--username=sp_production_acme",
            "--dbname=sp_production_acme",
          ],
        ]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

describe("moving a tenant between shards", () => {
  const shardFile = (name: string, ids: string[]) => ({
    "agent-cloud:shard": { name, platform: "production" },
    "agent-cloud:tenants": ids.map((id) => tenant(id)),
  });
  /** A stack's outputs while it runs `ids`. */
  const runs = (ids: readonly string[]) => ({
    environment: { value: "production", secret: false },
    tenants: {
      value: Object.fromEntries(
        ids.map((id) => [
          id,
          { url: `https://${id}.agents.example.com`, image: IMAGE_REF_A, groups: [] },
        ]),
      ),
      secret: false,
    },
  });
  const ran = (version: number, config: Record<string, unknown>) =>
    update({ version, message: "deploy", config: recordedConfig(config) });

  /**
   * production-s01 runs acme and globex (v1), production-s02 runs initech (v1); the operator has
   * moved acme from s01's file to s02's. The platform also lists s03, never created. Each update
   * leaves the stack running the tenants its file lists.
   */
  function movingAcme(): MemoryEngine {
    const platform = {
      "agent-cloud:environment": "production",
      "agent-cloud:shards": ["s01", "s02", "s03"],
    };
    const engine = new MemoryEngine({
      production: memoryStack({
        config: platform,
        history: [ran(1, platform)],
        outputs: runs([]),
      }),
      "production-s01": memoryStack({
        config: shardFile("s01", ["globex"]),
        history: [ran(1, shardFile("s01", ["acme", "globex"]))],
        outputs: runs(["acme", "globex"]),
      }),
      "production-s02": memoryStack({
        config: shardFile("s02", ["initech", "acme"]),
        history: [ran(1, shardFile("s02", ["initech"]))],
        outputs: runs(["initech"]),
      }),
    });
    engine.outputsAfterUp = (stack) =>
      runs(
        (engine.stacks[stack]!.config["agent-cloud:tenants"] as { id: string }[]).map((t) => t.id),
      );
    return engine;
  }

  const STILL_RUNS =
    'error: this deploy of stack "production-s02" creates tenants that another stack of environment "production" still runs (its tenants output names them): acme (sp_production_acme) in stack "production-s01"; deployed here too, each would run twice: two namespaces on one PostgreSQL role and database. To move them here, deploy each such stack without them first (take acme out of Pulumi.production-s01.yaml, then npm run ops -- deploy --stack production-s01 --remove-tenant acme), then this stack, taking their role and database over with their data (npm run ops -- deploy --stack production-s02 --adopt-database acme), then the platform (npm run ops -- deploy --stack production: the edge\'s routes and keys); or take them out of Pulumi.production-s02.yaml\n';

  it("production-s01 deployed without acme first, production-s02 is refused until --adopt-database acme, then takes its role and database over", async () => {
    const engine = movingAcme();
    const s01 = testContext(engine);
    expect(
      await main(["deploy", "--stack", "production-s01", "--remove-tenant", "acme"], s01),
    ).toBe(0);
    expect(s01.stdout.lines[0]).toBe(
      "tenant acme is removed: namespace production-tenant-acme and everything in it are deleted; PostgreSQL role and database sp_production_acme are retained on the server (drop them by hand once the data is no longer needed)",
    );

    const refused = testContext(engine);
    expect(await main(["deploy", "--stack", "production-s02"], refused)).toBe(1);
    expect(refused.stderr.text).toBe(
      'error: this deploy of stack "production-s02" creates tenants that ran in environment "production" before and whose PostgreSQL role and database are retained on the server: acme (sp_production_acme, last run by v1 of stack "production-s01"); creating them again would fail. For each, pass --adopt-database ID to take them over with their data (the same tenant coming back, or moved here from another stack), or back them up and drop them on the server (DROP DATABASE <name>; DROP ROLE <name>) and pass --new-database ID to start it with an empty one (a new tenant reusing the id)\n',
    );
    expect(engine.callsOf("up").map((c) => c.stack)).toEqual(["production-s01"]);
    expect(engine.callsOf("preview")).toEqual([]);

    const adopted = testContext(engine);
    const before = engine.calls.length;
    expect(
      await main(["deploy", "--stack", "production-s02", "--adopt-database", "acme"], adopted),
    ).toBe(0);
    expect(adopted.stderr.text).toBe("");
    const ups = engine.callsOf("up");
    expect(ups.map((c) => c.stack)).toEqual(["production-s01", "production-s02"]);
    expect((ups[1]!.args as { env: Record<string, string> }).env).toEqual({
      AGENT_CLOUD_ADOPT_DATABASES: "acme",
    });
    expect(adopted.stdout.lines.slice(0, 2)).toEqual([
      'taking over the retained database and role of acme (removed from stack "production-s01" after v1) instead of creating them, data included (AGENT_CLOUD_ADOPT_DATABASES=acme)',
      // Its key lived in production-s01's state: its clients need the new one.
      "API keys: acme (a new API key: generation 0's is random and went with it); once the update has run, give their clients the key npm run ops -- keys show --stack production-s02 --tenant <id> --reveal shows",
    ]);
    // The environment's other stacks were read: the platform and its shards, s03 never created.
    expect(
      engine.calls
        .slice(before)
        .filter((c) => ["readConfig", "history", "outputs"].includes(c.method))
        .map((c) => `${c.method} ${c.stack}`),
    ).toEqual([
      "readConfig production-s02",
      "readConfig production",
      "history production-s02",
      "outputs production-s02",
      "readConfig production",
      "history production",
      "outputs production",
      "history production-s01",
      "outputs production-s01",
      "history production-s03",
    ]);
  });

  it("production-s02 creating acme while production-s01 still runs it is refused with nothing run", async () => {
    for (const flags of [[], ["--adopt-database", "acme"], ["--dry-run"]]) {
      const engine = movingAcme();
      const ctx = testContext(engine);
      expect(await main(["deploy", "--stack", "production-s02", ...flags], ctx)).toBe(1);
      expect(ctx.stderr.text).toBe(STILL_RUNS);
      expect(engine.callsOf("up")).toEqual([]);
      expect(engine.callsOf("preview")).toEqual([]);
      expect(engine.callsOf("unprotect")).toEqual([]);
    }
  });

  it("the platform creating a tenant a shard still runs is refused the same way, with no platform step", async () => {
    const engine = movingAcme();
    engine.stacks.production!.config["agent-cloud:tenants"] = [tenant("globex")];
    const ctx = testContext(engine);
    expect(await main(["deploy", "--stack", "production"], ctx)).toBe(1);
    expect(ctx.stderr.text).toBe(
      'error: this deploy of stack "production" creates tenants that another stack of environment "production" still runs (its tenants output names them): globex (sp_production_globex) in stack "production-s01"; deployed here too, each would run twice: two namespaces on one PostgreSQL role and database. To move them here, deploy each such stack without them first (take globex out of Pulumi.production-s01.yaml, then npm run ops -- deploy --stack production-s01 --remove-tenant globex), then this stack, taking their role and database over with their data (npm run ops -- deploy --stack production --adopt-database globex); or take them out of Pulumi.production.yaml\n',
    );
    expect(engine.callsOf("up")).toEqual([]);
  });

  it("another stack's history that cannot be read is noted, and a tenant new to the environment is created", async () => {
    const engine = movingAcme();
    engine.stacks["production-s02"]!.config["agent-cloud:tenants"] = [
      tenant("initech"),
      tenant("hooli"),
    ];
    const ctx = testContext(engine);
    expect(await main(["deploy", "--stack", "production-s02"], ctx)).toBe(0);
    expect((engine.callsOf("up")[0]!.args as { env: Record<string, string> }).env).toEqual({});
    expect(ctx.stdout.text).not.toContain("note:");

    engine.stacks["production-s01"]!.history.unshift(
      update({
        version: 2,
        message: "deploy",
        config: { "agent-cloud:tenants": { secret: true } },
      }),
    );
    engine.stacks["production-s02"]!.config["agent-cloud:tenants"] = [
      tenant("initech"),
      tenant("hooli"),
      tenant("umbrella"),
    ];
    const noted = testContext(engine);
    expect(await main(["deploy", "--stack", "production-s02"], noted)).toBe(0);
    expect(noted.stdout.lines).toContain(
      'note: v2 of stack "production-s01" cannot be read (tenants recorded as a secret, or no config recorded), so whether it ran umbrella is unknown; for one that ran, the PostgreSQL role and database are retained and creating it again fails: pass --adopt-database ID or --new-database ID for it',
    );
  });
});
