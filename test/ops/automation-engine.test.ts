/**
 * The real AutomationEngine through the real Automation API, against a stand-in `pulumi` on PATH
 * (see support/fake-pulumi.ts): which CLI calls it makes, that none of them asks for secrets, and
 * how CLI failures become the errors the user sees.
 */
import { existsSync, lstatSync, realpathSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AutomationEngine } from "../../ops/adapters/automation-engine";
import { overridesSet } from "../../stacks/config/overrides";
import {
  NotLoggedInError,
  OpsError,
  PulumiCliMissingError,
  UnknownStackError,
  UpdateInProgressError,
} from "../../ops/errors";
import { configFromText } from "../../ops/adapters/stack-file";
import { gitIn, initRepo } from "./support/git-repo";
import {
  type FakeCall,
  type FakeScenario,
  installFakePulumi,
  SECRET_VALUE,
  writeScenario,
} from "./support/fake-pulumi";
import { AGENT_CLOUD } from "../../testkit/type-tokens";

const IMAGE = `ghcr.io/acme/agent@sha256:${"a".repeat(64)}`;
const URN = "urn:pulumi:dev::agent-cloud::agent-cloud:tenant:TenantApp::dev-acme";

function scenario(partial: Partial<FakeScenario> = {}): FakeScenario {
  return {
    stacks: ["dev", "production"],
    history: [
      {
        version: 1,
        kind: "update",
        result: "succeeded",
        startTime: "2026-11-01T12:00:00.000Z",
        endTime: "2026-11-01T12:01:00.000Z",
        message: "deploy",
        environment: { "git.head": "1".repeat(40), "git.dirty": "false" },
        config: {
          "agent-cloud:environment": { value: "dev", secret: false },
          "agent-cloud:tenantSecrets": { secret: true },
        },
        resourceChanges: { create: 3 },
      },
      {
        version: 2,
        kind: "update",
        result: "failed",
        startTime: "2026-11-02T12:00:00.000Z",
        endTime: "2026-11-02T12:01:00.000Z",
        message: "deploy",
        environment: {},
        config: {},
        resourceChanges: { update: 1 },
      },
    ],
    outputs: { imageRef: IMAGE, environment: "dev" },
    secretOutputs: ["adminToken"],
    resources: [
      {
        urn: URN,
        type: AGENT_CLOUD.TenantApp,
        parent: "urn:pulumi:dev::agent-cloud::pulumi:pulumi:Stack::x",
      },
    ],
    previewChanges: { update: 1, same: 4 },
    ...partial,
  };
}

describe("AutomationEngine with a stand-in pulumi CLI", () => {
  let root: string;
  let project: string;
  let fake: string;
  let firstCommit: string;
  const originalPath = process.env.PATH;

  const calls = async (): Promise<FakeCall[]> =>
    (await readFile(path.join(fake, "calls.jsonl"), "utf8"))
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as FakeCall);
  const engine = () => new AutomationEngine({ workDir: project, worktreeRoot: root });

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "ops-auto-"));
    fake = path.join(root, "fake");
    const bin = await installFakePulumi(fake, scenario());
    process.env.PATH = `${bin}${path.delimiter}${originalPath}`;
    process.env.FAKE_PULUMI_DIR = fake;

    // A git repository whose Pulumi project lives in infra/, with stack files in infra/stacks/.
    const repo = path.join(root, "repo");
    project = path.join(repo, "infra");
    await mkdir(path.join(project, "stacks"), { recursive: true });
    await mkdir(path.join(project, "node_modules"));
    const git = initRepo(repo);
    await writeFile(path.join(repo, ".gitignore"), "node_modules/\n");
    await writeFile(
      path.join(project, "Pulumi.yaml"),
      "name: agent-cloud\nruntime: nodejs\nstackConfigDir: stacks\n",
    );
    await writeFile(path.join(project, "index.js"), "// v1\n");
    await writeFile(
      path.join(project, "stacks", "Pulumi.dev.yaml"),
      "encryptionsalt: v1:salt\nconfig:\n  agent-cloud:environment: dev\n",
    );
    git("add", ".");
    git("commit", "-q", "-m", "v1");
    firstCommit = git("rev-parse", "HEAD");
    await writeFile(path.join(project, "index.js"), "// v2\n");
    git("commit", "-q", "-am", "v2");
  });

  afterAll(async () => {
    process.env.PATH = originalPath;
    await rm(root, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await writeScenario(fake, scenario());
    await writeFile(path.join(fake, "calls.jsonl"), "");
  });

  it("reads history without --show-secrets and keeps no secret value", async () => {
    const history = await engine().history("dev");
    expect(history.map((u) => [u.version, u.result])).toEqual([
      [2, "failed"],
      [1, "succeeded"],
    ]);
    expect(history[1]!.config).toEqual({
      "agent-cloud:environment": { value: "dev", secret: false },
      "agent-cloud:tenantSecrets": { secret: true },
    });
    expect(history[1]!.environment["git.head"]).toBe("1".repeat(40));
    expect(history[1]!.startTime).toEqual(new Date("2026-11-01T12:00:00.000Z"));
    const argvs = (await calls()).map((c) => c.argv.join(" "));
    expect(argvs).toEqual([
      "version",
      "stack select --stack dev --non-interactive",
      "stack history --json --stack dev --non-interactive",
    ]);
    expect(argvs.filter((a) => a.includes("--show-secrets"))).toEqual([]);
    expect(JSON.stringify(history)).not.toContain(SECRET_VALUE);
  });

  it("gives each update the title of its git.head commit when the commit is here", async () => {
    const [first, second] = scenario().history;
    await writeScenario(
      fake,
      scenario({
        history: [
          { ...first!, message: "v1", environment: { "git.head": firstCommit } },
          second!,
          { ...first!, version: 3, message: "v1" },
        ],
      }),
    );
    const history = await engine().history("dev");
    expect(history.map((u) => [u.version, u.commitTitle])).toEqual([
      [3, undefined], // git.head 111…: not a commit of this repository
      [2, undefined], // no git.head
      [1, "v1"],
    ]);
  });

  it("reads outputs and state masked, never decrypted", async () => {
    const realEngine = engine();
    expect(await realEngine.outputs("dev")).toEqual({
      imageRef: { value: IMAGE, secret: false },
      environment: { value: "dev", secret: false },
      adminToken: { value: undefined, secret: true },
    });
    const resources = await realEngine.resources("dev");
    expect(resources.map((r) => [r.urn, r.type, r.parent])).toEqual([
      [URN, AGENT_CLOUD.TenantApp, "urn:pulumi:dev::agent-cloud::pulumi:pulumi:Stack::x"],
    ]);
    expect(JSON.stringify(resources)).not.toContain(SECRET_VALUE);
    const argvs = (await calls()).map((c) => c.argv.join(" "));
    expect(argvs).toContain("stack output --json --stack dev --non-interactive");
    expect(argvs).toContain("stack export --stack dev --non-interactive");
    expect(argvs.filter((a) => a.includes("--show-secrets"))).toEqual([]);
  });

  it("previews with targets, dependents and the program's env vars, and reads the change summary", async () => {
    const streamed: string[] = [];
    const preview = await engine().preview("dev", {
      env: { AGENT_CLOUD_SKIP_BUILD: "1", AGENT_CLOUD_IMAGE_REF: IMAGE },
      target: [URN],
      targetDependents: true,
      onOutput: (t) => streamed.push(t),
    });
    expect(preview.changeSummary).toEqual({ update: 1, same: 4 });
    expect(streamed.join("")).toBe("Previewing update (dev):\n");
    const call = (await calls()).find((c) => c.argv[0] === "preview")!;
    expect(call.argv).toEqual(
      expect.arrayContaining(["--target", URN, "--target-dependents", "--stack", "dev"]),
    );
    // The stand-in logs every AGENT_CLOUD_* variable it sees: those of the test's own
    // environment (e.g. CI's) pass through unchanged, the program's are added and its other
    // overrides are empty.
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => k.startsWith("AGENT_CLOUD_")),
    );
    expect(call.env).toEqual({
      ...inherited,
      AGENT_CLOUD_SKIP_BUILD: "1",
      AGENT_CLOUD_IMAGE_REF: IMAGE,
      AGENT_CLOUD_REBUILD: "",
      AGENT_CLOUD_IMAGE_TAG: "",
      AGENT_CLOUD_TENANT_IMAGES: "",
      AGENT_CLOUD_ADOPT_DATABASES: "",
      AGENT_CLOUD_DATABASE_MOVED: "",
    });
    expect(call.cwd).toBe(project);
  });

  it("never passes on image overrides left in the shell: the program gets only what the command sets", async () => {
    const left = {
      AGENT_CLOUD_SKIP_BUILD: "1",
      AGENT_CLOUD_IMAGE_REF: `ghcr.io/acme/agent@sha256:${"e".repeat(64)}`,
      AGENT_CLOUD_REBUILD: "yesterday",
      AGENT_CLOUD_IMAGE_TAG: "stale",
      AGENT_CLOUD_TENANT_IMAGES: JSON.stringify({ acme: IMAGE }),
      AGENT_CLOUD_UNRELATED: "kept",
    };
    const before = { ...process.env };
    Object.assign(process.env, left);
    try {
      expect(overridesSet(process.env)).toEqual([
        "AGENT_CLOUD_SKIP_BUILD",
        "AGENT_CLOUD_IMAGE_REF",
        "AGENT_CLOUD_REBUILD",
        "AGENT_CLOUD_IMAGE_TAG",
        "AGENT_CLOUD_TENANT_IMAGES",
      ]);
      await engine().up("dev", { message: "deploy", env: { AGENT_CLOUD_IMAGE_TAG: "v2" } });
    } finally {
      for (const key of Object.keys(left)) delete process.env[key];
      Object.assign(process.env, before);
    }
    const call = (await calls()).find((c) => c.argv[0] === "up")!;
    expect(call.env).toMatchObject({
      AGENT_CLOUD_SKIP_BUILD: "",
      AGENT_CLOUD_IMAGE_REF: "",
      AGENT_CLOUD_REBUILD: "",
      AGENT_CLOUD_IMAGE_TAG: "v2",
      AGENT_CLOUD_TENANT_IMAGES: "",
      AGENT_CLOUD_UNRELATED: "kept",
    });
  });

  it("reports each step a preview would take with its parent, leaving out unchanged resources", async () => {
    const platform = "urn:pulumi:dev::agent-cloud::agent-cloud:platform:Platform::dev";
    const app = `urn:pulumi:dev::agent-cloud::agent-cloud:platform:Platform$${AGENT_CLOUD.TenantApp}::dev-tenant-acme`;
    const key = `urn:pulumi:dev::agent-cloud::agent-cloud:platform:Platform$${AGENT_CLOUD.TenantApp}$random:index/randomPassword:RandomPassword::dev-tenant-acme-api-key`;
    const old = `urn:pulumi:dev::agent-cloud::agent-cloud:platform:Platform$${AGENT_CLOUD.TenantApp}$kubernetes:core/v1:ConfigMap::dev-tenant-acme-config`;
    const state = (urn: string, type: string, parent: string) => ({
      urn,
      type,
      parent,
      id: "",
      inputs: {},
      outputs: {},
      provider: "",
    });
    const pre = (op: string, urn: string, type: string, before?: object, after?: object) => ({
      resourcePreEvent: {
        metadata: { op, urn, type, old: before, new: after, provider: "" },
      },
    });
    const randomType = "random:index/randomPassword:RandomPassword";
    const configMapType = "kubernetes:core/v1:ConfigMap";
    await writeScenario(
      fake,
      scenario({
        events: [
          pre(
            "same",
            app,
            AGENT_CLOUD.TenantApp,
            undefined,
            state(app, AGENT_CLOUD.TenantApp, platform),
          ),
          pre("replace", key, randomType, state(key, randomType, app), state(key, randomType, app)),
          pre("delete", old, configMapType, state(old, configMapType, app)),
        ],
      }),
    );
    const preview = await engine().preview("dev", {});
    expect(preview.steps).toEqual([
      { op: "replace", urn: key, type: randomType, parent: app },
      { op: "delete", urn: old, type: configMapType, parent: app },
    ]);
  });

  it("runs up with the message and reads the summary without secrets", async () => {
    const outcome = await engine().up("dev", { message: "deploy commit=abc1234" });
    expect(outcome).toMatchObject({ version: 2, result: "failed", resourceChanges: { update: 1 } });
    expect(outcome.outputs.adminToken).toEqual({ value: undefined, secret: true });
    expect(JSON.stringify(outcome)).not.toContain(SECRET_VALUE);
    const argvs = (await calls()).map((c) => c.argv);
    const up = argvs.find((a) => a[0] === "up")!;
    expect(up.slice(0, 5)).toEqual([
      "up",
      "--yes",
      "--skip-preview",
      "--message",
      "deploy commit=abc1234",
    ]);
    const histories = argvs.filter((a) => a[0] === "stack" && a[1] === "history");
    expect(histories.length).toBeGreaterThan(0);
    expect(histories.filter((a) => a.includes("--show-secrets"))).toEqual([]);
  });

  it("turns a held lock into UpdateInProgressError", async () => {
    await writeScenario(fake, scenario({ locked: true }));
    const error = await engine()
      .up("dev", {})
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpdateInProgressError);
    expect((error as Error).message).toMatch(/^stack "dev" has an update in progress/);
  });

  it("turns an unknown stack into UnknownStackError listing the stacks", async () => {
    const error = await engine()
      .selectStack("staging")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownStackError);
    expect((error as Error).message).toBe(
      'stack "staging" does not exist; stacks of this project: dev, production',
    );
  });

  it("reads and writes the stack file under stackConfigDir", async () => {
    const realEngine = engine();
    expect(realEngine.configFileName("dev")).toBe(path.join("stacks", "Pulumi.dev.yaml"));
    expect(await realEngine.readConfig("dev")).toEqual({ "agent-cloud:environment": "dev" });
    await realEngine.writeConfig("production", [
      { key: "agent-cloud:image", path: ["ref"], value: IMAGE },
    ]);
    expect(await realEngine.readConfig("production")).toEqual({
      "agent-cloud:image": { ref: IMAGE },
    });
    await rm(path.join(project, "stacks", "Pulumi.production.yaml"));
  });

  it("lifts protection with pulumi state unprotect, one URN at a time", async () => {
    await engine().unprotect("dev", [URN]);
    const argvs = (await calls()).map((c) => c.argv.join(" "));
    expect(argvs).toContain(`state unprotect ${URN} --yes --stack dev --non-interactive`);
  });

  it("runs a rollback under the project's policy pack, not the old commit's", async () => {
    const realEngine = engine();
    const config = { "agent-cloud:environment": "dev" };
    await realEngine.preview("dev", {
      source: { commit: firstCommit, config },
      policyPacks: ["policy"],
    });
    const run = (await calls()).find((c) => c.argv[0] === "preview")!;
    expect(run.argv).toEqual(
      expect.arrayContaining(["--policy-pack", path.join(project, "policy")]),
    );
    await realEngine.dispose();
  });

  it("runs a rollback source from a worktree of its commit, with its config, then removes it", async () => {
    const realEngine = engine();
    const config = {
      "agent-cloud:environment": "dev",
      "agent-cloud:tenantSecrets": { secure: "v1:abc" },
    };
    await realEngine.preview("dev", { source: { commit: firstCommit, config } });
    await realEngine.up("dev", {
      source: { commit: firstCommit, config },
      message: "rollback to v1",
    });
    const runs = (await calls()).filter((c) => c.argv[0] === "preview" || c.argv[0] === "up");
    expect(runs).toHaveLength(2);
    const [previewCwd, upCwd] = runs.map((c) => c.cwd);
    expect(upCwd).toBe(previewCwd);
    expect(previewCwd).toMatch(/agent-cloud-rollback-[^/]+\/tree\/infra$/);
    expect(await readFile(path.join(previewCwd!, "index.js"), "utf8")).toBe("// v1\n");
    // The packages sit beside the worktree (its parent folder), outside git's work tree.
    const beside = path.join(previewCwd!, "..", "..", "node_modules");
    expect(lstatSync(beside).isSymbolicLink()).toBe(true);
    expect(realpathSync(beside)).toBe(realpathSync(path.join(project, "node_modules")));
    expect(existsSync(path.join(previewCwd!, "node_modules"))).toBe(false);
    const stackFile = await readFile(path.join(previewCwd!, "stacks", "Pulumi.dev.yaml"), "utf8");
    expect(stackFile).toContain("encryptionsalt: v1:salt");
    expect(configFromText(stackFile)).toEqual(config);
    await realEngine.dispose();
    expect(existsSync(previewCwd!)).toBe(false);
    expect(existsSync(path.join(project, "node_modules"))).toBe(true);
    expect(await readFile(path.join(project, "index.js"), "utf8")).toBe("// v2\n");
  });

  it("keeps a rollback worktree clean for git, so Pulumi records its update at the commit, not dirty", async () => {
    const realEngine = engine();
    const config = { "agent-cloud:environment": "dev", "agent-cloud:domain": "dev.example.com" };
    const streamed: string[] = [];
    await realEngine.preview("dev", {
      source: { commit: firstCommit, config },
      onOutput: (t) => streamed.push(t),
    });
    const cwd = (await calls()).find((c) => c.argv[0] === "preview")!.cwd;
    // What the Pulumi CLI runs there to record git.dirty (metadata.go isGitWorkTreeDirty).
    expect(gitIn(() => cwd)("status", "--porcelain", "-z")).toBe("");
    expect(
      configFromText(await readFile(path.join(cwd, "stacks", "Pulumi.dev.yaml"), "utf8")),
    ).toEqual(config);
    expect(streamed).toEqual([
      `packages: commit ${firstCommit.slice(0, 12)} has no package-lock.json; using the project's node_modules, whose versions may differ from what it ran\n`,
      "Previewing update (dev):\n",
    ]);
    // The skip-worktree bit is in the worktree's own index: the project's checkout is untouched.
    const projectGit = gitIn(() => project);
    expect(projectGit("ls-files", "-v", "--", "stacks/Pulumi.dev.yaml")).toBe(
      "H stacks/Pulumi.dev.yaml",
    );
    expect(projectGit("status", "--porcelain")).toBe("");
    await realEngine.dispose();
  });

  /**
   * A repository whose project is at its top, with v1 locking `lockThen` and HEAD `lockNow`, the
   * project's node_modules installed, and a stand-in npm that logs its argv and folder and
   * "installs" a marker package; returns the project, v1's sha and the stand-in's log.
   */
  async function lockedProject(
    name: string,
    lockThen: string,
    lockNow: string,
    npm: "installs" | "fails" | "hangs" = "installs",
  ) {
    const dir = path.join(root, name);
    await mkdir(path.join(dir, "node_modules", "today"), { recursive: true });
    const git = initRepo(dir);
    await writeFile(path.join(dir, ".gitignore"), "node_modules/\n");
    await writeFile(path.join(dir, "Pulumi.yaml"), "name: agent-cloud\nruntime: nodejs\n");
    await writeFile(path.join(dir, "Pulumi.dev.yaml"), "config:\n  agent-cloud:environment: dev\n");
    await writeFile(path.join(dir, "package.json"), '{ "name": "agent-cloud" }\n');
    await writeFile(path.join(dir, "package-lock.json"), lockThen);
    git("add", ".");
    git("commit", "-q", "-m", "v1");
    const v1 = git("rev-parse", "HEAD");
    await writeFile(path.join(dir, "package-lock.json"), lockNow);
    await writeFile(path.join(dir, "index.js"), "// v2\n");
    git("add", ".");
    git("commit", "-q", "-m", "v2");
    const log = path.join(dir, "..", `${name}-npm.jsonl`);
    const npmPath = path.join(dir, "..", `${name}-npm`);
    await writeFile(
      npmPath,
      `#!${process.execPath}\n` +
        `const fs = require("node:fs");\n` +
        `fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ argv: process.argv.slice(2), cwd: process.cwd() }) + "\\n");\n` +
        (npm === "hangs"
          ? `setTimeout(() => undefined, 60_000);\n`
          : npm === "fails"
            ? `process.stderr.write("npm error code ETIMEDOUT\\nnpm error network request to https://registry.npmjs.org/yaml failed\\n"); process.exit(1);\n`
            : `fs.mkdirSync("node_modules/locked", { recursive: true });\n` +
              `fs.copyFileSync("package-lock.json", "node_modules/locked/package-lock.json");\n`),
      { mode: 0o755 },
    );
    const npmCalls = async () =>
      existsSync(log)
        ? (await readFile(log, "utf8"))
            .split("\n")
            .filter((l) => l !== "")
            .map((l) => JSON.parse(l) as { argv: string[]; cwd: string })
        : [];
    const lockedEngine = new AutomationEngine({
      workDir: dir,
      worktreeRoot: root,
      npm: npmPath,
      npmTimeoutMs: 1000,
    });
    return { dir, v1, npmCalls, lockedEngine };
  }

  it("installs a rollback commit's own locked packages (npm ci) beside its worktree when its lockfile differs", async () => {
    const { dir, v1, npmCalls, lockedEngine } = await lockedProject(
      "lock-differs",
      '{ "lockfileVersion": 3, "k8s": "4.18.0" }\n',
      '{ "lockfileVersion": 3, "k8s": "4.23.0" }\n',
    );
    const streamed: string[] = [];
    const source = { commit: v1, config: { "agent-cloud:environment": "dev" } };
    await lockedEngine.preview("dev", { source, onOutput: (t) => streamed.push(t) });
    await lockedEngine.up("dev", { source, message: "rollback to v1" });
    const cwd = (await calls()).find((c) => c.argv[0] === "preview")!.cwd;
    expect(cwd).toMatch(/agent-cloud-rollback-[^/]+\/tree$/);
    // Once per worktree, in the worktree's project folder, pinned there by --prefix.
    expect(await npmCalls()).toEqual([
      {
        argv: [
          "ci",
          "--prefix",
          cwd,
          "--ignore-scripts",
          "--no-audit",
          "--no-fund",
          "--include=dev",
        ],
        cwd,
      },
    ]);
    expect(streamed).toEqual([
      `packages: commit ${v1.slice(0, 12)}'s package-lock.json differs from the project's; installing its locked packages (npm ci)\n`,
      "Previewing update (dev):\n",
    ]);
    // Installed from v1's lockfile, moved beside the worktree; the project's own left alone.
    const beside = path.join(cwd, "..", "node_modules");
    expect(lstatSync(beside).isDirectory()).toBe(true);
    expect(await readFile(path.join(beside, "locked", "package-lock.json"), "utf8")).toBe(
      '{ "lockfileVersion": 3, "k8s": "4.18.0" }\n',
    );
    expect(existsSync(path.join(cwd, "node_modules"))).toBe(false);
    expect(existsSync(path.join(dir, "node_modules", "today"))).toBe(true);
    expect(existsSync(path.join(dir, "node_modules", "locked"))).toBe(false);
    expect(gitIn(() => cwd)("status", "--porcelain", "-z")).toBe("");
    await lockedEngine.dispose();
  });

  it("links the project's node_modules when the rollback commit's lockfile is the project's", async () => {
    const lock = '{ "lockfileVersion": 3, "k8s": "4.23.0" }\n';
    const { dir, v1, npmCalls, lockedEngine } = await lockedProject("lock-same", lock, lock);
    const streamed: string[] = [];
    const source = { commit: v1, config: { "agent-cloud:environment": "dev" } };
    await lockedEngine.preview("dev", { source, onOutput: (t) => streamed.push(t) });
    const cwd = (await calls()).find((c) => c.argv[0] === "preview")!.cwd;
    expect(await npmCalls()).toEqual([]);
    expect(streamed).toEqual([
      `packages: commit ${v1.slice(0, 12)}'s package-lock.json is the project's; using the project's node_modules\n`,
      "Previewing update (dev):\n",
    ]);
    const beside = path.join(cwd, "..", "node_modules");
    expect(lstatSync(beside).isSymbolicLink()).toBe(true);
    expect(realpathSync(beside)).toBe(realpathSync(path.join(dir, "node_modules")));
    expect(gitIn(() => cwd)("status", "--porcelain", "-z")).toBe("");
    await lockedEngine.dispose();
    expect(existsSync(path.join(dir, "node_modules", "today"))).toBe(true);
  });

  it("says which npm ci failed and why, and runs nothing", async () => {
    const { v1, npmCalls, lockedEngine } = await lockedProject(
      "lock-offline",
      '{ "lockfileVersion": 3, "k8s": "4.18.0" }\n',
      '{ "lockfileVersion": 3, "k8s": "4.23.0" }\n',
      "fails",
    );
    const source = { commit: v1, config: { "agent-cloud:environment": "dev" } };
    const error = await lockedEngine.preview("dev", { source }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpsError);
    expect((error as Error).message).toBe(
      `npm ci of commit ${v1.slice(0, 12)}'s package-lock.json failed, so the rollback cannot run the packages it locked: npm error code ETIMEDOUT\nnpm error network request to https://registry.npmjs.org/yaml failed; fix the cause (registry access, npm login), then retry`,
    );
    expect((await calls()).filter((c) => c.argv[0] === "preview")).toEqual([]);
    const [npmCall] = await npmCalls();
    await lockedEngine.dispose();
    expect(existsSync(npmCall!.cwd)).toBe(false);
  });

  it("says what it installs before npm ci runs, and stops one that hangs", async () => {
    const { v1, lockedEngine } = await lockedProject(
      "lock-hangs",
      '{ "lockfileVersion": 3, "k8s": "4.18.0" }\n',
      '{ "lockfileVersion": 3, "k8s": "4.23.0" }\n',
      "hangs",
    );
    const streamed: string[] = [];
    const source = { commit: v1, config: { "agent-cloud:environment": "dev" } };
    const error = await lockedEngine
      .preview("dev", { source, onOutput: (t) => streamed.push(t) })
      .catch((e: unknown) => e);
    expect(streamed).toEqual([
      `packages: commit ${v1.slice(0, 12)}'s package-lock.json differs from the project's; installing its locked packages (npm ci)\n`,
    ]);
    expect((error as Error).message).toBe(
      `npm ci of commit ${v1.slice(0, 12)}'s package-lock.json failed, so the rollback cannot run the packages it locked: it was still running after 1 s, stopped; fix the cause (registry access, npm login), then retry`,
    );
    expect((await calls()).filter((c) => c.argv[0] === "preview")).toEqual([]);
    await lockedEngine.dispose();
  });

  it("reports the git state of the project", async () => {
    const realEngine = engine();
    const state = await realEngine.gitState();
    expect(state.dirty).toBe(false);
    expect(await realEngine.hasCommit(firstCommit)).toBe(true);
    expect(await realEngine.hasCommit("f".repeat(40))).toBe(false);
  });

  it("checks the CLI is logged in, once per engine", async () => {
    const realEngine = engine();
    await realEngine.ensureCli();
    await realEngine.ensureCli();
    expect((await calls()).map((c) => c.argv.join(" "))).toEqual([
      "version",
      "whoami --json --non-interactive",
    ]);
  });

  it("says how to log in when the CLI has no backend", async () => {
    await writeScenario(fake, scenario({ loggedOut: true }));
    const error = await engine()
      .ensureCli()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotLoggedInError);
    expect((error as Error).message).toBe(
      'the Pulumi CLI is not logged in to a backend (error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions); run "pulumi login" (Pulumi Cloud, or set PULUMI_ACCESS_TOKEN), or set PULUMI_BACKEND_URL to a self-managed backend such as s3://bucket; the local stack (npm run local:up) lives in file://' +
        path.join(project, ".pulumi-state") +
        " with PULUMI_CONFIG_PASSPHRASE=agent-cloud-local",
    );
  });

  it("refuses a CLI older than 3.174, which cannot import a retained database and update it", async () => {
    await writeScenario(fake, scenario({ cliVersion: "v3.173.0" }));
    const error = await engine()
      .ensureCli()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpsError);
    expect((error as Error).message).toBe(
      "the Pulumi CLI on PATH cannot be used: Minimum version requirement failed. The minimum CLI version requirement is 3.174.0, your current CLI version is v3.173.0. Please update the Pulumi CLI.",
    );
  });

  it("says how to install Pulumi when it is not on PATH", async () => {
    process.env.PATH = path.join(root, "empty");
    try {
      await expect(engine().ensureCli()).rejects.toBeInstanceOf(PulumiCliMissingError);
    } finally {
      process.env.PATH = `${path.join(fake, "bin")}${path.delimiter}${originalPath}`;
    }
  });
});
