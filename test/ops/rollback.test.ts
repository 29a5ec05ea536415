import { describe, expect, it } from "vitest";
import { rollback } from "../../ops/commands/rollback";
import { OpsError } from "../../ops/errors";
import type { UpdateRecord } from "../../ops/engine";
import {
  chooseRollbackTarget,
  planRollback,
  restoredTenantNotes,
  type RollbackPlanInput,
  rollbackCommit,
  rollbackConfig,
} from "../../ops/plans/rollback-plan";
import { DIGEST_B, SHA_1, SHA_2, SHA_3, testContext } from "../../testkit/ops/fakes";
import { devStack, IMAGE_REF_A } from "./support/fixtures";
import { MemoryEngine, memoryStack, recordedConfig, update } from "../../testkit/ops/memory-engine";
import { deployDev, editTenant } from "./support/group-updates";

const SECRET = { secure: "v1:Y3VycmVudA==" };
const IMAGE_REF_B = `ghcr.io/acme/agent:1.3.0@${DIGEST_B}`;
const v2Config = {
  "agent-cloud:environment": { value: "dev", secret: false },
  "agent-cloud:domain": { value: "dev.example.com", secret: false },
  "agent-cloud:image": { value: JSON.stringify({ ref: IMAGE_REF_B }), secret: false },
  "agent-cloud:tenants": {
    value: JSON.stringify([{ id: "acme", groups: ["beta"] }]),
    secret: false,
  },
  "agent-cloud:tenantSecrets": { secret: true },
};

/** Takes globex out of dev's stack file; the next deploy also takes it out of the `tenants` output. */
function removeGlobex(ctx: { engine: MemoryEngine }): void {
  const dev = ctx.engine.stacks.dev!;
  const tenants = dev.config["agent-cloud:tenants"] as { id: string }[];
  dev.config["agent-cloud:tenants"] = tenants.filter((t) => t.id !== "globex");
  const running = { ...(dev.outputs.tenants!.value as Record<string, unknown>) };
  delete running.globex;
  ctx.engine.outputsAfterUp = () => ({
    ...dev.outputs,
    tenants: { value: running, secret: false },
  });
}

/** The args of the rollback's preview and up (those running an earlier commit's program). */
function rollbackRuns(ctx: { engine: MemoryEngine }): object[] {
  return ctx.engine.calls
    .filter((c) => (c.method === "preview" || c.method === "up") && c.args !== undefined)
    .map((c) => c.args as object)
    .filter((args) => "source" in args);
}

/** v5 failed, v4 succeeded (current), v3 refresh, v2 succeeded, v1 failed, v0 dirty. */
function devHistory() {
  return [
    update({
      version: 5,
      result: "failed",
      environment: { "git.head": SHA_3, "git.dirty": "false" },
    }),
    update({ version: 4, environment: { "git.head": SHA_3, "git.dirty": "false" } }),
    update({ version: 3, kind: "refresh" }),
    update({
      version: 2,
      environment: { "git.head": SHA_2, "git.dirty": "false" },
      config: v2Config,
    }),
    update({ version: 1, result: "failed", environment: { "git.head": SHA_1 } }),
    update({ version: 0, environment: { "git.head": SHA_1, "git.dirty": "true" } }),
  ];
}

describe("chooseRollbackTarget", () => {
  it.each([
    {
      what: "default after a failed latest: the last success",
      history: devHistory(),
      to: undefined,
      version: 4,
    },
    {
      what: "default after a successful latest: the success before it",
      history: devHistory().slice(1),
      to: undefined,
      version: 2,
    },
    { what: "--to a successful update", history: devHistory(), to: 2, version: 2 },
  ])("$what", ({ history, to, version }) => {
    expect(chooseRollbackTarget(history, "dev", to).version).toBe(version);
  });

  it.each([
    {
      to: undefined,
      history: [update({ version: 1 })],
      message: 'stack "dev" has no earlier successful update to roll back to (latest is v1)',
    },
    {
      to: undefined,
      history: [],
      message: 'stack "dev" has no earlier successful update to roll back to (it has no updates)',
    },
    {
      to: 9,
      history: devHistory(),
      message: 'stack "dev" has no update v9; successful updates it can roll back to: v4, v2, v0',
    },
    {
      to: 3,
      history: devHistory(),
      message: 'v3 of stack "dev" was a refresh, not an update; roll back to one of: v4, v2, v0',
    },
    {
      to: 1,
      history: devHistory(),
      message: 'update v1 of stack "dev" failed; roll back to a successful update: v4, v2, v0',
    },
    {
      to: 4,
      history: devHistory().slice(1),
      message:
        'v4 is the latest update of stack "dev" already; roll back to an earlier one: v2, v0',
    },
    {
      // A hand-run `pulumi up` records its commit's title: a name in it is no release.
      to: "spring",
      history: [
        update({
          version: 5,
          message: "Docs release=spring",
          environment: { "exec.kind": "cli", "git.head": SHA_3, "git.dirty": "false" },
        }),
        update({
          version: 4,
          message: "deploy release=autumn",
          environment: { "git.head": SHA_2 },
        }),
      ],
      message: 'stack "dev" has no release named "spring"; named releases: autumn (v4)',
    },
  ])("refuses --to $to: $message", ({ to, history, message }) => {
    expect(() => chooseRollbackTarget(history, "dev", to)).toThrow(new OpsError(message));
  });
});

describe("rollbackCommit", () => {
  it.each([
    [update({ version: 2, environment: { "git.head": SHA_2, "git.dirty": "false" } }), SHA_2],
    [update({ version: 2, message: `deploy commit=${SHA_1}` }), SHA_1],
  ])("returns the recorded commit", (target, sha) => {
    expect(rollbackCommit(target)).toBe(sha);
  });

  it.each([
    [
      update({ version: 7, environment: { "git.head": SHA_1, "git.dirty": "true" } }),
      `update v7 ran from a dirty work tree at commit ${SHA_1} (uncommitted changes), so its exact program cannot be recovered; roll back to another update`,
    ],
    [
      update({ version: 6, message: "pulumi up by hand" }),
      "update v6 recorded no git commit (it was not run from a git work tree), so its program cannot be recovered; roll back to another update",
    ],
  ])("refuses a dirty or missing commit", (target, message) => {
    expect(() => rollbackCommit(target)).toThrow(new OpsError(message));
  });
});

describe("rollbackConfig", () => {
  it("restores recorded values, keeps current ciphertext for secrets, and lists what differs", () => {
    const current = {
      "agent-cloud:environment": "dev",
      "agent-cloud:domain": "dev.example.com",
      "agent-cloud:image": { context: "./app" },
      "agent-cloud:tenants": [{ id: "acme", groups: ["beta"] }, { id: "new" }],
      "agent-cloud:tenantSecrets": SECRET,
      "agent-cloud:plans": { big: {} },
    };
    const plan = rollbackConfig(update({ version: 2, config: v2Config }), current);
    expect(plan.config).toEqual({
      "agent-cloud:environment": "dev",
      "agent-cloud:domain": "dev.example.com",
      "agent-cloud:image": { ref: IMAGE_REF_B },
      "agent-cloud:tenants": [{ id: "acme", groups: ["beta"] }],
      "agent-cloud:tenantSecrets": SECRET,
    });
    expect(plan.keptSecrets).toEqual(["agent-cloud:tenantSecrets"]);
    expect(plan.unrestored).toEqual([]);
    expect(plan.changedKeys).toEqual([
      "agent-cloud:image",
      "agent-cloud:plans",
      "agent-cloud:tenants",
    ]);
  });

  it("refuses a key that is not a secret key, recorded as a secret and gone, without advising --secret", () => {
    const v2 = update({
      version: 2,
      config: {
        ...v2Config,
        "agent-cloud:app": { secret: true },
        "agent-cloud:dns": { secret: true },
      },
    });
    expect(() => rollbackConfig(v2, { "agent-cloud:tenantSecrets": SECRET })).toThrow(
      new OpsError(
        "update v2 recorded agent-cloud:app, agent-cloud:dns as a secret (a value under them was set with --secret) and the stack config no longer has them; ops never decrypts history, so what v2 ran there cannot be read: roll back to an update that recorded them in clear, and set agent-cloud:app, agent-cloud:dns without --secret (secrets belong in tenantSecrets: pulumi config set --secret --path 'tenantSecrets.<tenant-id>.<NAME>' <value>) and deploy, so later updates can be read",
      ),
    );
  });

  it("refuses when a secret the update used is gone", () => {
    expect(() => rollbackConfig(update({ version: 2, config: v2Config }), {})).toThrow(
      new OpsError(
        "update v2 used secret agent-cloud:tenantSecrets, which the stack config no longer has; set it again with pulumi config set --secret, then retry",
      ),
    );
  });
});

describe("rollback command", () => {
  function setup(answer = false) {
    const engine = new MemoryEngine({
      dev: devStack({
        history: devHistory().slice(1),
        previewChanges: { update: 2, same: 5 },
        upChanges: { update: 2, same: 5 },
      }),
    });
    engine.stacks.dev!.config["agent-cloud:tenantSecrets"] = SECRET;
    engine.commits.add(SHA_2);
    return testContext(engine, { answer });
  }

  it("previews the earlier update at its commit, config and images, asks, then updates with 'rollback to vN'", async () => {
    const ctx = setup(true);
    expect(await rollback(ctx, { stack: "dev", yes: false })).toBe(0);
    const [preview] = ctx.engine.callsOf("preview");
    const { source, policyPacks } = preview!.args as {
      source: { commit: string; config: Record<string, unknown> };
      policyPacks: string[];
    };
    expect(source.commit).toBe(SHA_2);
    expect(policyPacks).toEqual(["policy"]);
    // v2's config with its stack image (build nothing), the tenants deployed since kept as they
    // run, pinned: their image is not v2's stack image, though they are the most.
    expect(source.config).toEqual({
      "agent-cloud:environment": "dev",
      "agent-cloud:domain": "dev.example.com",
      "agent-cloud:image": { ref: IMAGE_REF_B },
      "agent-cloud:tenants": [
        { id: "acme", groups: ["beta"] },
        {
          id: "big-acme",
          groups: ["stable"],
          agentConfig: { model: "claude-haiku" },
          image: IMAGE_REF_A,
        },
        {
          id: "globex",
          groups: ["stable", "eu"],
          customDomains: ["agents.globex.test"],
          image: IMAGE_REF_A,
        },
      ],
      "agent-cloud:tenantSecrets": SECRET,
    });
    const message = `rollback to v2 commit=${SHA_2} image=${IMAGE_REF_B} pin.big-acme=${IMAGE_REF_A} pin.globex=${IMAGE_REF_A} rollback-to=v2 database=in-cluster before=v4 before.image=${IMAGE_REF_A}`;
    expect(
      ctx.engine.calls.filter((c) => ["preview", "up", "hasCommit"].includes(c.method)),
    ).toEqual([
      { method: "hasCommit", stack: undefined, args: SHA_2 },
      { method: "preview", stack: "dev", args: { source, policyPacks: ["policy"] } },
      {
        method: "up",
        stack: "dev",
        args: { source, policyPacks: ["policy"], message },
      },
    ]);
    expect(ctx.questions).toEqual(['Roll back stack "dev" to v2?']);
    expect(ctx.stdout.lines).toEqual([
      `rolling back stack "dev" to v2 (2026-11-01 12:02:00Z, commit 222222222222); building nothing`,
      "images: sha256:bbbbbbbbbbbb",
      "config that differs from the stack file now: agent-cloud:image, agent-cloud:tenants",
      "secrets kept as they are now: agent-cloud:tenantSecrets",
      "tenants added after v2, kept as they run now (--prune removes them): big-acme, globex",
      "Updating (progress)",
      "preview: 2 to update (5 unchanged)",
      "Updating (progress)",
      'stack "dev" update v5 succeeded: 2 to update (5 unchanged)',
      "note: the work tree still holds the newer program and config; revert them (git revert) before the next deploy, or it rolls forward again",
    ]);
    const [latest] = ctx.engine.stacks.dev!.history;
    expect(latest).toMatchObject({ version: 5, message });
    expect(latest!.environment["git.head"]).toBe(SHA_2);
  });

  it("refuses to return to an update that ran its tenants on another database server until --database-moved, and records the server", async () => {
    const ctx = setup(true);
    const dev = ctx.engine.stacks.dev!;
    // v4 moved the tenants to an external server; v2 ran them in the cluster.
    dev.history[0] = { ...dev.history[0]!, message: "deploy database=external%20db.internal:5432" };
    dev.config["agent-cloud:database"] = { mode: "external", host: "db.internal" };
    await expect(rollback(ctx, { stack: "dev", yes: true })).rejects.toThrow(
      new OpsError(
        "the database server changes (v4 ran external db.internal:5432, the rollback to v2 runs in-cluster), and tenant data does not move with it: back up each of acme, big-acme, globex (npm run ops -- db backup --stack dev --tenant <id>), roll back with --database-moved, then restore each (db restore); or roll back to an update that ran on external db.internal:5432",
      ),
    );
    expect(rollbackRuns(ctx)).toEqual([]);

    expect(await rollback(ctx, { stack: "dev", yes: true, databaseMoved: true })).toBe(0);
    expect(ctx.stdout.lines).toContain(
      "note: the database server changes (v4 ran external db.internal:5432, the rollback to v2 runs in-cluster), and tenant data does not move with it; --database-moved: restore each tenant's data if it is not there yet",
    );
    const [up] = ctx.engine.callsOf("up");
    const args = up!.args as { message: string; env?: Record<string, string> };
    expect(args.message).toContain(" database=in-cluster before=v4");
    // The program checks a move itself (stacks/stack-identity.ts): the flag tells it too.
    expect(args.env).toEqual({ AGENT_CLOUD_DATABASE_MOVED: "1" });
  });

  it("returns to an update on the same database server without a flag", async () => {
    const ctx = setup(true);
    const dev = ctx.engine.stacks.dev!;
    dev.history[0] = { ...dev.history[0]!, message: "deploy database=in-cluster" };
    expect(await rollback(ctx, { stack: "dev", yes: true })).toBe(0);
    expect(ctx.stdout.lines.filter((line) => line.includes("database server"))).toEqual([]);
    expect((ctx.engine.callsOf("up")[0]!.args as { env?: unknown }).env).toBeUndefined();
  });

  it("refuses to return to an update whose config names another environment than the stack runs", async () => {
    const ctx = setup(true);
    const v2 = ctx.engine.stacks.dev!.history.find((u) => u.version === 2)!;
    Object.assign(v2, {
      config: { ...v2.config, "agent-cloud:environment": { value: "staging", secret: false } },
    });
    await expect(rollback(ctx, { stack: "dev", yes: true })).rejects.toThrow(
      /^v2's config sets environment "staging", and stack "dev" runs environment "dev": every tenant's namespace/,
    );
    expect(rollbackRuns(ctx)).toEqual([]);
  });

  it("refuses an image its history names from a registry the stack does not pull from", async () => {
    const ctx = setup(true);
    const v2 = ctx.engine.stacks.dev!.history.find((u) => u.version === 2)!;
    const forged = `evil.example.net/agent@${DIGEST_B}`;
    Object.assign(v2, { message: `deploy image=${forged}` });
    await expect(rollback(ctx, { stack: "dev", yes: true })).rejects.toThrow(
      new OpsError(
        `rollback to v2: stack "dev" pulls its images from ghcr.io, and its history records v2 running ${forged} from another registry; roll back only to an update that ran images from ghcr.io`,
      ),
    );
    expect(rollbackRuns(ctx)).toEqual([]);
  });

  it("refuses to return to an update that ran on another cluster, naming both contexts", async () => {
    const ctx = setup(true);
    const dev = ctx.engine.stacks.dev!;
    const v2 = dev.history.find((u) => u.version === 2)!;
    Object.assign(v2, {
      config: { ...v2.config, "kubernetes:context": { value: "old-cluster", secret: false } },
    });
    dev.config["kubernetes:context"] = "new-cluster";
    await expect(rollback(ctx, { stack: "dev", yes: true })).rejects.toThrow(
      new OpsError(
        `the cluster changes (Pulumi.dev.yaml sets kubernetes:context "new-cluster", the rollback to v2 runs "old-cluster"): the stack's resources are on "new-cluster", and an update run with "old-cluster" would create every one of them anew there (or fail midway if that cluster is gone) and delete them from "new-cluster", tenant volumes included; no other update of stack "dev" ran with kubernetes:context "new-cluster" to roll back to: to run v2's program there, check out commit ${SHA_2}, set kubernetes:context to "new-cluster" in its Pulumi.dev.yaml and deploy it`,
      ),
    );
    expect(rollbackRuns(ctx)).toEqual([]);
  });

  it("says a key that is not a secret key, recorded as a secret, runs as the stack file has it, never calling it a secret", async () => {
    const ctx = setup(true);
    const history = ctx.engine.stacks.dev!.history;
    const v2 = history.findIndex((u) => u.version === 2);
    history[v2] = {
      ...history[v2]!,
      config: { ...history[v2]!.config, "agent-cloud:app": { secret: true } },
    };
    ctx.engine.stacks.dev!.config["agent-cloud:app"] = { port: 8080 };
    expect(await rollback(ctx, { stack: "dev", yes: true })).toBe(0);
    const [preview] = ctx.engine.callsOf("preview");
    expect(
      (preview!.args as { source: { config: Record<string, unknown> } }).source.config[
        "agent-cloud:app"
      ],
    ).toEqual({ port: 8080 });
    expect(ctx.stdout.lines).toContain("secrets kept as they are now: agent-cloud:tenantSecrets");
    expect(ctx.stdout.lines).toContain(
      "not restored: v2 recorded agent-cloud:app as a secret and ops never decrypts history, so it runs as the stack file has it now; set agent-cloud:app without --secret (secrets belong in tenantSecrets: pulumi config set --secret --path 'tenantSecrets.<tenant-id>.<NAME>' <value>) and deploy, so later updates can be read",
    );
  });

  it("--prune removes the tenants added since, saying their databases stay", async () => {
    const ctx = setup(true);
    expect(await rollback(ctx, { stack: "dev", yes: true, prune: true })).toBe(0);
    const [up] = ctx.engine.callsOf("up");
    const { source, message } = up!.args as {
      source: { config: Record<string, unknown> };
      message: string;
    };
    expect((source.config["agent-cloud:tenants"] as { id: string }[]).map((t) => t.id)).toEqual([
      "acme",
    ]);
    expect(message).toBe(
      `rollback to v2 commit=${SHA_2} image=${IMAGE_REF_B} rollback-to=v2 prune=true removed=big-acme,globex database=in-cluster before=v4 before.image=${IMAGE_REF_A}`,
    );
    expect(ctx.stdout.lines).toContain(
      "tenant globex is removed: namespace dev-tenant-globex and everything in it are deleted; PostgreSQL role and database sp_dev_globex are retained on the server (drop them by hand once the data is no longer needed)",
    );
    // It removes tenants and creates none: no database is taken over.
    expect(rollbackRuns(ctx)).toHaveLength(2);
    for (const args of rollbackRuns(ctx)) expect(args).not.toHaveProperty("env");
  });

  it("applies the project's policy pack when it has one, or the packs given", async () => {
    const without = setup(true);
    without.engine.policyPacks.clear();
    await rollback(without, { stack: "dev", yes: true });
    expect(without.engine.callsOf("up")[0]!.args).toMatchObject({ policyPacks: [] });
    const given = setup(true);
    await rollback(given, { stack: "dev", yes: true, policyPacks: ["rules"] });
    expect(given.engine.callsOf("preview")[0]!.args).toMatchObject({ policyPacks: ["rules"] });
  });

  it("stops after the preview when the answer is no", async () => {
    const ctx = setup(false);
    expect(await rollback(ctx, { stack: "dev", yes: false })).toBe(1);
    expect(ctx.engine.callsOf("preview")).toHaveLength(1);
    expect(ctx.engine.callsOf("up")).toEqual([]);
    expect(ctx.stdout.lines.at(-1)).toBe("rollback cancelled; nothing was changed");
  });

  it("--yes does not ask", async () => {
    const ctx = setup(false);
    expect(await rollback(ctx, { stack: "dev", yes: true })).toBe(0);
    expect(ctx.questions).toEqual([]);
    expect(ctx.engine.callsOf("up")).toHaveLength(1);
  });

  it("refuses a commit that is not in the repository", async () => {
    const ctx = setup(true);
    ctx.engine.commits.clear();
    await expect(rollback(ctx, { stack: "dev", yes: true })).rejects.toThrow(
      new OpsError(
        `commit ${SHA_2} recorded by update v2 is not in this repository; fetch it (git fetch --all) and retry`,
      ),
    );
    expect(ctx.engine.callsOf("preview")).toEqual([]);
  });

  it("refuses a dirty commit", async () => {
    const ctx = setup(true);
    await expect(rollback(ctx, { stack: "dev", to: 0, yes: true })).rejects.toThrow(
      /ran from a dirty work tree/,
    );
    expect(ctx.engine.callsOf("preview")).toEqual([]);
  });

  it("refuses an unknown version", async () => {
    const ctx = setup(true);
    await expect(rollback(ctx, { stack: "dev", to: 42, yes: true })).rejects.toThrow(
      'stack "dev" has no update v42; successful updates it can roll back to: v2, v0',
    );
  });
});

describe("rollback of a shard stack", () => {
  const SHARD_FILE = {
    "agent-cloud:shard": { name: "s01", platform: "production" },
    "agent-cloud:tenants": [{ id: "acme" }],
  };
  const ON_DB_INTERNAL = "database=external%20db.internal:5432";

  function setup() {
    const shardUpdate = (version: number, commit: string) =>
      update({
        version,
        message: `deploy commit=${commit} pin.acme=${IMAGE_REF_A} ${ON_DB_INTERNAL}`,
        environment: { "git.head": commit, "git.dirty": "false" },
        config: recordedConfig(SHARD_FILE),
      });
    const engine = new MemoryEngine({
      production: memoryStack({
        config: {
          "agent-cloud:environment": "production",
          "agent-cloud:database": { mode: "external", host: "db.internal" },
        },
      }),
      "production-s01": memoryStack({
        config: SHARD_FILE,
        outputs: {
          environment: { value: "production", secret: false },
          tenants: {
            value: {
              acme: {
                url: "https://acme.example.com",
                namespace: "production-tenant-acme",
                image: IMAGE_REF_A,
                groups: [],
              },
            },
            secret: false,
          },
        },
        history: [shardUpdate(2, SHA_2), shardUpdate(1, SHA_1)],
      }),
    });
    engine.commits.add(SHA_1);
    return testContext(engine, { answer: true });
  }

  it("pins each tenant to the image it ran: a shard runs its platform's image now for any other", async () => {
    const ctx = setup();
    expect(await rollback(ctx, { stack: "production-s01", to: 1, yes: true })).toBe(0);
    const { source, message } = ctx.engine.callsOf("up")[0]!.args as {
      source: { config: Record<string, unknown> };
      message: string;
    };
    expect(source.config["agent-cloud:tenants"]).toEqual([{ id: "acme", image: IMAGE_REF_A }]);
    expect(message).toBe(
      `rollback to v1 commit=${SHA_1} pin.acme=${IMAGE_REF_A} rollback-to=v1 ${ON_DB_INTERNAL} before=v2 before.image=${IMAGE_REF_A}`,
    );
  });

  it("runs on its platform's database server as it is now and records it; a server its last update did not run is refused", async () => {
    const ctx = setup();
    expect(await rollback(ctx, { stack: "production-s01", to: 1, yes: true })).toBe(0);
    const [up] = ctx.engine.callsOf("up");
    expect((up!.args as { message: string }).message).toContain(` ${ON_DB_INTERNAL}`);

    // The platform's file moved the environment's tenants to the cluster; this shard's newest
    // update (the rollback just run) recorded the external server.
    ctx.engine.stacks.production!.config["agent-cloud:database"] = { mode: "in-cluster" };
    await expect(rollback(ctx, { stack: "production-s01", to: 1, yes: true })).rejects.toThrow(
      /^the database server changes \(v3 ran external db\.internal:5432, the rollback to v1 runs in-cluster\)/,
    );
    expect(ctx.engine.callsOf("up")).toHaveLength(1);
  });
});

describe("rollback --restore-removed of a tenant moved to another shard", () => {
  const shardFile = (name: string, ids: string[]) => ({
    "agent-cloud:shard": { name, platform: "production" },
    "agent-cloud:tenants": ids.map((id) => ({ id })),
  });
  const runs = (ids: string[]) => ({
    environment: { value: "production", secret: false },
    tenants: {
      value: Object.fromEntries(
        ids.map((id) => [id, { url: `https://${id}.example.com`, image: IMAGE_REF_A, groups: [] }]),
      ),
      secret: false,
    },
  });
  const at = (minute: number) => new Date(Date.UTC(2026, 10, 1, 13, minute));

  /**
   * production-s01 ran acme in v1 and left it out in v2; production-s02 took it over in v1
   * (later) and still runs it.
   */
  function setup() {
    const engine = new MemoryEngine({
      production: memoryStack({
        config: { "agent-cloud:environment": "production", "agent-cloud:shards": ["s01", "s02"] },
      }),
      "production-s01": memoryStack({
        config: shardFile("s01", []),
        outputs: runs([]),
        history: [
          update({ version: 2, message: "deploy", config: recordedConfig(shardFile("s01", [])) }),
          update({
            version: 1,
            message: `deploy commit=${SHA_1} pin.acme=${IMAGE_REF_A}`,
            environment: { "git.head": SHA_1, "git.dirty": "false" },
            config: recordedConfig(shardFile("s01", ["acme"])),
          }),
        ],
      }),
      "production-s02": memoryStack({
        config: shardFile("s02", ["acme"]),
        outputs: runs(["acme"]),
        history: [
          update({
            version: 1,
            message: "deploy",
            startTime: at(0),
            endTime: at(1),
            config: recordedConfig(shardFile("s02", ["acme"])),
          }),
        ],
      }),
    });
    engine.commits.add(SHA_1);
    return testContext(engine, { answer: true });
  }
  const restore = { stack: "production-s01", to: 1, yes: true, restoreRemoved: true };

  it("is refused while another shard runs it, with nothing run", async () => {
    const ctx = setup();
    await expect(rollback(ctx, restore)).rejects.toThrow(
      new OpsError(
        'rolling stack "production-s01" back to v1 brings back tenants that another stack of environment "production" still runs (its tenants output names them): acme (sp_production_acme) in stack "production-s02"; deployed here too, each would run twice: two namespaces on one PostgreSQL role and database. To bring them here, deploy each such stack without them first (take acme out of Pulumi.production-s02.yaml, then npm run ops -- deploy --stack production-s02 --remove-tenant acme), then roll back again, taking their role and database over with their data (npm run ops -- rollback --stack production-s01 --to 1 --restore-removed), then the platform (npm run ops -- deploy --stack production: the edge\'s routes and keys); or roll back without --restore-removed, which leaves them out',
      ),
    );
    expect(ctx.engine.callsOf("preview")).toEqual([]);
    expect(ctx.engine.callsOf("up")).toEqual([]);
  });

  it("once that shard left it out, takes its role and database over naming the shard that ran it last", async () => {
    const ctx = setup();
    const s02 = ctx.engine.stacks["production-s02"]!;
    s02.outputs = runs([]);
    s02.history.unshift(
      update({
        version: 2,
        message: "deploy",
        startTime: at(2),
        endTime: at(3),
        config: recordedConfig(shardFile("s02", [])),
      }),
    );
    expect(await rollback(ctx, restore)).toBe(0);
    expect(ctx.stdout.lines).toContain(
      'taking over the retained database and role of acme (removed from stack "production-s02" after v1) instead of creating them, data included (AGENT_CLOUD_ADOPT_DATABASES=acme)',
    );
    expect((ctx.engine.callsOf("up")[0]!.args as { env: Record<string, string> }).env).toEqual({
      AGENT_CLOUD_ADOPT_DATABASES: "acme",
    });
  });
});

describe("rollback to or past a --group update", () => {
  const DEV_IMAGE = { context: "./app", repository: "ghcr.io/acme/agent", tag: "1.2.0" };

  function setup() {
    const ctx = testContext(new MemoryEngine({ dev: devStack() }), { answer: true });
    editTenant(ctx, "globex", { agentConfig: { model: "claude-haiku" } });
    return ctx;
  }

  /** The config the rollback's preview ran with. */
  function previewConfig(ctx: ReturnType<typeof setup>): Record<string, unknown> {
    const [preview] = ctx.engine.callsOf("preview");
    return (preview!.args as { source: { config: Record<string, unknown> } }).source.config;
  }

  it("runs what the group update ran: its group's tenants from it, the others from the full update before it", async () => {
    const ctx = setup();
    await deployDev(ctx); // v1: every tenant
    // Edited after v1: acme (group beta) and globex (not in beta).
    editTenant(ctx, "acme", { agentConfig: { model: "claude-sonnet-canary" } });
    editTenant(ctx, "globex", { agentConfig: { model: "experimental-untested" } });
    await deployDev(ctx, ["beta"]); // v2: records both edits, runs acme's only
    await deployDev(ctx); // v3: every tenant, globex's edit too

    expect(await rollback(ctx, { stack: "dev", to: 2, yes: true })).toBe(0);
    expect(previewConfig(ctx)).toEqual({
      "agent-cloud:environment": "dev",
      "agent-cloud:domain": "dev.example.com",
      "agent-cloud:image": { ...DEV_IMAGE, ref: IMAGE_REF_A },
      "agent-cloud:tenants": [
        {
          id: "acme",
          plan: "standard",
          groups: ["beta"],
          agentConfig: { model: "claude-sonnet-canary" },
        },
        { id: "big-acme", groups: ["stable"], agentConfig: { model: "claude-haiku" } },
        {
          id: "globex",
          groups: ["stable", "eu"],
          customDomains: ["agents.globex.test"],
          agentConfig: { model: "claude-haiku" },
        },
      ],
      "agent-cloud:tenantSecrets": { secure: "v1:ZGV2LWNpcGhlcnRleHQ=" },
    });
    // The rollback's own update (the fourth) runs the config it previewed.
    expect(ctx.engine.callsOf("up")[3]!.args).toMatchObject({
      source: { config: previewConfig(ctx) },
    });
  });

  it("keeps a tenant added since as the update before the latest --group update ran it", async () => {
    const ctx = setup();
    const globex = (ctx.engine.stacks.dev!.config["agent-cloud:tenants"] as { id: string }[])[2]!;
    const withoutGlobex = () =>
      (ctx.engine.stacks.dev!.config["agent-cloud:tenants"] as { id: string }[]).slice(0, 2);
    ctx.engine.stacks.dev!.config["agent-cloud:tenants"] = withoutGlobex();
    await deployDev(ctx); // v1: acme, big-acme
    (ctx.engine.stacks.dev!.config["agent-cloud:tenants"] as unknown[]).push(globex);
    await deployDev(ctx); // v2: globex added
    editTenant(ctx, "globex", { agentConfig: { model: "experimental-untested" } });
    await deployDev(ctx, ["beta"]); // v3: records globex's edit, runs acme only

    expect(await rollback(ctx, { stack: "dev", to: 1, yes: true })).toBe(0);
    expect(previewConfig(ctx)["agent-cloud:tenants"]).toEqual([
      {
        id: "acme",
        plan: "standard",
        groups: ["beta"],
        agentConfig: { model: "claude-sonnet", tools: ["search"] },
      },
      { id: "big-acme", groups: ["stable"], agentConfig: { model: "claude-haiku" } },
      {
        id: "globex",
        groups: ["stable", "eu"],
        customDomains: ["agents.globex.test"],
        agentConfig: { model: "claude-haiku" },
      },
    ]);
    expect(ctx.stdout.lines).toContain(
      "tenants added after v1, kept as they run now (--prune removes them): globex",
    );
  });

  it("leaves out a tenant removed since, unless --restore-removed brings it back as the update ran it", async () => {
    const ids = (ctx: ReturnType<typeof setup>) =>
      (previewConfig(ctx)["agent-cloud:tenants"] as { id: string }[]).map((t) => t.id);

    const left = setup();
    await deployDev(left); // v1: acme, big-acme, globex
    removeGlobex(left);
    await deployDev(left); // v2: globex removed
    expect(await rollback(left, { stack: "dev", to: 1, yes: true })).toBe(0);
    expect(ids(left)).toEqual(["acme", "big-acme"]);
    expect(left.stdout.lines).toContain(
      "tenants removed after v1, left removed (--restore-removed brings them back): globex",
    );
    // Left removed, nothing is created again: no database is taken over.
    expect(rollbackRuns(left)).toHaveLength(2);
    for (const args of rollbackRuns(left)) expect(args).not.toHaveProperty("env");
    expect(left.stdout.text).not.toContain("taking over");

    const restored = setup();
    await deployDev(restored);
    removeGlobex(restored);
    await deployDev(restored);
    expect(await rollback(restored, { stack: "dev", to: 1, yes: true, restoreRemoved: true })).toBe(
      0,
    );
    expect(ids(restored)).toEqual(["acme", "big-acme", "globex"]);
    // Its role and database, retained when v2 removed it, are taken over instead of created.
    expect(rollbackRuns(restored)).toHaveLength(2);
    for (const args of rollbackRuns(restored))
      expect(args).toMatchObject({ env: { AGENT_CLOUD_ADOPT_DATABASES: "globex" } });
    expect(restored.stdout.lines).toContain(
      "taking over the retained database and role of globex (removed after v1) instead of creating them, data included (AGENT_CLOUD_ADOPT_DATABASES=globex)",
    );
    expect(restored.stdout.lines).toContain(
      "tenants removed after v1, brought back as v1 ran them: globex (a new API key: generation 0's is random and went with it; tenantSecrets as the stack file holds them now)",
    );
  });

  it("--restore-removed refuses to bring a tenant back with a program that cannot take its retained database over", async () => {
    const ctx = setup();
    await deployDev(ctx); // v1: acme, big-acme, globex
    removeGlobex(ctx);
    await deployDev(ctx); // v2: globex removed
    const dev = ctx.engine.stacks.dev!;
    const commit = dev.history.find((u) => u.version === 1)!.environment["git.head"]!;
    ctx.engine.filesAt.set(commit, { "stacks/config/overrides.ts": "// before adoption\n" });
    await expect(
      rollback(ctx, { stack: "dev", to: 1, yes: true, restoreRemoved: true }),
    ).rejects.toThrow(
      new OpsError(
        `rollback to v1 would bring back globex, whose role and database are retained on the server, but the program of its commit ${commit.slice(0, 12)} predates taking them over (AGENT_CLOUD_ADOPT_DATABASES) and would fail midway creating them; bring them back with today's program first (with them in Pulumi.dev.yaml, npm run ops -- deploy --stack dev --adopt-database globex), then roll back`,
      ),
    );
    expect(rollbackRuns(ctx)).toEqual([]);
  });

  it("--restore-removed says a restored tenant's rotated key is derived again from the stack's key seed, which it reads from the state", async () => {
    /** v1 runs globex at key generation 2, v2 removes it; the state holds the key seed or not. */
    const restore = async (seed: boolean) => {
      const ctx = setup();
      editTenant(ctx, "globex", { apiKey: { generation: 2 } });
      const dev = ctx.engine.stacks.dev!;
      await deployDev(ctx);
      const tenants = dev.config["agent-cloud:tenants"] as { id: string }[];
      dev.config["agent-cloud:tenants"] = tenants.filter((t) => t.id !== "globex");
      delete (dev.outputs.tenants!.value as Record<string, unknown>).globex;
      await deployDev(ctx);
      if (seed)
        dev.resources.push({
          urn: "urn:pulumi:dev::agent-cloud::agent-cloud:platform:Platform$random:index/randomPassword:RandomPassword::dev-api-key-seed",
          type: "random:index/randomPassword:RandomPassword",
          inputs: {},
          outputs: {},
        });
      expect(await rollback(ctx, { stack: "dev", to: 1, yes: true, restoreRemoved: true })).toBe(0);
      return ctx.stdout.lines;
    };
    const line = (key: string) =>
      `tenants removed after v1, brought back as v1 ran them: globex (${key}; tenantSecrets as the stack file holds them now)`;

    expect(await restore(false)).toContain(
      line(
        "a new generation-2 API key: the stack's key seed it was derived from is gone and is created anew",
      ),
    );
    expect(await restore(true)).toContain(
      line(
        "its generation-2 API key again, derived from the stack's key seed (unless that seed was created anew since v1)",
      ),
    );
  });

  it("refuses a group update whose other tenants no earlier update records, naming the full updates", async () => {
    const ctx = setup();
    await deployDev(ctx, ["beta"]); // v1, the first update the history holds
    await deployDev(ctx); // v2
    await deployDev(ctx); // v3
    await expect(rollback(ctx, { stack: "dev", to: 1, yes: true })).rejects.toThrow(
      new OpsError(
        'update v1 of stack "dev" was deployed with --group beta (tenants acme) and no earlier update in the stack\'s history records what tenants big-acme, globex ran then, so what v1 ran cannot be reconstructed; roll back to a full update (one deployed without --group) instead: v2',
      ),
    );
    expect(ctx.engine.callsOf("preview")).toEqual([]);
  });

  it("a group update of every tenant runs what it recorded, as a full update does", async () => {
    const ctx = setup();
    for (const id of ["acme", "big-acme", "globex"]) editTenant(ctx, id, { groups: ["beta"] });
    await deployDev(ctx); // v1
    editTenant(ctx, "globex", { agentConfig: { model: "claude-haiku-canary" } });
    await deployDev(ctx, ["beta"]); // v2: every tenant is in beta
    await deployDev(ctx); // v3
    expect(await rollback(ctx, { stack: "dev", to: 2, yes: true })).toBe(0);
    expect(previewConfig(ctx)["agent-cloud:tenants"]).toEqual([
      {
        id: "acme",
        plan: "standard",
        groups: ["beta"],
        agentConfig: { model: "claude-sonnet", tools: ["search"] },
      },
      { id: "big-acme", groups: ["beta"], agentConfig: { model: "claude-haiku" } },
      {
        id: "globex",
        groups: ["beta"],
        customDomains: ["agents.globex.test"],
        agentConfig: { model: "claude-haiku-canary" },
      },
    ]);
  });
});

describe("the stack image a rollback sets (image.ref, so the imageRef output)", () => {
  const DEV_IMAGE = { context: "./app", repository: "ghcr.io/acme/agent", tag: "1.2.0" };
  /** Another tenant's own image (tenants[].image), on the registry the stack pulls from. */
  const PRIVATE = `ghcr.io/acme/globex-private@sha256:${"c".repeat(64)}`;
  const IMAGE_REF_C = `ghcr.io/acme/agent:1.4.0@sha256:${"d".repeat(64)}`;

  /**
   * After each `up` (deploy or rollback), dev's outputs as the program leaves them: its build (or
   * image.ref) as `imageRef`, and each tenant on the image given.
   */
  function afterEachUp(
    ctx: { engine: MemoryEngine },
    runs: { imageRef: string; tenants: Record<string, string> }[],
  ): void {
    const dev = ctx.engine.stacks.dev!;
    const entries = dev.outputs.tenants!.value as Record<string, Record<string, unknown>>;
    let n = 0;
    ctx.engine.outputsAfterUp = () => {
      const run = runs[Math.min(n++, runs.length - 1)]!;
      const tenants = Object.entries(run.tenants).map(([id, image]) => [
        id,
        { ...entries[id], image },
      ]);
      return {
        ...dev.outputs,
        imageRef: { value: run.imageRef, secret: false },
        tenants: { value: Object.fromEntries(tenants), secret: false },
      };
    };
  }

  /** The config and message of the rollback's update. */
  function rolledBack(ctx: { engine: MemoryEngine }) {
    const { source, message } = ctx.engine.callsOf("up").at(-1)!.args as {
      source: { config: Record<string, unknown> };
      message: string;
    };
    const tenants = source.config["agent-cloud:tenants"] as { id: string; image?: string }[];
    return {
      image: source.config["agent-cloud:image"],
      pins: Object.fromEntries(tenants.map((t) => [t.id, t.image])),
      message,
    };
  }

  it("is the build the tenants without an image of their own ran, though those with one are the most", async () => {
    const ctx = testContext(new MemoryEngine({ dev: devStack() }), { answer: true });
    editTenant(ctx, "big-acme", { image: PRIVATE });
    editTenant(ctx, "globex", { image: PRIVATE });
    const own = { "big-acme": PRIVATE, globex: PRIVATE };
    afterEachUp(ctx, [
      { imageRef: IMAGE_REF_A, tenants: { acme: IMAGE_REF_A, ...own } },
      { imageRef: IMAGE_REF_B, tenants: { acme: IMAGE_REF_B, ...own } },
    ]);
    await deployDev(ctx); // v1 builds A
    editTenant(ctx, "acme", { agentConfig: { model: "claude-opus" } });
    await deployDev(ctx); // v2 builds B

    expect(await rollback(ctx, { stack: "dev", to: 1, yes: true })).toBe(0);
    expect(rolledBack(ctx)).toEqual({
      image: { ...DEV_IMAGE, ref: IMAGE_REF_A },
      pins: { acme: undefined, "big-acme": PRIVATE, globex: PRIVATE },
      message: `rollback to v1 commit=${SHA_1} image=${IMAGE_REF_A} pin.big-acme=${PRIVATE} pin.globex=${PRIVATE} rollback-to=v1 database=in-cluster before=v2 before.image=${PRIVATE} before.pin.acme=${IMAGE_REF_B}`,
    });
  });

  it("after a --group canary, is the canary's build, the tenants outside the group pinned to what they ran", async () => {
    const ctx = testContext(new MemoryEngine({ dev: devStack() }), { answer: true });
    const every = (image: string) => ({ acme: image, "big-acme": image, globex: image });
    afterEachUp(ctx, [
      { imageRef: IMAGE_REF_A, tenants: every(IMAGE_REF_A) },
      { imageRef: IMAGE_REF_B, tenants: { ...every(IMAGE_REF_A), acme: IMAGE_REF_B } },
      { imageRef: IMAGE_REF_C, tenants: every(IMAGE_REF_C) },
    ]);
    await deployDev(ctx); // v1 builds A for every tenant
    editTenant(ctx, "acme", { agentConfig: { model: "claude-sonnet-canary" } });
    await deployDev(ctx, ["beta"]); // v2 builds B for acme (group beta) alone
    await deployDev(ctx); // v3 builds C for every tenant

    expect(await rollback(ctx, { stack: "dev", to: 2, yes: true })).toBe(0);
    expect(rolledBack(ctx)).toEqual({
      image: { ...DEV_IMAGE, ref: IMAGE_REF_B },
      pins: { acme: undefined, "big-acme": IMAGE_REF_A, globex: IMAGE_REF_A },
      message: `rollback to v2 commit=${SHA_1} image=${IMAGE_REF_B} pin.big-acme=${IMAGE_REF_A} pin.globex=${IMAGE_REF_A} rollback-to=v2 database=in-cluster before=v3 before.image=${IMAGE_REF_C}`,
    });
  });
});

describe("rollback to an update that ran in another DNS zone", () => {
  const Z1 = "1".repeat(32);
  const Z2 = "2".repeat(32);
  const inZone = (ctx: { engine: MemoryEngine }, zoneId: string) => {
    ctx.engine.stacks.dev!.config["agent-cloud:dns"] = { provider: "cloudflare", zoneId };
  };

  it("is refused, naming both zones and the updates that ran in the zone the stack is in", async () => {
    const ctx = testContext(new MemoryEngine({ dev: devStack() }), { answer: true });
    inZone(ctx, Z1);
    await deployDev(ctx); // v1 in Z1
    inZone(ctx, Z2);
    await deployDev(ctx); // v2 in Z2
    await deployDev(ctx); // v3 in Z2
    await expect(rollback(ctx, { stack: "dev", to: 1, yes: true })).rejects.toThrow(
      new OpsError(
        `the DNS zone changes (Pulumi.dev.yaml sets dns.zoneId "${Z2}", the rollback to v1 runs "${Z1}"): an update run with "${Z1}" would delete every DNS record of the stack from zone "${Z2}" and create it in zone "${Z1}", which the domain may no longer be served from; roll back instead to an update that ran with dns.zoneId "${Z2}" (v2), or check out commit ${SHA_1}, set dns.zoneId to "${Z2}" in its Pulumi.dev.yaml and deploy it`,
      ),
    );
    expect(rollbackRuns(ctx)).toEqual([]);
    // The same zone is no move.
    expect(await rollback(ctx, { stack: "dev", to: 2, yes: true })).toBe(0);
  });
});

describe("planRollback", () => {
  const IMAGE = `r/a@${DIGEST_B}`;
  const CLEAR = { "agent-cloud:environment": { value: "dev", secret: false } };

  /** A successful full update that recorded `tenants` in clear, as a secret, or no config. */
  function recorded(version: number, tenants: { id: string }[] | "secret" | "no config") {
    const config =
      tenants === "no config"
        ? {}
        : tenants === "secret"
          ? { ...CLEAR, "agent-cloud:tenants": { secret: true } }
          : recordedConfig({ "agent-cloud:environment": "dev", "agent-cloud:tenants": tenants });
    return update({ version, message: "deploy", config });
  }

  /** The plan returning to `target` in `history` (newest first), every tenant on IMAGE. */
  function plan(
    history: UpdateRecord[],
    target: UpdateRecord,
    input: Partial<RollbackPlanInput> = {},
  ) {
    const ids = ["acme", "big-acme", "globex"];
    return planRollback({
      stack: "dev",
      history,
      target,
      targetImages: Object.fromEntries(ids.map((id) => [id, IMAGE])),
      current: { "agent-cloud:environment": "dev", "agent-cloud:tenants": [{ id: "acme" }] },
      deployed: history.find((u) => u.result === "succeeded"),
      running: { acme: IMAGE },
      prune: false,
      ...input,
    });
  }

  describe("the stack image: the target's, never the one most tenants ran", () => {
    const OWN = `ghcr.io/acme/own@sha256:${"c".repeat(64)}`;
    const RECORDED = `ghcr.io/acme/agent@${DIGEST_B}`;

    /** v1 (the target) ran acme, big-acme and globex; big-acme and globex their own image. */
    function target(message: string, image: Record<string, unknown>, acmeOwn = false) {
      return update({
        version: 1,
        message,
        config: recordedConfig({
          "agent-cloud:environment": "dev",
          "agent-cloud:image": image,
          "agent-cloud:tenants": [
            acmeOwn ? { id: "acme", image: OWN } : { id: "acme" },
            { id: "big-acme", image: OWN },
            { id: "globex", image: OWN },
          ],
        }),
      });
    }
    const ran = (acme: string) => ({ acme, "big-acme": OWN, globex: OWN });
    const BUILD = { repository: "ghcr.io/acme/agent" };

    it.each<{ what: string; target: UpdateRecord; acme: string; stackImage?: string }>([
      {
        what: "the image= of its release record",
        target: target(`deploy skip-build=true image=${RECORDED}`, BUILD, true),
        acme: OWN,
      },
      {
        what: "its recorded image.ref",
        target: target("deploy", { ref: RECORDED }, true),
        acme: OWN,
      },
      {
        what: "the image its tenants without tenants[].image ran",
        target: target("deploy", BUILD),
        acme: RECORDED,
      },
      {
        what: "the stack's imageRef now when every tenant it ran had its own image",
        target: target("deploy", BUILD, true),
        acme: OWN,
        stackImage: RECORDED,
      },
    ])("$what", ({ target: v1, acme, stackImage }) => {
      const history = [recorded(2, [{ id: "acme" }, { id: "big-acme" }, { id: "globex" }]), v1];
      const running = ran(IMAGE);
      const result = plan(history, v1, { targetImages: ran(acme), running, stackImage });
      expect(result.images).toEqual({
        image: RECORDED,
        pins: {
          ...(acme === RECORDED ? {} : { acme }),
          "big-acme": OWN,
          globex: OWN,
        },
      });
      expect(result.config["agent-cloud:image"]).toMatchObject({ ref: RECORDED });
    });

    it("a shard pins every tenant to what it ran, as its platform's image is whatever that runs now", () => {
      const v1 = target("deploy", {});
      const history = [recorded(2, [{ id: "acme" }, { id: "big-acme" }, { id: "globex" }]), v1];
      const result = plan(history, v1, {
        targetImages: ran(RECORDED),
        running: ran(IMAGE),
        shard: true,
      });
      expect(result.images).toEqual({
        image: RECORDED,
        pins: { acme: RECORDED, "big-acme": OWN, globex: OWN },
      });
      // Nor is its stack image needed: without one, the tenants are pinned all the same.
      const all = target("deploy", {}, true);
      const pinned = plan([history[0]!, all], all, {
        targetImages: ran(OWN),
        running: ran(IMAGE),
        shard: true,
      });
      expect(pinned.images).toEqual({
        image: undefined,
        pins: { acme: OWN, "big-acme": OWN, globex: OWN },
      });
    });

    it("refuses when no stack image can be told, rather than build one", () => {
      const v1 = target("deploy", BUILD, true);
      const history = [recorded(2, [{ id: "acme" }]), v1];
      expect(() => plan(history, v1, { targetImages: ran(OWN), running: ran(IMAGE) })).toThrow(
        new OpsError(
          'update v1 of stack "dev" ran every tenant on an image of its own and recorded no stack image (image= or image.ref), and the stack has no imageRef output now, so the rollback would have to build one; roll back to another update',
        ),
      );
    });
  });

  describe("restoredTenantNotes", () => {
    const target = recorded(1, [
      { id: "acme" },
      { id: "big-acme", apiKey: { generation: 2, acceptPrevious: true } },
      { id: "globex", apiKey: { generation: 1, acceptPrevious: true } },
    ] as { id: string }[]);
    const history = [recorded(2, []), target];
    const restore = (current: Record<string, unknown> = {}) =>
      plan(history, target, {
        running: {},
        restoreRemoved: true,
        current: { "agent-cloud:environment": "dev", ...current },
      });

    it.each<{ what: string; secrets?: unknown; seed: boolean; notes: string[] }>([
      {
        what: "the key seed kept, tenantSecrets per tenant",
        secrets: { acme: { TOKEN: { secure: "v1:a" } } },
        seed: true,
        notes: [
          "acme (a new API key: generation 0's is random and went with it; its tenantSecrets entry in the stack file now)",
          "big-acme (its generation-2 API key again, derived from the stack's key seed (unless that seed was created anew since v1); no tenantSecrets entry in the stack file now)",
          "globex (its generation-1 API key again, derived from the stack's key seed (unless that seed was created anew since v1); the previous key it accepts, generation 0's, is new; no tenantSecrets entry in the stack file now)",
        ],
      },
      {
        what: "the key seed gone, tenantSecrets one ciphertext",
        secrets: { secure: "v1:all" },
        seed: false,
        notes: [
          "acme (a new API key: generation 0's is random and went with it; tenantSecrets as the stack file holds them now)",
          "big-acme (a new generation-2 API key: the stack's key seed it was derived from is gone and is created anew; tenantSecrets as the stack file holds them now)",
          "globex (a new generation-1 API key: the stack's key seed it was derived from is gone and is created anew; tenantSecrets as the stack file holds them now)",
        ],
      },
    ])("$what", ({ secrets, seed, notes }) => {
      // The target recorded tenantSecrets (as a secret), so the stack file's ciphertext is run.
      const withSecrets = update({
        ...target,
        config: { ...target.config, "agent-cloud:tenantSecrets": { secret: true } },
      });
      const restored = planRollback({
        stack: "dev",
        history: [history[0]!, withSecrets],
        target: withSecrets,
        targetImages: { acme: IMAGE, "big-acme": IMAGE, globex: IMAGE },
        current: { "agent-cloud:environment": "dev", "agent-cloud:tenantSecrets": secrets },
        deployed: history[0],
        running: {},
        prune: false,
        restoreRemoved: true,
      });
      expect(restoredTenantNotes(restored, 1, seed)).toEqual(notes);
    });

    it("a target that recorded no tenantSecrets runs none", () => {
      expect(restoredTenantNotes(restore(), 1, true)[0]).toBe(
        "acme (a new API key: generation 0's is random and went with it; no tenantSecrets)",
      );
    });
  });

  describe("tenants removed since the target", () => {
    const target = recorded(1, [{ id: "acme" }, { id: "big-acme" }, { id: "globex" }]);

    it("a tenant only listed by a newer --group update, outside its groups, is still removed", () => {
      // v2 removed globex; it is back in the file, and v3 deployed group beta without creating it.
      const group = update({
        version: 3,
        message: "deploy groups=beta",
        config: recordedConfig({
          "agent-cloud:environment": "dev",
          "agent-cloud:tenants": [{ id: "acme", groups: ["beta"] }, { id: "globex" }],
        }),
      });
      const history = [group, recorded(2, [{ id: "acme" }]), target];
      const running = { acme: IMAGE };
      const result = plan(history, target, { running });
      expect(result.leftRemoved).toEqual(["big-acme", "globex"]);
      expect(result.adopted).toEqual([]);
    });

    it("a tenant gone from the newest record but still running now is not removed", () => {
      const history = [recorded(2, [{ id: "acme" }]), target];
      const result = plan(history, target, { running: { acme: IMAGE, globex: IMAGE } });
      expect(result.leftRemoved).toEqual(["big-acme"]);
      expect(result.tenants).toEqual(["acme", "globex"]);
      expect(result.adopted).toEqual([]);
    });

    it("takes over the retained database and role of each tenant it brings back, none when left removed", () => {
      const history = [
        recorded(3, [{ id: "acme" }]),
        recorded(2, [{ id: "acme" }, { id: "globex" }]),
        target,
      ];
      const running = { acme: IMAGE };
      const restored = plan(history, target, { running, restoreRemoved: true });
      expect(restored.restored).toEqual(["big-acme", "globex"]);
      expect(restored.adopted).toEqual([
        { id: "big-acme", lastRun: 1 },
        { id: "globex", lastRun: 2 },
      ]);
      expect(plan(history, target, { running }).adopted).toEqual([]);
      expect(plan(history, target, { running, prune: true }).adopted).toEqual([]);
    });

    it.each(["secret", "no config"] as const)(
      "when the newest record cannot be read (%s), a tenant not running now is removed",
      (newest) => {
        const history = [recorded(2, newest), target];
        const left = plan(history, target, { running: { acme: IMAGE, globex: IMAGE } });
        expect(left.leftRemoved).toEqual(["big-acme"]);
        expect(left.tenants).toEqual(["acme", "globex"]);
        const restored = plan(history, target, {
          running: { acme: IMAGE, globex: IMAGE },
          restoreRemoved: true,
        });
        expect(restored.restored).toEqual(["big-acme"]);
        expect(restored.tenants).toEqual(["acme", "big-acme", "globex"]);
      },
    );
  });

  it("leaves the tenantSecrets of tenants it does not run out of the config, which refuses an entry no tenant has", () => {
    const history = [
      recorded(3, [{ id: "acme" }, { id: "globex" }]),
      recorded(2, [{ id: "acme" }, { id: "big-acme" }]),
      recorded(1, [{ id: "acme" }, { id: "big-acme" }]),
    ];
    const secret = (id: string) => ({ API_KEY: { secure: `v1:${id}` } });
    const current = {
      "agent-cloud:environment": "dev",
      "agent-cloud:tenants": [{ id: "acme" }, { id: "globex" }],
      "agent-cloud:tenantSecrets": { acme: secret("acme"), globex: secret("globex") },
    };
    const target = update({
      ...history[2]!,
      config: { ...history[2]!.config, "agent-cloud:tenantSecrets": { secret: true } },
    });
    const running = { acme: IMAGE, globex: IMAGE };
    // --prune takes globex out; big-acme was removed by v3 and stays removed.
    const pruned = plan(history, target, { current, running, prune: true });
    expect(pruned.pruned).toEqual(["globex"]);
    expect(pruned.leftRemoved).toEqual(["big-acme"]);
    expect(pruned.config["agent-cloud:tenantSecrets"]).toEqual({ acme: secret("acme") });
    expect(pruned.changedKeys).toContain("agent-cloud:tenantSecrets");
    // Kept, globex keeps its secrets; one ciphertext for every tenant is left as it is.
    const kept = plan(history, target, { current, running });
    expect(kept.config["agent-cloud:tenantSecrets"]).toEqual(current["agent-cloud:tenantSecrets"]);
    const opaque = { ...current, "agent-cloud:tenantSecrets": SECRET };
    expect(
      plan(history, target, { current: opaque, running, prune: true }).config[
        "agent-cloud:tenantSecrets"
      ],
    ).toEqual(SECRET);
  });

  describe("refusing a target whose tenants cannot be read", () => {
    it("suggests only other full updates whose tenants can be read", () => {
      const history = [
        recorded(5, [{ id: "acme" }]),
        recorded(4, "secret"),
        recorded(3, "secret"),
        recorded(2, "no config"),
        recorded(1, [{ id: "acme" }]),
      ];
      expect(() => plan(history, history[1]!)).toThrow(
        new OpsError(
          `update v4 of stack "dev" recorded agent-cloud:tenants as a secret (a value under it was set with --secret) and ops never decrypts history, so what it ran cannot be read; roll back to a full update (one deployed without --group) instead: v1; set agent-cloud:tenants without --secret (secrets belong in tenantSecrets: pulumi config set --secret --path 'tenantSecrets.<tenant-id>.<NAME>' <value>) and deploy, so later updates can be read`,
        ),
      );
    });

    it("refuses tenants recorded as a secret as such, even when the stack file has no tenants now (never advising --secret)", () => {
      const history = [recorded(3, [{ id: "acme" }]), recorded(2, "secret"), recorded(1, [])];
      expect(() =>
        plan(history, history[1]!, { current: { "agent-cloud:environment": "dev" } }),
      ).toThrow(
        new OpsError(
          `update v2 of stack "dev" recorded agent-cloud:tenants as a secret (a value under it was set with --secret) and ops never decrypts history, so what it ran cannot be read; roll back to a full update (one deployed without --group) instead: v1; set agent-cloud:tenants without --secret (secrets belong in tenantSecrets: pulumi config set --secret --path 'tenantSecrets.<tenant-id>.<NAME>' <value>) and deploy, so later updates can be read`,
        ),
      );
    });

    it("says plainly when no other update can be read", () => {
      const history = [
        recorded(4, [{ id: "acme" }]),
        recorded(3, "secret"),
        recorded(2, "secret"),
        recorded(1, "no config"),
      ];
      expect(() => plan(history, history[1]!)).toThrow(
        new OpsError(
          `update v3 of stack "dev" recorded agent-cloud:tenants as a secret (a value under it was set with --secret) and ops never decrypts history, so what it ran cannot be read; stack "dev" has no other full update (one deployed without --group) whose tenants can be read to roll back to instead (v2 recorded them as a secret, v1 recorded no config); set agent-cloud:tenants without --secret (secrets belong in tenantSecrets: pulumi config set --secret --path 'tenantSecrets.<tenant-id>.<NAME>' <value>) and deploy, so later updates can be read`,
        ),
      );
      const alone = [recorded(2, [{ id: "acme" }]), recorded(1, "no config")];
      expect(() => plan(alone, alone[1]!)).toThrow(
        new OpsError(
          'update v1 of stack "dev" recorded no config, so what it ran cannot be read; stack "dev" has no other full update (one deployed without --group) to roll back to instead',
        ),
      );
    });
  });
});
