import { describe, expect, it } from "vitest";
import { promote } from "../../ops/commands/promote";
import { OpsError, UsageError } from "../../ops/errors";
import { diffValues, planPromotion } from "../../ops/plans/promote-plan";
import { DIGEST_B, testContext } from "../../testkit/ops/fakes";
import { devConfig, devStack, IMAGE_REF_A } from "./support/fixtures";
import { MemoryEngine, memoryStack, recordedConfig, update } from "../../testkit/ops/memory-engine";
import { deployDev, editTenant } from "./support/group-updates";

const PROD_SECRET = { secure: "v1:cHJvZC1rZXk=" };
const OLD_REF = `ghcr.io/acme/agent:1.1.0@${DIGEST_B}`;

function productionConfig(): Record<string, unknown> {
  return {
    "agent-cloud:environment": "production",
    "agent-cloud:domain": "agents.example.com",
    "agent-cloud:image": { repository: "ghcr.io/acme/agent", tag: "1.1.0", ref: OLD_REF },
    "agent-cloud:database": { mode: "external", host: "db.internal" },
    "agent-cloud:tenants": [
      { id: "globex", replicas: 3, groups: ["stable"], agentConfig: { model: "claude-haiku" } },
      { id: "acme", replicas: 2, agentConfig: { model: "claude-opus", temperature: 0.2 } },
      { id: "initech", agentConfig: { model: "x" } },
    ],
    "agent-cloud:tenantSecrets": PROD_SECRET,
    "agent-cloud:databaseAdminPassword": PROD_SECRET,
  };
}

describe("diffValues", () => {
  it.each([
    [{ a: 1 }, { a: 1 }, []],
    [{ a: 1 }, { a: 2 }, ["~ x.a: 1 → 2"]],
    [{}, { b: [1] }, ["+ x.b: [1]"]],
    [{ c: "y" }, {}, ['- x.c: "y"']],
    [{ n: { d: 1 } }, { n: { d: 1, e: true } }, ["+ x.n.e: true"]],
    [undefined, "r@sha", ['+ x: "r@sha"']],
  ])("%j → %j", (before, after, lines) => {
    expect(diffValues("x", before, after)).toEqual(lines);
  });
});

describe("planPromotion", () => {
  it("moves the image digest and shared tenants' agentConfig, nothing else", () => {
    const plan = planPromotion({
      from: "dev",
      to: "production",
      imageRef: IMAGE_REF_A,
      sourceConfig: devConfig(),
      targetConfig: productionConfig(),
    });
    expect(plan.changes).toEqual([
      { key: "agent-cloud:image", path: ["ref"], value: IMAGE_REF_A },
      { key: "agent-cloud:tenants", path: [0, "agentConfig"], value: {} },
      {
        key: "agent-cloud:tenants",
        path: [1, "agentConfig"],
        value: { model: "claude-sonnet", tools: ["search"] },
      },
    ]);
    expect(plan.diff).toEqual([
      `~ agent-cloud:image.ref: "${OLD_REF}" → "${IMAGE_REF_A}"`,
      '- agent-cloud:tenants[globex].agentConfig.model: "claude-haiku"',
      '~ agent-cloud:tenants[acme].agentConfig.model: "claude-opus" → "claude-sonnet"',
      "- agent-cloud:tenants[acme].agentConfig.temperature: 0.2",
      '+ agent-cloud:tenants[acme].agentConfig.tools: ["search"]',
    ]);
    expect(plan.notes).toEqual([
      "not in production, left out: big-acme (add tenants to production by hand)",
      `only in production, not pinned by tenants[].image, so moving with image.ref to ${IMAGE_REF_A} (agentConfig unchanged): initech`,
    ]);
    const touched = new Set(plan.changes.map((c) => c.key));
    expect(touched).toEqual(new Set(["agent-cloud:image", "agent-cloud:tenants"]));
  });

  it.each([
    {
      name: "image.ref moves: unpinned ones move with it, pinned ones keep their image",
      ref: OLD_REF,
      platform: undefined,
      notes: [
        "not in production, left out: big-acme (add tenants to production by hand)",
        `only in production, not pinned by tenants[].image, so moving with image.ref to ${IMAGE_REF_A} (agentConfig unchanged): initech, umbrella`,
        "only in production, unchanged (pinned by tenants[].image): hooli",
      ],
    },
    {
      name: "the target had no image.ref (it built its own): unpinned ones move to the new one",
      ref: undefined,
      platform: undefined,
      notes: [
        "not in production, left out: big-acme (add tenants to production by hand)",
        `only in production, not pinned by tenants[].image, so moving with image.ref to ${IMAGE_REF_A} (agentConfig unchanged): initech, umbrella`,
        "only in production, unchanged (pinned by tenants[].image): hooli",
      ],
    },
    {
      name: "image.ref already the source's: every one unchanged",
      ref: IMAGE_REF_A,
      platform: undefined,
      notes: [
        "not in production, left out: big-acme (add tenants to production by hand)",
        "only in production, unchanged: initech, umbrella, hooli",
      ],
    },
    {
      name: "into a shard, whose image is its platform's: every one unchanged",
      ref: OLD_REF,
      platform: "platform",
      notes: [
        "image.ref not written: production is a shard of platform and runs its platform's image; promote to platform to change it",
        "not in production, left out: big-acme (add tenants to production by hand)",
        "only in production, unchanged: initech, umbrella, hooli",
      ],
    },
  ])("tenants only in the target: $name", ({ ref, platform, notes }) => {
    const target = productionConfig();
    target["agent-cloud:image"] = { repository: "ghcr.io/acme/agent", ref };
    (target["agent-cloud:tenants"] as Record<string, unknown>[]).push(
      { id: "umbrella", agentConfig: { model: "u" } },
      { id: "hooli", image: OLD_REF },
    );
    const plan = planPromotion({
      from: "dev",
      to: "production",
      imageRef: IMAGE_REF_A,
      sourceConfig: devConfig(),
      targetConfig: target,
      platform,
    });
    expect(plan.notes).toEqual(notes);
    expect(plan.changes.some((c) => c.path[0] === 3 || c.path[0] === 4)).toBe(false);
  });

  it("carries a tenant's own pinned image, and removes one the source no longer has", () => {
    const source = devConfig();
    (source["agent-cloud:tenants"] as Record<string, unknown>[])[0]!.image = IMAGE_REF_A;
    const target = productionConfig();
    (target["agent-cloud:tenants"] as Record<string, unknown>[])[0]!.image = OLD_REF;
    const plan = planPromotion({
      from: "dev",
      to: "production",
      imageRef: IMAGE_REF_A,
      sourceConfig: source,
      targetConfig: target,
    });
    expect(plan.changes.filter((c) => c.path[1] === "image")).toEqual([
      { key: "agent-cloud:tenants", path: [0, "image"], value: undefined },
      { key: "agent-cloud:tenants", path: [1, "image"], value: IMAGE_REF_A },
    ]);
  });

  it("never copies an agentConfig that holds encrypted values", () => {
    const source = devConfig();
    (source["agent-cloud:tenants"] as Record<string, unknown>[])[0]!.agentConfig = {
      apiKey: { secure: "v1:ZGV2" },
    };
    const plan = planPromotion({
      from: "dev",
      to: "production",
      imageRef: IMAGE_REF_A,
      sourceConfig: source,
      targetConfig: productionConfig(),
    });
    expect(plan.changes.some((c) => c.path[0] === 1)).toBe(false);
    expect(JSON.stringify(plan)).not.toContain("v1:ZGV2");
    expect(plan.notes[0]).toBe(
      "tenant acme: agentConfig holds encrypted values, not promoted (secrets never move between stacks, and agentConfig is deployed in clear: keep them in tenantSecrets and set them in production with pulumi config set --secret --path 'tenantSecrets.acme.<NAME>' <value>)",
    );
  });

  it("refuses an image that is not pinned by digest", () => {
    expect(() =>
      planPromotion({
        from: "dev",
        to: "production",
        imageRef: "ghcr.io/acme/agent:latest",
        sourceConfig: {},
        targetConfig: {},
      }),
    ).toThrow(
      new OpsError(
        'stack "dev" exports imageRef "ghcr.io/acme/agent:latest": it must be pinned by digest: registry/repo[:tag]@sha256:<64 hex characters>, since only a digest can be promoted',
      ),
    );
  });
});

describe("promote command", () => {
  function setup(answer = false) {
    const engine = new MemoryEngine({
      // v7 ran exactly the stack file's config.
      dev: devStack({ history: [update({ version: 7, config: recordedConfig(devConfig()) })] }),
      production: memoryStack({ config: productionConfig() }),
    });
    return testContext(engine, { answer });
  }

  it("shows the diff, asks, and writes only image and agent configs to the target file", async () => {
    const ctx = setup(true);
    expect(await promote(ctx, { from: "dev", to: "production", yes: false })).toBe(0);
    expect(ctx.stdout.lines[0]).toBe(
      "promote dev (v7) → production: changes to Pulumi.production.yaml",
    );
    expect(ctx.stdout.lines[1]).toBe(`  ~ agent-cloud:image.ref: "${OLD_REF}" → "${IMAGE_REF_A}"`);
    expect(ctx.stdout.lines.at(-1)).toBe(
      "wrote 3 changes to Pulumi.production.yaml; review and commit it, then deploy: npm run ops -- deploy --stack production",
    );
    expect(ctx.questions).toEqual(["Write these changes to Pulumi.production.yaml?"]);
    expect(ctx.engine.callsOf("writeConfig").map((c) => c.stack)).toEqual(["production"]);

    const after = ctx.engine.stacks.production!.config;
    const before = productionConfig();
    expect(after["agent-cloud:image"]).toEqual({
      ...(before["agent-cloud:image"] as object),
      ref: IMAGE_REF_A,
    });
    expect(after["agent-cloud:tenantSecrets"]).toEqual(PROD_SECRET);
    expect(after["agent-cloud:databaseAdminPassword"]).toEqual(PROD_SECRET);
    expect(after["agent-cloud:database"]).toEqual(before["agent-cloud:database"]);
    expect(after["agent-cloud:tenants"]).toEqual([
      { id: "globex", replicas: 3, groups: ["stable"], agentConfig: {} },
      { id: "acme", replicas: 2, agentConfig: { model: "claude-sonnet", tools: ["search"] } },
      { id: "initech", agentConfig: { model: "x" } },
    ]);
    expect(ctx.engine.stacks.dev!.config).toEqual(devConfig());
  });

  it("carries what dev's last update ran, never a stack-file edit dev has not deployed", async () => {
    const ctx = setup(true);
    // Edited after v7 and never deployed: a new model for acme and a new tenant.
    const tenants = ctx.engine.stacks.dev!.config["agent-cloud:tenants"] as {
      agentConfig?: Record<string, unknown>;
    }[];
    tenants[0]!.agentConfig = { model: "untested-model" };
    expect(await promote(ctx, { from: "dev", to: "production", yes: true })).toBe(0);
    const after = ctx.engine.stacks.production!.config["agent-cloud:tenants"] as {
      id: string;
      agentConfig: unknown;
    }[];
    expect(after.find((t) => t.id === "acme")!.agentConfig).toEqual({
      model: "claude-sonnet",
      tools: ["search"],
    });
    expect(JSON.stringify(ctx.engine.stacks.production!.config)).not.toContain("untested-model");
  });

  it("carries the digest each shared tenant ran in dev, pinning the ones off dev's main image", async () => {
    const ctx = setup(true);
    const tenants = ctx.engine.stacks.dev!.outputs.tenants!.value as Record<
      string,
      { image: string }
    >;
    tenants.globex!.image = OLD_REF.replace("1.1.0", "canary");
    expect(await promote(ctx, { from: "dev", to: "production", yes: true })).toBe(0);
    const config = ctx.engine.stacks.production!.config;
    expect((config["agent-cloud:image"] as { ref: string }).ref).toBe(IMAGE_REF_A);
    const after = config["agent-cloud:tenants"] as { id: string; image?: string }[];
    expect(after.map((t) => [t.id, t.image])).toEqual([
      ["globex", OLD_REF.replace("1.1.0", "canary")],
      ["acme", undefined],
      ["initech", undefined],
    ]);
  });

  it("writes nothing when the answer is no", async () => {
    const ctx = setup(false);
    expect(await promote(ctx, { from: "dev", to: "production", yes: false })).toBe(1);
    expect(ctx.engine.callsOf("writeConfig")).toEqual([]);
    expect(ctx.stdout.lines.at(-1)).toBe(
      "promotion cancelled; Pulumi.production.yaml was not changed",
    );
  });

  it("--yes writes without asking, and a second run finds nothing to promote", async () => {
    const ctx = setup(false);
    await promote(ctx, { from: "dev", to: "production", yes: true });
    expect(ctx.questions).toEqual([]);
    ctx.stdout.text = "";
    expect(await promote(ctx, { from: "dev", to: "production", yes: true })).toBe(0);
    expect(ctx.stdout.lines.at(-1)).toBe(
      "nothing to promote: production already has dev's image and agent configs",
    );
    expect(ctx.engine.callsOf("writeConfig")).toHaveLength(1);
  });

  it.each([
    {
      history: [],
      message: 'stack "dev" has never been deployed; deploy and test it before promoting',
    },
    {
      history: [update({ version: 8, result: "failed" as const }), update({ version: 7 })],
      message:
        'the latest update of stack "dev" (v8) failed; promote only what deployed and was tested',
    },
  ])("refuses an untested source: $message", async ({ history, message }) => {
    const ctx = setup(true);
    ctx.engine.stacks.dev!.history = history;
    await expect(promote(ctx, { from: "dev", to: "production", yes: true })).rejects.toThrow(
      new OpsError(message),
    );
    expect(ctx.engine.callsOf("writeConfig")).toEqual([]);
  });

  it("refuses images outside the repository the target pulls from, writing nothing", async () => {
    const ctx = setup(true);
    const ref = `localhost:5001/acme/agent@${DIGEST_B}`;
    ctx.engine.stacks.dev!.outputs.imageRef = { value: ref, secret: false };
    const tenants = ctx.engine.stacks.dev!.outputs.tenants!.value as Record<
      string,
      { image: string }
    >;
    for (const tenant of Object.values(tenants)) tenant.image = ref;
    await expect(promote(ctx, { from: "dev", to: "production", yes: true })).rejects.toThrow(
      new OpsError(
        `promote: stack "production" pulls its images from ghcr.io, and stack "dev" ran ${ref} from another registry; carry images only between stacks that pull from the same registry`,
      ),
    );
    expect(ctx.engine.callsOf("writeConfig")).toEqual([]);
  });

  it("carries a tenant's image from another repository on the registry the target pulls from", async () => {
    const ctx = setup(true);
    const own = `ghcr.io/acme/globex-agent@${DIGEST_B}`;
    const tenants = ctx.engine.stacks.dev!.outputs.tenants!.value as Record<
      string,
      { image: string }
    >;
    tenants.globex!.image = own;
    expect(await promote(ctx, { from: "dev", to: "production", yes: true })).toBe(0);
    const after = ctx.engine.stacks.production!.config["agent-cloud:tenants"] as {
      id: string;
      image?: string;
    }[];
    expect(after.find((t) => t.id === "globex")!.image).toBe(own);
  });

  it("checks only the images it writes: a tenant production does not hold is not carried or checked", async () => {
    const ctx = setup(true);
    const local = `localhost:5001/acme/agent@${DIGEST_B}`;
    const tenants = ctx.engine.stacks.dev!.outputs.tenants!.value as Record<
      string,
      { image: string }
    >;
    tenants["big-acme"]!.image = local;
    expect(await promote(ctx, { from: "dev", to: "production", yes: true })).toBe(0);
    expect(JSON.stringify(ctx.engine.stacks.production!.config)).not.toContain("localhost:5001");
  });

  it("a target moving registries pulls from both its image.repository's and its image.ref's", async () => {
    const ctx = setup(true);
    const moved = `registry.example.com/acme/agent@${DIGEST_B}`;
    const production = ctx.engine.stacks.production!;
    production.config["agent-cloud:image"] = {
      repository: "registry.example.com/acme/agent",
      ref: OLD_REF,
    };
    ctx.engine.stacks.dev!.outputs.imageRef = { value: moved, secret: false };
    const tenants = ctx.engine.stacks.dev!.outputs.tenants!.value as Record<
      string,
      { image: string }
    >;
    for (const tenant of Object.values(tenants)) tenant.image = moved;
    tenants.acme!.image = `localhost:5001/acme/agent@${DIGEST_B}`;
    await expect(promote(ctx, { from: "dev", to: "production", yes: true })).rejects.toThrow(
      new OpsError(
        `promote: stack "production" pulls its images from registry.example.com and ghcr.io, and stack "dev" ran localhost:5001/acme/agent@${DIGEST_B} from another registry; carry images only between stacks that pull from the same registry`,
      ),
    );

    tenants.acme!.image = IMAGE_REF_A;
    expect(await promote(ctx, { from: "dev", to: "production", yes: true })).toBe(0);
    expect((production.config["agent-cloud:image"] as { ref: string }).ref).toBe(moved);
    const after = production.config["agent-cloud:tenants"] as { id: string; image?: string }[];
    expect(after.find((t) => t.id === "acme")!.image).toBe(IMAGE_REF_A);
  });

  it("refuses an image dev built for fewer platforms than production builds for, until dev builds them", async () => {
    const ctx = setup(true);
    const production = ctx.engine.stacks.production!;
    const both = ["linux/amd64", "linux/arm64"];
    production.config["agent-cloud:image"] = {
      ...(production.config["agent-cloud:image"] as object),
      platforms: both,
    };
    await expect(promote(ctx, { from: "dev", to: "production", yes: true })).rejects.toThrow(
      new OpsError(
        `promote: stack "production" builds for linux/amd64 and linux/arm64 (its image.platforms: its nodes may run any of them), and stack "dev" built ${IMAGE_REF_A} for linux/amd64 only (v7); add linux/arm64 to image.platforms of "dev", deploy and test it, then carry its new image`,
      ),
    );
    expect(ctx.engine.callsOf("writeConfig")).toEqual([]);

    // v8 builds for both: another digest, which every dev tenant runs.
    const dev = ctx.engine.stacks.dev!;
    const rebuilt = `ghcr.io/acme/agent:1.2.0@${DIGEST_B}`;
    const config = devConfig();
    config["agent-cloud:image"] = { ...(config["agent-cloud:image"] as object), platforms: both };
    dev.history.unshift(update({ version: 8, config: recordedConfig(config) }));
    dev.outputs.imageRef = { value: rebuilt, secret: false };
    const tenants = dev.outputs.tenants!.value as Record<string, { image: string }>;
    for (const tenant of Object.values(tenants)) tenant.image = rebuilt;
    expect(await promote(ctx, { from: "dev", to: "production", yes: true })).toBe(0);
    expect((production.config["agent-cloud:image"] as { ref: string }).ref).toBe(rebuilt);
  });

  it("into a shard: tenants' configs and pins, checked against its platform's registry; never image.ref, which is the platform's", async () => {
    const engine = new MemoryEngine({
      dev: devStack({ history: [update({ version: 7, config: recordedConfig(devConfig()) })] }),
      production: memoryStack({ config: { ...productionConfig(), "agent-cloud:shards": ["s1"] } }),
      "production-s1": memoryStack({
        config: {
          "agent-cloud:shard": { platform: "production" },
          "agent-cloud:tenants": [
            { id: "big-acme", agentConfig: { model: "old" } },
            {
              id: "acme",
              image: OLD_REF,
              agentConfig: { model: "claude-sonnet", tools: ["search"] },
            },
          ],
        },
      }),
    });
    const ctx = testContext(engine, { answer: true });
    const tenants = engine.stacks.dev!.outputs.tenants!.value as Record<string, { image: string }>;
    tenants["big-acme"]!.image = `localhost:5001/acme/agent@${DIGEST_B}`;
    await expect(promote(ctx, { from: "dev", to: "production-s1", yes: true })).rejects.toThrow(
      new OpsError(
        `promote: stack "production-s1" pulls its images from ghcr.io, and stack "dev" ran localhost:5001/acme/agent@${DIGEST_B} from another registry; carry images only between stacks that pull from the same registry`,
      ),
    );

    tenants["big-acme"]!.image = OLD_REF;
    expect(await promote(ctx, { from: "dev", to: "production-s1", yes: true })).toBe(0);
    expect(ctx.stdout.lines).toContain(
      "note: image.ref not written: production-s1 is a shard of production and runs its platform's image; promote to production to change it",
    );
    expect(ctx.stdout.lines.at(-1)).toBe(
      "wrote 3 changes to Pulumi.production-s1.yaml; review and commit it, then deploy: npm run ops -- deploy --stack production-s1, then npm run ops -- deploy --stack production (the edge's routes and keys)",
    );
    // acme ran on dev's main image: pinned to it, since the shard's own is the platform's.
    expect(engine.stacks["production-s1"]!.config).toEqual({
      "agent-cloud:shard": { platform: "production" },
      "agent-cloud:tenants": [
        { id: "big-acme", agentConfig: { model: "claude-haiku" }, image: OLD_REF },
        {
          id: "acme",
          image: IMAGE_REF_A,
          agentConfig: { model: "claude-sonnet", tools: ["search"] },
        },
      ],
    });
  });

  it("refuses a source without imageRef and the same stack twice", async () => {
    const ctx = setup(true);
    ctx.engine.stacks.dev!.outputs = {};
    await expect(promote(ctx, { from: "dev", to: "production", yes: true })).rejects.toThrow(
      new OpsError(
        'promote: stack "dev" has no imageRef output in clear (the stack image its last update built or took, and runs for every tenant without tenants[].image), so there is no image to carry to "production"; deploy "dev" again, test it, then carry its image',
      ),
    );
    await expect(promote(ctx, { from: "dev", to: "dev", yes: true })).rejects.toThrow(
      new UsageError('--from and --to are both "dev"; promote between two stacks'),
    );
  });

  it("refuses an unknown target stack, listing the stacks", async () => {
    const ctx = setup(true);
    await expect(promote(ctx, { from: "dev", to: "prod", yes: true })).rejects.toThrow(
      'stack "prod" does not exist; stacks of this project: dev, production',
    );
  });
});

describe("promote after a --group update", () => {
  /** dev as the in-memory fixture, globex on the agent config production runs. */
  function setup() {
    const ctx = testContext(
      new MemoryEngine({
        dev: devStack(),
        production: memoryStack({ config: productionConfig() }),
      }),
    );
    editTenant(ctx, "globex", { agentConfig: { model: "claude-haiku" } });
    return ctx;
  }

  it("carries what the group update ran: its group's tenants from it, the others from the full update before it", async () => {
    const ctx = setup();
    await deployDev(ctx); // v1: every tenant
    // Edited after v1: acme (group beta) and globex (not in beta).
    editTenant(ctx, "acme", { agentConfig: { model: "claude-sonnet-canary" } });
    editTenant(ctx, "globex", { agentConfig: { model: "experimental-untested" } });
    await deployDev(ctx, ["beta"]); // v2: records both edits, runs acme's only
    expect(ctx.engine.stacks.dev!.history[0]!.message).toContain(" groups=beta ");

    expect(await promote(ctx, { from: "dev", to: "production", yes: true })).toBe(0);
    expect(ctx.stdout.lines).toEqual([
      "promote dev (v2) → production: changes to Pulumi.production.yaml",
      `  ~ agent-cloud:image.ref: "${OLD_REF}" → "${IMAGE_REF_A}"`,
      '  ~ agent-cloud:tenants[acme].agentConfig.model: "claude-opus" → "claude-sonnet-canary"',
      "  - agent-cloud:tenants[acme].agentConfig.temperature: 0.2",
      "note: not in production, left out: big-acme (add tenants to production by hand)",
      `note: only in production, not pinned by tenants[].image, so moving with image.ref to ${IMAGE_REF_A} (agentConfig unchanged): initech`,
      "wrote 2 changes to Pulumi.production.yaml; review and commit it, then deploy: npm run ops -- deploy --stack production",
    ]);
    expect(ctx.engine.stacks.production!.config["agent-cloud:tenants"]).toEqual([
      { id: "globex", replicas: 3, groups: ["stable"], agentConfig: { model: "claude-haiku" } },
      { id: "acme", replicas: 2, agentConfig: { model: "claude-sonnet-canary" } },
      { id: "initech", agentConfig: { model: "x" } },
    ]);
  });

  it("refuses when the history does not say what the group update's other tenants ran", async () => {
    const ctx = setup();
    await deployDev(ctx, ["beta"]); // v1, the first update the history holds
    await expect(promote(ctx, { from: "dev", to: "production", yes: true })).rejects.toThrow(
      new OpsError(
        'update v1 of stack "dev" was deployed with --group beta (tenants acme) and no earlier update in the stack\'s history records what tenants big-acme, globex ran then, so what v1 ran cannot be reconstructed; deploy "dev" without --group, test it, then promote that update',
      ),
    );
    expect(ctx.engine.callsOf("writeConfig")).toEqual([]);
  });

  it("a group update of every tenant carries what it recorded, as a full update does", async () => {
    const ctx = setup();
    for (const id of ["acme", "big-acme", "globex"]) editTenant(ctx, id, { groups: ["beta"] });
    editTenant(ctx, "globex", { agentConfig: { model: "claude-haiku-canary" } });
    await deployDev(ctx, ["beta"]); // v1, the first update the history holds
    expect(await promote(ctx, { from: "dev", to: "production", yes: true })).toBe(0);
    expect(ctx.engine.stacks.production!.config["agent-cloud:tenants"]).toEqual([
      {
        id: "globex",
        replicas: 3,
        groups: ["stable"],
        agentConfig: { model: "claude-haiku-canary" },
      },
      { id: "acme", replicas: 2, agentConfig: { model: "claude-sonnet", tools: ["search"] } },
      { id: "initech", agentConfig: { model: "x" } },
    ]);
  });
});

describe("promote: the target's image.ref is the source's stack image, not the one most tenants ran", () => {
  const BUILD = `ghcr.io/acme/agent@${DIGEST_B}`;
  const CUSTOM = `ghcr.io/acme/agent-acme-custom@sha256:${"c".repeat(64)}`;
  const OLD = `ghcr.io/acme/agent@sha256:${"a".repeat(64)}`;
  const HOOLI = `ghcr.io/acme/agent-hooli@sha256:${"d".repeat(64)}`;

  /** dev: acme and globex pinned to acme's custom image, initech on dev's build (its imageRef). */
  function setup(outputs: Record<string, { value: unknown; secret: boolean }> = {}) {
    const devCfg = {
      "agent-cloud:environment": "dev",
      "agent-cloud:domain": "dev.example.com",
      "agent-cloud:image": { context: "./app", repository: "ghcr.io/acme/agent" },
      "agent-cloud:tenants": [
        { id: "acme", image: CUSTOM },
        { id: "globex", image: CUSTOM },
        { id: "initech" },
      ],
    };
    const ran = (image: string) => ({ url: "https://x", image, groups: [] });
    const dev = memoryStack({
      config: devCfg,
      outputs: {
        imageRef: { value: BUILD, secret: false },
        environment: { value: "dev", secret: false },
        tenants: {
          value: { acme: ran(CUSTOM), globex: ran(CUSTOM), initech: ran(BUILD) },
          secret: false,
        },
        ...outputs,
      },
      history: [update({ version: 5, config: recordedConfig(devCfg) })],
    });
    const production = memoryStack({
      config: {
        "agent-cloud:environment": "production",
        "agent-cloud:domain": "agents.example.com",
        "agent-cloud:image": { repository: "ghcr.io/acme/agent", ref: OLD },
        "agent-cloud:tenants": [
          { id: "acme", image: CUSTOM },
          { id: "globex", image: CUSTOM },
          { id: "initech" },
          { id: "umbrella" },
          { id: "hooli", image: HOOLI },
        ],
      },
    });
    return testContext(new MemoryEngine({ dev, production }), { answer: true });
  }

  it("sets image.ref to dev's imageRef, keeps the custom image pinned, and says umbrella moves with image.ref", async () => {
    const ctx = setup();
    expect(await promote(ctx, { from: "dev", to: "production", yes: true })).toBe(0);
    expect(ctx.stdout.lines).toEqual([
      "promote dev (v5) → production: changes to Pulumi.production.yaml",
      `  ~ agent-cloud:image.ref: "${OLD}" → "${BUILD}"`,
      `note: only in production, not pinned by tenants[].image, so moving with image.ref to ${BUILD} (agentConfig unchanged): umbrella`,
      "note: only in production, unchanged (pinned by tenants[].image): hooli",
      "wrote 1 change to Pulumi.production.yaml; review and commit it, then deploy: npm run ops -- deploy --stack production",
    ]);
    expect(ctx.engine.stacks.production!.config).toEqual({
      "agent-cloud:environment": "production",
      "agent-cloud:domain": "agents.example.com",
      "agent-cloud:image": { repository: "ghcr.io/acme/agent", ref: BUILD },
      "agent-cloud:tenants": [
        { id: "acme", image: CUSTOM },
        { id: "globex", image: CUSTOM },
        { id: "initech" },
        { id: "umbrella" },
        { id: "hooli", image: HOOLI },
      ],
    });
  });

  it("pins every promoted tenant that ran another image to exactly that image", async () => {
    const ctx = setup();
    const tenants = ctx.engine.stacks.production!.config["agent-cloud:tenants"] as {
      id: string;
      image?: string;
    }[];
    for (const tenant of tenants) if (tenant.id !== "hooli") delete tenant.image;
    expect(await promote(ctx, { from: "dev", to: "production", yes: true })).toBe(0);
    expect(ctx.stdout.lines.slice(1, 4)).toEqual([
      `  ~ agent-cloud:image.ref: "${OLD}" → "${BUILD}"`,
      `  + agent-cloud:tenants[acme].image: "${CUSTOM}"`,
      `  + agent-cloud:tenants[globex].image: "${CUSTOM}"`,
    ]);
    expect(ctx.engine.stacks.production!.config["agent-cloud:tenants"]).toEqual([
      { id: "acme", image: CUSTOM },
      { id: "globex", image: CUSTOM },
      { id: "initech" },
      { id: "umbrella" },
      { id: "hooli", image: HOOLI },
    ]);
  });

  it.each([
    { name: "no imageRef output", outputs: { imageRef: undefined } },
    { name: "a secret imageRef output", outputs: { imageRef: { value: BUILD, secret: true } } },
  ])("refuses a source with $name, writing nothing", async ({ outputs }) => {
    const ctx = setup();
    const dev = ctx.engine.stacks.dev!;
    dev.outputs = Object.fromEntries(
      Object.entries({ ...dev.outputs, ...outputs }).filter((e) => e[1] !== undefined),
    ) as typeof dev.outputs;
    await expect(promote(ctx, { from: "dev", to: "production", yes: true })).rejects.toThrow(
      new OpsError(
        'promote: stack "dev" has no imageRef output in clear (the stack image its last update built or took, and runs for every tenant without tenants[].image), so there is no image to carry to "production"; deploy "dev" again, test it, then carry its image',
      ),
    );
    expect(ctx.engine.callsOf("writeConfig")).toEqual([]);
  });
});
