/**
 * Releases end to end: the ops commands against an in-memory engine that runs the real program
 * under mocks for every preview and update, over a real git repository. v1 builds digest A, v2
 * builds digest B with a new tenant and a config change, then a rollback to v1 must run A with
 * v1's config, build nothing, keep the new tenant (its database retained), and history must show
 * all three with digests, actor and names. A group canary and previews are checked the same way.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deploy } from "../../ops/commands/deploy";
import { DEV_DEPLOY as DEPLOY } from "./support/fixtures";
import { history } from "../../ops/commands/history";
import { rollback } from "../../ops/commands/rollback";
import { status } from "../../ops/commands/status";
import { OPERATOR_SECRETS, readStackFile } from "../../testkit/stack-files";
import { DIGEST_A, DIGEST_B, testContext, type TestContext } from "../../testkit/ops/fakes";
import { memoryStack } from "../../testkit/ops/memory-engine";
import { initRepo, type GitRunner } from "./support/git-repo";
import { ProgramEngine } from "./support/program-engine";
import { DOCKER_BUILD, KUBERNETES } from "../../testkit/type-tokens";

const REPO = "ghcr.io/example-org/agent-cloud/agent";
const IMAGE_A = `${REPO}@${DIGEST_A}`;
const IMAGE_B = `${REPO}@${DIGEST_B}`;

interface Tenant {
  id: string;
  groups?: string[];
  agentConfig?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Pulumi.dev.yaml as shipped, with its secrets as ciphertext the way the stack file holds them. */
function devFile(): Record<string, unknown> {
  const config: Record<string, unknown> = { ...readStackFile("dev") };
  for (const key of Object.keys(OPERATOR_SECRETS.dev)) config[key] = { secure: `v1:${key}` };
  return config;
}

let dir: string;
let git: GitRunner;
let ctx: TestContext & { engine: ProgramEngine };

/** Commits the stack file as the engine holds it, like a developer before a deploy. */
async function commit(message: string): Promise<string> {
  await writeFile(
    path.join(dir, "Pulumi.dev.yaml"),
    JSON.stringify(ctx.engine.stacks.dev!.config, null, 2),
  );
  git("add", "-A");
  git("commit", "-q", "-m", message);
  return git("rev-parse", "HEAD");
}

function tenants(): Tenant[] {
  return ctx.engine.stacks.dev!.config["agent-cloud:tenants"] as Tenant[];
}

/** Tenant Deployment name → image, of one program run. */
function tenantImages(run: { images: Record<string, string> }): Record<string, string> {
  return Object.fromEntries(
    Object.entries(run.images).filter(([name]) => name.includes("-tenant-")),
  );
}

/** Tenant Deployment name → image of the last program run. */
function lastImages(): Record<string, string> {
  return tenantImages(ctx.engine.runs.at(-1)!);
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "agent-cloud-releases-"));
  git = initRepo(dir, "Rita Release");
  const engine = new ProgramEngine(
    { dev: memoryStack({ config: devFile() }) },
    dir,
    OPERATOR_SECRETS.dev,
    [DIGEST_A, DIGEST_B, `sha256:${"c".repeat(64)}`],
  );
  ctx = testContext(engine, { answer: true }) as TestContext & { engine: ProgramEngine };
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("releases", () => {
  it("v1 (A), v2 (B, a new tenant, a config change), rollback to v1: A with v1's config, no build, the new tenant kept with its database; history shows all three", async () => {
    const commitV1 = await commit("v1");
    expect(await deploy(ctx, { ...DEPLOY, release: "first" })).toBe(0);
    expect(ctx.engine.runs.at(-1)!.built).toBe(true);
    expect(Object.values(lastImages())).toEqual([IMAGE_A, IMAGE_A, IMAGE_A]);

    tenants()[0]!.agentConfig = { model: "claude-opus-4-1", systemPrompt: "v2 prompt" };
    tenants().push({ id: "hooli", plan: "starter", groups: ["general"] });
    const commitV2 = await commit("v2");
    expect(await deploy(ctx, { ...DEPLOY, release: "second" })).toBe(0);
    expect(ctx.engine.runs.at(-1)!.built).toBe(true);
    expect(lastImages()).toEqual({
      "dev-tenant-acme-deployment": IMAGE_B,
      "dev-tenant-globex-deployment": IMAGE_B,
      "dev-tenant-initech-deployment": IMAGE_B,
      "dev-tenant-hooli-deployment": IMAGE_B,
    });

    ctx.stdout.text = "";
    expect(await rollback(ctx, { stack: "dev", to: "first", yes: true, release: "undo" })).toBe(0);
    const [previewRun, upRun] = ctx.engine.runs.slice(-2);
    // Neither the rollback's preview nor its update registers a build.
    expect([previewRun!.built, upRun!.built]).toEqual([false, false]);
    expect(tenantImages(upRun!)).toEqual({
      "dev-tenant-acme-deployment": IMAGE_A,
      "dev-tenant-globex-deployment": IMAGE_A,
      "dev-tenant-initech-deployment": IMAGE_A,
      // Added after v1: kept, on the image it ran.
      "dev-tenant-hooli-deployment": IMAGE_B,
    });
    // v1's config: acme's agent config as v1 ran it.
    // (The agent config is a key of the tenant's Secret.)
    const acmeConfig = upRun!.resources.find(
      (r) => r.type === KUBERNETES.Secret && r.name === "dev-tenant-acme-secret",
    );
    const agentJson = String(acmeConfig?.inputs.stringData?.["agent.json"]);
    expect(agentJson).toContain("claude-sonnet-4-5");
    expect(agentJson).not.toContain("claude-opus-4-1");
    // hooli's database and role are still declared, and retained if ever removed.
    const hooliData = upRun!.resources.filter(
      (r) => r.type.startsWith("postgresql:index/") && /-hooli-(role|database)$/.test(r.name),
    );
    expect(hooliData.map((r) => [r.name, r.retainOnDelete])).toEqual([
      ["dev-database-hooli-role", true],
      ["dev-database-hooli-database", true],
    ]);
    expect(ctx.stdout.lines).toContain(
      "tenants added after v1, kept as they run now (--prune removes them): hooli",
    );
    const [up] = ctx.engine.callsOf("up").slice(-1);
    expect((up!.args as { source: { commit: string } }).source.commit).toBe(commitV1);
    expect((up!.args as { policyPacks: string[] }).policyPacks).toEqual(["policy"]);

    ctx.stdout.text = "";
    expect(await history(ctx, { stack: "dev" })).toBe(0);
    const short = (sha: string) => sha.slice(0, 12);
    const rows = ctx.stdout.lines.slice(1).map((l) => l.split(/\s{2,}/));
    expect(rows.map((r) => [r[0], r[4], r[5], r[6], r[7], r[8]])).toEqual([
      [
        "v3",
        "undo",
        "Rita Release",
        short(commitV1),
        "sha256:aaaaaaaaaaaa, hooli=sha256:bbbbbbbbbbbb",
        "rollback to v1",
      ],
      ["v2", "second", "Rita Release", short(commitV2), "sha256:bbbbbbbbbbbb", "-"],
      ["v1", "first", "Rita Release", short(commitV1), "sha256:aaaaaaaaaaaa", "-"],
    ]);
    expect(ctx.stdout.text).not.toMatch(/sk-ant-test|pg-admin-test|registry-test|cf-test/);
  });

  it("a group canary changes only the group's Deployments' digests, and the next full deploy says which tenants change", async () => {
    await commit("v1");
    expect(await deploy(ctx, DEPLOY)).toBe(0);
    expect(await deploy(ctx, { ...DEPLOY, groups: ["general"], force: true })).toBe(0);
    expect(lastImages()).toEqual({
      "dev-tenant-acme-deployment": IMAGE_A,
      "dev-tenant-globex-deployment": IMAGE_A,
      "dev-tenant-initech-deployment": IMAGE_B,
    });
    const [, canary] = ctx.engine.callsOf("up");
    const target = (canary!.args as { target: string[] }).target;
    // initech's own objects and database, the build, the proxy: never another tenant's.
    expect(target.some((u) => u.endsWith("::dev-database-initech-role"))).toBe(true);
    expect(target.some((u) => u.endsWith("::dev-image-image"))).toBe(true);
    expect(target.some((u) => /acme|globex/.test(u.split("::").pop()!))).toBe(false);

    // Rolling the canary's image out to everyone: the others change, initech already runs it.
    ctx.stdout.text = "";
    expect(await deploy(ctx, { ...DEPLOY, skipBuild: true })).toBe(0);
    expect(ctx.stdout.lines).toContain("tenants whose image changes: acme, globex");
    expect(Object.values(lastImages())).toEqual([IMAGE_B, IMAGE_B, IMAGE_B]);
  });

  it("previews build nothing: deploy --dry-run and status only preview, and the program's build is skipped on preview", async () => {
    await commit("v1");
    expect(await deploy(ctx, { ...DEPLOY, dryRun: true })).toBe(0);
    await status(ctx, { stack: "dev", skipPreview: false });
    expect(ctx.engine.callsOf("up")).toEqual([]);
    expect(ctx.engine.runs.map((r) => r.method)).toEqual(["preview", "preview"]);
    for (const run of ctx.engine.runs) {
      const builds = run.resources.filter((r) => r.type === DOCKER_BUILD.Image);
      expect(builds.map((b) => b.inputs.buildOnPreview)).toEqual([false]);
    }
    for (const call of ctx.engine.callsOf("preview")) {
      expect(Object.keys((call.args as { env?: object }).env ?? {})).not.toContain(
        "AGENT_CLOUD_REBUILD",
      );
    }
  });
});
