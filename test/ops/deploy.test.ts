import { describe, expect, it } from "vitest";
import { deploy } from "../../ops/commands/deploy";
import {
  OpsError,
  PulumiCliMissingError,
  UnknownStackError,
  UpdateInProgressError,
  UsageError,
} from "../../ops/errors";
import { DIGEST_B, SHA_1, testContext } from "../../testkit/ops/fakes";
import { DEV_DEPLOY, devConfig, devStack, IMAGE_REF_A, URN } from "./support/fixtures";
import { MemoryEngine, memoryStack, recordedConfig, update } from "../../testkit/ops/memory-engine";

const IMAGE_REF_B = `ghcr.io/acme/agent:1.3.0@${DIGEST_B}`;

const base = DEV_DEPLOY;

function setup() {
  const engine = new MemoryEngine({ dev: devStack(), production: devStack({ outputs: {} }) });
  engine.git = { commit: SHA_1, dirty: false };
  return testContext(engine);
}

/**
 * Dev's history: v1 ran every tenant of the stack file, v2 (`groups`, when given) ran it without
 * `removed`; those no longer run (gone from the `tenants` output), and are in the stack file again.
 */
function removedThenReAdded(ctx: ReturnType<typeof setup>, removed: string[], groups?: string[]) {
  const dev = ctx.engine.stacks.dev!;
  const tenants = dev.config["agent-cloud:tenants"] as { id: string }[];
  const recorded = (list: { id: string }[]) =>
    recordedConfig({ ...dev.config, "agent-cloud:tenants": list });
  dev.history = [
    update({
      version: 2,
      message: groups === undefined ? "deploy" : `deploy groups=${groups.join(",")}`,
      config: recorded(tenants.filter((t) => !removed.includes(t.id))),
    }),
    update({ version: 1, message: "deploy", config: recorded(tenants) }),
  ];
  const running = dev.outputs.tenants!.value as Record<string, unknown>;
  for (const id of removed) delete running[id];
}

const envOf = (call: { args?: unknown } | undefined) =>
  (call!.args as { env: Record<string, string> }).env;

describe("deploy", () => {
  it("runs up with the commit in the message and streams progress", async () => {
    const ctx = setup();
    ctx.engine.stacks.dev!.upChanges = { update: 2, same: 9 };
    expect(await deploy(ctx, base)).toBe(0);
    expect(ctx.engine.callsOf("up")).toEqual([
      {
        method: "up",
        stack: "dev",
        args: {
          env: {},
          target: undefined,
          targetDependents: undefined,
          message: `deploy commit=${SHA_1} database=in-cluster`,
        },
      },
    ]);
    expect(ctx.engine.callsOf("preview")).toEqual([]);
    expect(ctx.stdout.lines).toEqual([
      "Updating (progress)",
      'stack "dev" update v1 succeeded: 2 to update (9 unchanged)',
      `image: ${IMAGE_REF_A}`,
    ]);
    expect(ctx.stderr.text).toBe("");
    expect(ctx.engine.stacks.dev!.history[0]!.environment).toEqual({
      "exec.kind": "auto.local",
      "git.head": SHA_1,
      "git.dirty": "false",
    });
  });

  it("--dry-run previews and never updates", async () => {
    const ctx = setup();
    ctx.engine.stacks.dev!.previewChanges = { create: 1, same: 4 };
    expect(await deploy(ctx, { ...base, dryRun: true })).toBe(0);
    expect(ctx.engine.callsOf("up")).toEqual([]);
    expect(ctx.engine.callsOf("preview")).toEqual([
      {
        method: "preview",
        stack: "dev",
        args: { env: {}, target: undefined, targetDependents: undefined },
      },
    ]);
    expect(ctx.stdout.lines.at(-1)).toBe('preview of stack "dev": 1 to create (4 unchanged)');
  });

  it("--skip-build passes the last imageRef output to the program and records its digest", async () => {
    const ctx = setup();
    expect(await deploy(ctx, { ...base, skipBuild: true })).toBe(0);
    const [call] = ctx.engine.callsOf("up");
    expect(call!.args).toMatchObject({
      env: { AGENT_CLOUD_SKIP_BUILD: "1", AGENT_CLOUD_IMAGE_REF: IMAGE_REF_A },
      message: `deploy commit=${SHA_1} image=${IMAGE_REF_A} skip-build=true database=in-cluster`,
    });
    expect(ctx.stdout.lines[0]).toBe(`skipping the build: redeploying ${IMAGE_REF_A}`);
  });

  it("--skip-build on a stack that never built an image says so", async () => {
    const ctx = setup();
    await expect(deploy(ctx, { ...base, stack: "production", skipBuild: true })).rejects.toThrow(
      new OpsError(
        '--skip-build: stack "production" has no imageRef output, so there is no built image to redeploy; run deploy without --skip-build first',
      ),
    );
    expect(ctx.engine.callsOf("up")).toEqual([]);
  });

  it("--force sets a rebuild nonce and --tag the image tag", async () => {
    const ctx = setup();
    await deploy(ctx, { ...base, force: true, tag: "2026.11.22" });
    expect(ctx.engine.callsOf("up")[0]!.args).toMatchObject({
      env: { AGENT_CLOUD_REBUILD: "2026-11-22T10:00:00.000Z", AGENT_CLOUD_IMAGE_TAG: "2026.11.22" },
      message: `deploy commit=${SHA_1} rebuild=true tag=2026.11.22 database=in-cluster`,
    });
  });

  it.each([
    [
      { skipBuild: true, force: true },
      "--skip-build and --force contradict each other: --force rebuilds the image, --skip-build redeploys the last one",
    ],
    [
      { skipBuild: true, tag: "x" },
      "--tag names the image a build pushes; it cannot be combined with --skip-build",
    ],
    [
      { groups: ["beta"], removeTenants: ["globex"] },
      "--remove-tenant cannot be combined with --group: a --group deploy updates only the group's tenants and the route table and deletes nothing; remove tenants with a whole-stack deploy",
    ],
    [
      { tag: "-bad" },
      `--tag "-bad": must be a Docker tag (A-Z, a-z, 0-9, '_', '.', '-', at most 128 characters, not starting with '.' or '-')`,
    ],
  ])("refuses %j before touching Pulumi", async (flags, message) => {
    const ctx = setup();
    const error = await deploy(ctx, { ...base, ...flags }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(message);
    expect(ctx.engine.calls).toEqual([]);
  });

  it("--group targets the group's tenants and the proxy, with dependents, and pins the others to what they run", async () => {
    const ctx = setup();
    expect(await deploy(ctx, { ...base, groups: ["beta"] })).toBe(0);
    const [call] = ctx.engine.callsOf("up");
    const args = call!.args as { target: string[]; targetDependents: boolean; message: string };
    expect([...args.target].sort()).toEqual(
      [
        URN.proxy,
        URN.proxyRoutes,
        URN.proxyDeployment,
        URN.acme,
        URN.acmeNamespace,
        URN.acmeDeployment,
      ].sort(),
    );
    expect(args.targetDependents).toBe(true);
    expect(args.message).toBe(
      `deploy commit=${SHA_1} pin.big-acme=${IMAGE_REF_A} pin.globex=${IMAGE_REF_A} groups=beta database=in-cluster`,
    );
    expect((call!.args as { env: Record<string, string> }).env).toEqual({
      AGENT_CLOUD_TENANT_IMAGES: JSON.stringify({ "big-acme": IMAGE_REF_A, globex: IMAGE_REF_A }),
    });
    expect(ctx.stdout.lines[0]).toBe(
      "group beta: tenants acme, their databases, the image and the proxy route table (6 resources targeted, with their dependents); big-acme, globex keep the image they run",
    );
  });

  it("--policy-pack enforces the pack on the preview and the update", async () => {
    const ctx = setup();
    await deploy(ctx, { ...base, dryRun: true, policyPacks: ["policy"] });
    await deploy(ctx, { ...base, policyPacks: ["policy"] });
    expect(
      ctx.engine.calls
        .filter((c) => c.method === "preview" || c.method === "up")
        .map((c) => c.args),
    ).toEqual([
      expect.objectContaining({ policyPacks: ["policy"] }),
      expect.objectContaining({ policyPacks: ["policy"] }),
    ]);
  });

  it("--group with an unknown group lists the groups that exist", async () => {
    const ctx = setup();
    await expect(deploy(ctx, { ...base, groups: ["canary"] })).rejects.toThrow(
      'unknown group "canary"; groups of stack "dev": beta, eu, stable',
    );
    expect(ctx.engine.callsOf("up")).toEqual([]);
  });

  it("warns that a dirty work tree cannot be rolled back to, and records it", async () => {
    const ctx = setup();
    ctx.engine.git = { commit: SHA_1, dirty: true };
    await deploy(ctx, base);
    expect(ctx.stderr.lines).toEqual([
      "warning: the work tree has uncommitted changes; this update records commit 111111111111 as dirty and cannot be rolled back to",
    ]);
    expect(ctx.engine.callsOf("up")[0]!.args).toMatchObject({
      message: `deploy commit=${SHA_1} dirty=true database=in-cluster`,
    });
  });

  it.each([
    [{ force: true }, "--force asks"],
    [{ tag: "rc1" }, "--tag asks"],
    [{ force: true, tag: "rc1" }, "--force and --tag ask"],
  ])("refuses %j when the stack file pins image.ref, building nothing", async (flags, what) => {
    const ctx = setup();
    ctx.engine.stacks.dev!.config["agent-cloud:image"] = { ref: IMAGE_REF_A };
    const flagNames = what.replace(/ asks?$/, "");
    await expect(deploy(ctx, { ...base, ...flags })).rejects.toThrow(
      new UsageError(
        `${what} for a build, but Pulumi.dev.yaml sets image.ref ${IMAGE_REF_A} (as promote writes it), so this deploy builds nothing and runs that image; remove image.ref to build from the context, or deploy without ${flagNames}`,
      ),
    );
    expect(ctx.engine.callsOf("up")).toEqual([]);
  });

  it("refuses --skip-build when the stack file pins image.ref, running nothing", async () => {
    const ctx = setup();
    // promote pinned another digest than the last imageRef output (IMAGE_REF_A)
    ctx.engine.stacks.dev!.config["agent-cloud:image"] = { ref: IMAGE_REF_B };
    await expect(deploy(ctx, { ...base, skipBuild: true })).rejects.toThrow(
      new UsageError(
        `--skip-build redeploys the stack's last imageRef output, but Pulumi.dev.yaml sets image.ref ${IMAGE_REF_B} (as promote writes it), so it would run another image than the stack file says; deploy without --skip-build to run that pinned digest (it builds nothing), or remove image.ref to redeploy the last imageRef`,
      ),
    );
    expect(ctx.engine.callsOf("preview")).toEqual([]);
    expect(ctx.engine.callsOf("up")).toEqual([]);
    expect(ctx.stdout.lines).toEqual([]);
  });

  it("records a pinned image.ref from config in the message", async () => {
    const ctx = setup();
    ctx.engine.stacks.dev!.config["agent-cloud:image"] = { ref: IMAGE_REF_A };
    await deploy(ctx, base);
    expect(ctx.engine.callsOf("up")[0]!.args).toMatchObject({
      message: `deploy commit=${SHA_1} image=${IMAGE_REF_A} database=in-cluster`,
    });
  });

  it("reports an unknown stack with the stacks that exist", async () => {
    const ctx = setup();
    const error = await deploy(ctx, { ...base, stack: "staging" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownStackError);
    expect((error as Error).message).toBe(
      'stack "staging" does not exist; stacks of this project: dev, production',
    );
  });

  it("reports an update already running", async () => {
    const ctx = setup();
    ctx.engine.stacks.dev!.locked = true;
    const error = await deploy(ctx, base).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpdateInProgressError);
    expect((error as Error).message).toMatch(
      /^stack "dev" has an update in progress .* pulumi cancel --stack dev/,
    );
  });

  it("stops at a missing Pulumi CLI before anything else", async () => {
    const ctx = setup();
    ctx.engine.cliPresent = false;
    await expect(deploy(ctx, base)).rejects.toBeInstanceOf(PulumiCliMissingError);
    expect(ctx.engine.calls.map((c) => c.method)).toEqual(["ensureCli"]);
  });

  it("--release names the update and records the CI actor; a taken name is refused", async () => {
    const ctx = setup();
    const withActor = { ...ctx, env: { GITHUB_ACTOR: "octocat" } };
    expect(await deploy(withActor, { ...base, release: "spring" })).toBe(0);
    expect(ctx.engine.stacks.dev!.history[0]!.message).toBe(
      `deploy release=spring actor=octocat commit=${SHA_1} database=in-cluster`,
    );
    await expect(deploy(withActor, { ...base, release: "spring" })).rejects.toThrow(
      new UsageError(
        '--release "spring": update v1 of stack "dev" already has that name; pick another',
      ),
    );
    expect(ctx.engine.callsOf("up")).toHaveLength(1);
  });

  it("--image-from deploys the images the other stack's last update ran, building nothing", async () => {
    const ctx = setup();
    const prod = ctx.engine.stacks.production!;
    prod.config = {
      "agent-cloud:environment": "production",
      "agent-cloud:tenants": [{ id: "acme" }, { id: "globex" }],
    };
    const dev = ctx.engine.stacks.dev!;
    dev.history = [update({ version: 9 })];
    const tenants = dev.outputs.tenants!.value as Record<string, { image: string }>;
    tenants.globex!.image = IMAGE_REF_B;
    expect(await deploy(ctx, { ...base, stack: "production", imageFrom: "dev" })).toBe(0);
    expect(ctx.engine.callsOf("up")[0]!.args).toMatchObject({
      env: {
        AGENT_CLOUD_SKIP_BUILD: "1",
        AGENT_CLOUD_IMAGE_REF: IMAGE_REF_A,
        AGENT_CLOUD_TENANT_IMAGES: JSON.stringify({ globex: IMAGE_REF_B }),
      },
      message: `deploy commit=${SHA_1} image=${IMAGE_REF_A} pin.globex=${IMAGE_REF_B} image-from=dev@v9 database=in-cluster`,
    });
  });

  it("--image-from into a shard pins each of its tenants to the image the other stack ran it on", async () => {
    const ctx = setup();
    ctx.engine.stacks.production!.config = {
      "agent-cloud:environment": "production",
      "agent-cloud:image": { repository: "ghcr.io/acme/agent" },
      "agent-cloud:shards": ["s1"],
    };
    ctx.engine.stacks["production-s1"] = memoryStack({
      config: {
        "agent-cloud:shard": { platform: "production" },
        "agent-cloud:tenants": [{ id: "acme" }, { id: "globex" }, { id: "hooli" }],
      },
    });
    const dev = ctx.engine.stacks.dev!;
    dev.history = [update({ version: 9 })];
    const tenants = dev.outputs.tenants!.value as Record<string, { image: string }>;
    tenants.globex!.image = IMAGE_REF_B;
    expect(await deploy(ctx, { ...base, stack: "production-s1", imageFrom: "dev" })).toBe(0);
    // acme too, though it ran dev's main image: the shard's own is its platform's, whatever
    // that runs now. hooli is not in dev and runs the platform's.
    expect(ctx.engine.callsOf("up")[0]!.args).toMatchObject({
      env: {
        AGENT_CLOUD_TENANT_IMAGES: JSON.stringify({ acme: IMAGE_REF_A, globex: IMAGE_REF_B }),
      },
    });
  });

  it.each([
    [[], 'stack "dev" has never been deployed'],
    [[update({ version: 3, result: "failed" })], 'the latest update of stack "dev" (v3) failed'],
  ])(
    "--image-from refuses a source whose latest update did not succeed",
    async (history, message) => {
      const ctx = setup();
      ctx.engine.stacks.dev!.history = history;
      await expect(deploy(ctx, { ...base, stack: "production", imageFrom: "dev" })).rejects.toThrow(
        message,
      );
      expect(ctx.engine.callsOf("up")).toEqual([]);
    },
  );

  it("--image-from refuses images outside the repository the target pulls from", async () => {
    const ctx = setup();
    ctx.engine.stacks.production!.config = {
      "agent-cloud:environment": "production",
      "agent-cloud:image": { context: "./app", repository: "registry.example.com/acme/agent" },
      "agent-cloud:tenants": [{ id: "acme" }, { id: "globex" }],
    };
    const dev = ctx.engine.stacks.dev!;
    dev.history = [update({ version: 9 })];
    const tenants = dev.outputs.tenants!.value as Record<string, { image: string }>;
    tenants.globex!.image = `localhost:5001/acme/agent@${DIGEST_B}`;
    await expect(deploy(ctx, { ...base, stack: "production", imageFrom: "dev" })).rejects.toThrow(
      new OpsError(
        `--image-from dev: stack "production" pulls its images from registry.example.com, and stack "dev" ran ${IMAGE_REF_A}, localhost:5001/acme/agent@${DIGEST_B} from another registry; carry images only between stacks that pull from the same registry`,
      ),
    );
    expect(ctx.engine.callsOf("up")).toEqual([]);
  });

  it("--image-from refuses an image the source built for fewer platforms than the target builds for", async () => {
    const ctx = setup();
    ctx.engine.stacks.production!.config = {
      "agent-cloud:environment": "production",
      "agent-cloud:image": {
        context: "./app",
        repository: "ghcr.io/acme/agent",
        platforms: ["linux/arm64"],
      },
      "agent-cloud:tenants": [{ id: "acme" }, { id: "globex" }],
    };
    ctx.engine.stacks.dev!.history = [update({ version: 9, config: recordedConfig(devConfig()) })];
    await expect(deploy(ctx, { ...base, stack: "production", imageFrom: "dev" })).rejects.toThrow(
      new OpsError(
        `--image-from dev: stack "production" builds for linux/arm64 (its image.platforms: its nodes may run any of them), and stack "dev" built ${IMAGE_REF_A} for linux/amd64 only (v9); add linux/arm64 to image.platforms of "dev", deploy and test it, then carry its new image`,
      ),
    );
    expect(ctx.engine.callsOf("up")).toEqual([]);
  });

  it("--image-from cannot be combined with a build flag", async () => {
    const ctx = setup();
    await expect(
      deploy(ctx, { ...base, stack: "production", imageFrom: "dev", force: true }),
    ).rejects.toThrow(
      new UsageError(
        '--image-from deploys the images stack "dev" ran and builds nothing; it cannot be combined with --force',
      ),
    );
  });

  it("removing a tenant from a stack that protects its databases needs --remove-tenant and says what is retained", async () => {
    const ctx = setup();
    const dev = ctx.engine.stacks.dev!;
    // A stack that runs production (its output too), whose databases are protected.
    dev.config["agent-cloud:environment"] = "production";
    dev.outputs.environment = { value: "production", secret: false };
    dev.config["agent-cloud:tenants"] = (
      dev.config["agent-cloud:tenants"] as { id: string }[]
    ).filter((t) => t.id !== "globex");
    const role =
      "urn:pulumi:dev::agent-cloud::agent-cloud:platform:Platform$agent-cloud:data:SharedDatabase$postgresql:index/role:Role::dev-database-globex-role";
    const db =
      "urn:pulumi:dev::agent-cloud::agent-cloud:platform:Platform$agent-cloud:data:SharedDatabase$postgresql:index/database:Database::dev-database-globex-database";
    const other =
      "urn:pulumi:dev::agent-cloud::agent-cloud:platform:Platform$agent-cloud:data:SharedDatabase$postgresql:index/role:Role::dev-database-acme-role";
    dev.resources = [
      ...dev.resources,
      ...[role, db, other].map((urn) => ({ urn, type: "x", inputs: {}, outputs: {} })),
    ];
    await expect(deploy(ctx, base)).rejects.toThrow(
      new OpsError(
        'stack "dev" protects its databases and this deploy removes tenant globex (not in Pulumi.dev.yaml); if that is intended, repeat with --remove-tenant globex. Their databases and roles are retained either way.',
      ),
    );
    expect(ctx.engine.callsOf("up")).toEqual([]);

    expect(await deploy(ctx, { ...base, removeTenants: ["globex"] })).toBe(0);
    expect(ctx.stdout.lines).toContain(
      "tenant globex is removed: namespace production-tenant-globex and everything in it are deleted; PostgreSQL role and database sp_production_globex are retained on the server (drop them by hand once the data is no longer needed)",
    );
    expect(ctx.engine.callsOf("unprotect")).toEqual([
      { method: "unprotect", stack: "dev", args: [role, db] },
    ]);
    expect(ctx.engine.stacks.dev!.history[0]!.message).toMatch(/ removed=globex/);
  });

  it.each([
    ["an unprotected stack", "dev", ""],
    ["a stack that protects its databases", "production", " (with --remove-tenant globex)"],
  ])(
    "--group refuses to run while a tenant is gone from the file of %s, which would only unroute it",
    async (_, environment, flag) => {
      const ctx = setup();
      const dev = ctx.engine.stacks.dev!;
      dev.config["agent-cloud:environment"] = environment;
      dev.outputs.environment = { value: environment, secret: false };
      dev.config["agent-cloud:tenants"] = (
        dev.config["agent-cloud:tenants"] as { id: string }[]
      ).filter((t) => t.id !== "globex");
      await expect(deploy(ctx, { ...base, groups: ["beta"] })).rejects.toThrow(
        new OpsError(
          `tenant globex is deployed in stack "dev" but gone from Pulumi.dev.yaml: a --group beta deploy would take it out of the route table and leave its app and database running; deploy the whole stack to remove it${flag}, or put it back in Pulumi.dev.yaml first`,
        ),
      );
      expect(ctx.engine.callsOf("up")).toEqual([]);
      expect(ctx.engine.callsOf("unprotect")).toEqual([]);
    },
  );

  it("refuses a stack file that renames the running environment, before anything runs", async () => {
    const ctx = setup();
    ctx.engine.stacks.dev!.outputs.environment = { value: "dev", secret: false };
    ctx.engine.stacks.dev!.config["agent-cloud:environment"] = "stage";
    await expect(deploy(ctx, base)).rejects.toThrow(
      /^Pulumi\.dev\.yaml sets environment "stage", and stack "dev" runs environment "dev": /,
    );
    expect(ctx.engine.callsOf("up")).toEqual([]);
    expect(ctx.engine.callsOf("preview")).toEqual([]);
  });

  it("a shard's environment rename is refused naming its platform's file, which sets it", async () => {
    const ctx = setup();
    ctx.engine.stacks.production!.config = {
      "agent-cloud:environment": "prod2",
      "agent-cloud:shards": ["s1"],
    };
    ctx.engine.stacks["production-s1"] = memoryStack({
      config: { "agent-cloud:shard": { platform: "production" }, "agent-cloud:tenants": [] },
      outputs: { environment: { value: "production", secret: false } },
    });
    await expect(deploy(ctx, { ...base, stack: "production-s1" })).rejects.toThrow(
      /^Pulumi\.production\.yaml sets environment "prod2", and stack "production-s1" runs environment "production": /,
    );
    expect(ctx.engine.callsOf("up")).toEqual([]);
  });

  it("a database server move is refused until --database-moved, and the release records the server", async () => {
    const ctx = setup();
    const dev = ctx.engine.stacks.dev!;
    dev.history.unshift(update({ version: 5, message: "deploy database=in-cluster" }));
    dev.config["agent-cloud:database"] = { mode: "external", host: "db.internal" };
    await expect(deploy(ctx, base)).rejects.toThrow(
      /^the database server changes \(v5 ran in-cluster, this deploy runs external db\.internal:5432\)/,
    );
    expect(ctx.engine.callsOf("up")).toEqual([]);
    expect(await deploy(ctx, { ...base, databaseMoved: true })).toBe(0);
    const args = ctx.engine.callsOf("up")[0]!.args as {
      message: string;
      env: Record<string, string>;
    };
    expect(args.message).toContain(" database=external%20db.internal:5432");
    // The program checks a move itself (stacks/stack-identity.ts): the flag tells it too.
    expect(args.env.AGENT_CLOUD_DATABASE_MOVED).toBe("1");
  });

  it("removes a tenant from an unprotected stack without a flag, saying its database stays", async () => {
    const ctx = setup();
    const dev = ctx.engine.stacks.dev!;
    dev.config["agent-cloud:tenants"] = (
      dev.config["agent-cloud:tenants"] as { id: string }[]
    ).filter((t) => t.id !== "globex");
    expect(await deploy(ctx, base)).toBe(0);
    expect(ctx.stdout.lines[0]).toBe(
      "tenant globex is removed: namespace dev-tenant-globex and everything in it are deleted; PostgreSQL role and database sp_dev_globex are retained on the server (drop them by hand once the data is no longer needed)",
    );
    expect(ctx.engine.callsOf("unprotect")).toEqual([]);
  });

  describe("a tenant an earlier update ran, created again", () => {
    const line =
      "taking over the retained database and role of globex (removed after v1) instead of creating them, data included (AGENT_CLOUD_ADOPT_DATABASES=globex)";
    const adopt = { ...base, adoptDatabases: ["globex"] };
    /** acme and globex no longer run and are in the stack file again; v3 last ran acme, v1 globex. */
    const acmeAndGlobexBack = () => {
      const ctx = setup();
      removedThenReAdded(ctx, ["acme", "globex"]);
      ctx.engine.stacks.dev!.history.unshift(
        update({
          version: 3,
          message: "deploy",
          config: recordedConfig({
            ...ctx.engine.stacks.dev!.config,
            "agent-cloud:tenants": [{ id: "acme" }, { id: "big-acme" }],
          }),
        }),
      );
      return ctx;
    };

    it("is refused until the operator says whether it takes its retained database over", async () => {
      const ctx = acmeAndGlobexBack();
      for (const options of [base, { ...base, dryRun: true }, adopt])
        await expect(deploy(ctx, options)).rejects.toThrow(
          new OpsError(
            `this deploy creates again tenants that ran in stack "dev" before and whose PostgreSQL role and database are retained on the server: ${options === adopt ? "" : "acme (sp_dev_acme, last run by v3), "}${options === adopt ? "acme (sp_dev_acme, last run by v3)" : "globex (sp_dev_globex, last run by v1)"}; creating them again would fail. For each, pass --adopt-database ID to take them over with their data (the same tenant coming back), or back them up and drop them on the server (DROP DATABASE <name>; DROP ROLE <name>) and pass --new-database ID to start it with an empty one (a new tenant reusing the id)`,
          ),
        );
      expect(ctx.engine.callsOf("up")).toEqual([]);
      expect(ctx.engine.callsOf("preview")).toEqual([]);
      // In CI the flags come from the deploy workflow's inputs: the message says where.
      await expect(deploy({ ...ctx, env: { CI: "true" } }, base)).rejects.toThrow(
        /; in CI, run the deploy by hand with the ids \(the workflow_dispatch inputs <stack>_adopt_databases \/ <stack>_new_databases of \.github\/workflows\/deploy\.yml, or the <STACK>_ADOPT_DATABASES \/ <STACK>_NEW_DATABASES variables of docs\/ci-gitlab\.md\)$/,
      );
    });

    it("--adopt-database takes its retained database and role over: AGENT_CLOUD_ADOPT_DATABASES names it", async () => {
      const ctx = setup();
      removedThenReAdded(ctx, ["globex"]);
      expect(await deploy(ctx, adopt)).toBe(0);
      expect(envOf(ctx.engine.callsOf("up")[0])).toEqual({ AGENT_CLOUD_ADOPT_DATABASES: "globex" });
      expect(ctx.stdout.lines[0]).toBe(line);
    });

    it("--dry-run previews the import", async () => {
      const ctx = setup();
      removedThenReAdded(ctx, ["globex"]);
      expect(await deploy(ctx, { ...adopt, dryRun: true })).toBe(0);
      expect(envOf(ctx.engine.callsOf("preview")[0])).toEqual({
        AGENT_CLOUD_ADOPT_DATABASES: "globex",
      });
      expect(ctx.stdout.lines[0]).toBe(line);
    });

    it("--new-database creates it anew; both lists are checked", async () => {
      const ctx = acmeAndGlobexBack();
      await expect(
        deploy(ctx, { ...base, adoptDatabases: ["acme"], newDatabases: ["acme"] }),
      ).rejects.toThrow(
        new UsageError(
          "--adopt-database and --new-database both name acme: take its retained database over, or start it with a new one, not both",
        ),
      );
      await expect(
        deploy(ctx, { ...base, adoptDatabases: ["acme", "big-acme"], newDatabases: ["globex"] }),
      ).rejects.toThrow(
        new UsageError(
          "--adopt-database/--new-database big-acme: not a tenant this deploy creates (in the stack file and not running now: acme, globex)",
        ),
      );
      expect(
        await deploy(ctx, {
          ...base,
          skipBuild: true,
          adoptDatabases: ["acme"],
          newDatabases: ["globex"],
        }),
      ).toBe(0);
      expect(envOf(ctx.engine.callsOf("up")[0])).toEqual({
        AGENT_CLOUD_SKIP_BUILD: "1",
        AGENT_CLOUD_IMAGE_REF: IMAGE_REF_A,
        AGENT_CLOUD_ADOPT_DATABASES: "acme",
      });
      expect(ctx.stdout.lines).toContain(
        "taking over the retained database and role of acme (removed after v3) instead of creating them, data included (AGENT_CLOUD_ADOPT_DATABASES=acme)",
      );
    });

    /** initech, which no update of the stack ran, is in the stack file. */
    const withInitech = () => {
      const ctx = setup();
      removedThenReAdded(ctx, []);
      (ctx.engine.stacks.dev!.config["agent-cloud:tenants"] as object[]).push({ id: "initech" });
      return ctx;
    };

    it("a tenant no update of the stack ran is created, nothing asked, unless --adopt-database names it (moved from another shard)", async () => {
      const created = withInitech();
      expect(await deploy(created, base)).toBe(0);
      expect(envOf(created.engine.callsOf("up")[0])).toEqual({});
      expect(created.stdout.text).not.toContain("taking over");

      const adopted = withInitech();
      expect(await deploy(adopted, { ...base, adoptDatabases: ["initech"] })).toBe(0);
      expect(envOf(adopted.engine.callsOf("up")[0])).toEqual({
        AGENT_CLOUD_ADOPT_DATABASES: "initech",
      });
      expect(adopted.stdout.lines).toContain(
        "taking over the retained database and role of initech (named by the operator) instead of creating them, data included (AGENT_CLOUD_ADOPT_DATABASES=initech)",
      );
    });

    it("an unsharded stack reads no other stack: what another stack ran does not count", async () => {
      const ctx = withInitech();
      ctx.engine.stacks.production!.history = [
        update({
          version: 1,
          message: "deploy",
          config: recordedConfig({ "agent-cloud:tenants": [{ id: "initech" }] }),
        }),
      ];
      expect(await deploy(ctx, base)).toBe(0);
      expect(envOf(ctx.engine.callsOf("up")[0])).toEqual({});
      expect(ctx.engine.calls.filter((c) => c.stack !== undefined && c.stack !== "dev")).toEqual(
        [],
      );
    });

    it("a created tenant an unreadable update may have run: a note names both, and the flags silence it", async () => {
      const withUnreadable = () => {
        const ctx = withInitech();
        ctx.engine.stacks.dev!.history.push(
          update({
            version: 0,
            message: "deploy",
            config: { "agent-cloud:tenants": { secret: true } },
          }),
        );
        return ctx;
      };
      const noted = withUnreadable();
      expect(await deploy(noted, base)).toBe(0);
      expect(noted.stdout.lines).toContain(
        "note: v0 of this stack cannot be read (tenants recorded as a secret, or no config recorded), so whether it ran initech is unknown; for one that ran, the PostgreSQL role and database are retained and creating it again fails: pass --adopt-database ID or --new-database ID for it",
      );
      const decided = withUnreadable();
      expect(await deploy(decided, { ...base, newDatabases: ["initech"] })).toBe(0);
      expect(decided.stdout.text).not.toContain("cannot be read");
    });

    it("a tenant only a --group update recorded, outside its groups, never ran: created", async () => {
      const ctx = setup();
      removedThenReAdded(ctx, ["globex"]);
      const dev = ctx.engine.stacks.dev!;
      dev.history = [
        update({
          version: 1,
          message: "deploy groups=beta",
          config: recordedConfig(dev.config),
        }),
      ];
      expect(await deploy(ctx, base)).toBe(0);
      expect(envOf(ctx.engine.callsOf("up")[0])).toEqual({});
    });

    it("--group asks only about its group's tenants: one outside the group is not created", async () => {
      const ctx = setup();
      // acme (beta) and globex (stable) no longer run; globex's resources are still in the state.
      removedThenReAdded(ctx, ["acme", "globex"]);
      expect(await deploy(ctx, { ...adopt, groups: ["stable"] })).toBe(0);
      expect(envOf(ctx.engine.callsOf("up")[0])).toEqual({ AGENT_CLOUD_ADOPT_DATABASES: "globex" });
      expect(ctx.stdout.lines[0]).toBe(
        "group stable: tenants big-acme, globex, their databases, the image and the proxy route table (7 resources targeted, with their dependents); acme keep the image they run",
      );
      expect(ctx.stdout.lines).toContain(line);
    });
  });
});
