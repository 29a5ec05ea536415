/**
 * The ops commands for real: the Automation API and the `pulumi` CLI against the local file
 * backend (passphrase secrets), with a tiny provider-free program in a throwaway git repository
 * (component resources only, shaped like the platform's: proxy, tenants, the stack outputs the ops
 * tool reads). Tenant URLs point at a local HTTP server on 127.0.0.1.
 *
 * Runs wherever `pulumi` is on PATH; skipped, with a note saying why, where it is not.
 */
import { accessSync, constants, existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AutomationEngine } from "../../ops/adapters/automation-engine";
import { main } from "../../ops/cli";
import type { OpsContext } from "../../ops/context";
import { FetchHealthChecker } from "../../ops/adapters/health";
import { applyChangesToText, configFromText } from "../../ops/adapters/stack-file";
import { waitFor } from "../../testkit/edge/ports";
import { FakeDns, FakeLogs, TextSink } from "../../testkit/ops/fakes";
import { gitIn, initRepo } from "./support/git-repo";

function pulumiOnPath(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, "pulumi");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

const PULUMI = pulumiOnPath();
if (PULUMI === undefined) {
  console.warn(
    "test/ops/integration.test.ts skipped: the pulumi CLI is not on PATH, so the Automation API cannot run " +
      "(install it with: curl -fsSL https://get.pulumi.com | sh). The same commands are covered against an " +
      "in-memory engine and through the Automation API with a stand-in CLI (automation-engine.test.ts).",
  );
}

const PROJECT_ROOT = path.resolve(__dirname, "../..");
const SECRET = "it-secret-value-never-printed";

/** The provider-free program: components only, reading config and the deploy env vars. */
const PROGRAM = (version: string) => `
const pulumi = require("@pulumi/pulumi");
const crypto = require("node:crypto");
class Part extends pulumi.ComponentResource {
  constructor(type, name, args, opts) { super(type, name, args, opts); this.registerOutputs({}); }
}
module.exports = (async () => {
  const config = new pulumi.Config("agent-cloud");
  const stack = pulumi.getStack();
  const environment = config.require("environment");
  const baseUrl = config.require("baseUrl");
  const image = config.getObject("image") || {};
  const tenants = config.getObject("tenants") || [];
  if (process.env.OPS_IT_STARTED) require("node:fs").writeFileSync(process.env.OPS_IT_STARTED, "");
  if (process.env.OPS_IT_SLOW_MS) await new Promise((r) => setTimeout(r, Number(process.env.OPS_IT_SLOW_MS)));
  const tag = process.env.AGENT_CLOUD_IMAGE_TAG || image.tag || "latest";
  const digest = crypto.createHash("sha256").update(tag + (process.env.AGENT_CLOUD_REBUILD || "")).digest("hex");
  const imageRef = process.env.AGENT_CLOUD_SKIP_BUILD === "1"
    ? process.env.AGENT_CLOUD_IMAGE_REF
    : image.ref || "registry.test/agent:" + tag + "@sha256:" + digest;
  const proxy = new Part("agent-cloud:edge:ManagementProxy", stack + "-proxy", {});
  new Part("agent-cloud:edge:RouteTable", stack + "-proxy-routes", { hosts: tenants.map((t) => t.id).join(",") }, { parent: proxy });
  const out = {};
  for (const t of tenants) {
    const app = new Part("agent-cloud:tenant:TenantApp", stack + "-" + t.id, { image: imageRef, agentConfig: JSON.stringify(t.agentConfig || {}) });
    new Part("agent-cloud:tenant:Workload", stack + "-" + t.id + "-app", { image: imageRef }, { parent: app });
    out[t.id] = { url: baseUrl + "/" + t.id, namespace: environment + "-tenant-" + t.id, image: imageRef, groups: t.groups || [] };
  }
  return { imageRef, tenants: out, environment, proxyAddress: "127.0.0.1", programVersion: ${JSON.stringify(version)} };
})();
`;

describe.skipIf(PULUMI === undefined)(
  "ops commands against real Pulumi (local file backend)",
  () => {
    let root: string;
    let repo: string;
    let server: Server;
    let env: Record<string, string>;
    const git = gitIn(() => repo);

    function context(
      extraEnv: Record<string, string> = {},
    ): OpsContext & { stdout: TextSink; stderr: TextSink } {
      return {
        engine: new AutomationEngine({
          workDir: repo,
          envVars: { ...env, ...extraEnv },
          worktreeRoot: root,
        }),
        stdout: new TextSink(),
        stderr: new TextSink(),
        health: new FetchHealthChecker(),
        dns: new FakeDns({ "127.0.0.1": ["127.0.0.1"] }),
        logs: new FakeLogs(),
        confirm: () => Promise.resolve(true),
        now: () => new Date(),
      };
    }

    async function run(argv: string[], extraEnv: Record<string, string> = {}) {
      const ctx = context(extraEnv);
      const code = await main(argv, ctx);
      return { code, out: ctx.stdout.text, err: ctx.stderr.text };
    }

    async function editConfig(stack: string, edit: (text: string) => string) {
      const file = path.join(repo, `Pulumi.${stack}.yaml`);
      await writeFile(file, edit(await readFile(file, "utf8")));
    }

    async function outputs(stack: string) {
      return new AutomationEngine({ workDir: repo, envVars: env }).outputs(stack);
    }

    beforeAll(async () => {
      root = await mkdtemp(path.join(os.tmpdir(), "ops-it-"));
      repo = path.join(root, "repo");
      await mkdir(path.join(root, "state"));
      await mkdir(repo);
      env = {
        PULUMI_BACKEND_URL: `file://${path.join(root, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: "ops-integration-passphrase",
        PULUMI_SKIP_UPDATE_CHECK: "true",
      };

      server = createServer((req, res) => {
        res.writeHead(req.url?.startsWith("/acme/") ? 200 : 502);
        res.end();
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

      initRepo(repo, "ops integration");
      await writeFile(path.join(repo, ".gitignore"), "node_modules\n");
      await writeFile(
        path.join(repo, "Pulumi.yaml"),
        "name: ops-it\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.js\n",
      );
      await writeFile(
        path.join(repo, "package.json"),
        '{ "name": "ops-it", "private": true, "main": "index.js" }\n',
      );
      await writeFile(path.join(repo, "index.js"), PROGRAM("v1"));
      await symlink(
        path.join(PROJECT_ROOT, "node_modules"),
        path.join(repo, "node_modules"),
        "dir",
      );

      for (const stack of ["dev", "production"]) {
        const pulumiStack = await LocalWorkspace.createStack(
          { stackName: stack, workDir: repo },
          { envVars: env, secretsProvider: "passphrase" },
        );
        await pulumiStack.setConfig("agent-cloud:tenantSecrets", {
          value: JSON.stringify({ acme: { KEY: SECRET } }),
          secret: true,
        });
        await editConfig(stack, (text) =>
          applyChangesToText(text, [
            { key: "agent-cloud:environment", path: [], value: stack },
            { key: "agent-cloud:baseUrl", path: [], value: baseUrl },
            { key: "agent-cloud:image", path: [], value: { tag: stack === "dev" ? "1.0" : "0.9" } },
            {
              key: "agent-cloud:tenants",
              path: [],
              value: [
                {
                  id: "acme",
                  groups: ["beta"],
                  agentConfig: { model: stack === "dev" ? "sonnet" : "haiku" },
                },
                { id: "globex", groups: ["stable"], agentConfig: {} },
              ],
            },
          ]),
        );
      }
      git("add", ".");
      git("commit", "-q", "-m", "v1 program and stacks");
    }, 120_000);

    afterAll(async () => {
      server?.close();
      if (root !== undefined) await rm(root, { recursive: true, force: true });
    });

    it("deploy records the commit, and history shows it without secrets", async () => {
      const head = git("rev-parse", "HEAD");
      const deployed = await run(["deploy", "--stack", "dev"]);
      expect(deployed.err).toBe("");
      expect(deployed.code).toBe(0);
      expect(deployed.out).toMatch(/stack "dev" update v1 succeeded/);
      expect((await outputs("dev")).imageRef?.value).toMatch(
        /^registry\.test\/agent:1\.0@sha256:[0-9a-f]{64}$/,
      );

      const listed = await run(["history", "--stack", "dev"]);
      expect(listed.code).toBe(0);
      expect(listed.out.split("\n")[1]).toMatch(
        new RegExp(`^v1 .* update +succeeded +${head.slice(0, 12)} +sha256:[0-9a-f]{12} +\\+\\d+`),
      );
      expect(listed.out).not.toContain(SECRET);
    }, 180_000);

    it("deploy --dry-run and status see no pending change; status checks every tenant URL", async () => {
      const preview = await run(["deploy", "--stack", "dev", "--dry-run"]);
      expect(preview.out).toMatch(/preview of stack "dev": no changes/);
      const status = await run(["status", "--stack", "dev"]);
      expect(status.out).toMatch(/^last update: v1 update succeeded/m);
      expect(status.out).toMatch(/^up to date: no changes/m);
      expect(status.out).toMatch(
        /^acme +http:\/\/127\.0\.0\.1:\d+\/acme\/api\/v1\/health +200 +\d+ ms +ok$/m,
      );
      expect(status.out).toMatch(
        /^globex +http:\/\/127\.0\.0\.1:\d+\/globex\/api\/v1\/health +502 +\d+ ms +down$/m,
      );
      expect(status.code).toBe(1);
    }, 180_000);

    it("deploy --skip-build redeploys the last imageRef; --force rebuilds", async () => {
      const before = (await outputs("dev")).imageRef?.value;
      expect((await run(["deploy", "--stack", "dev", "--skip-build"])).code).toBe(0);
      expect((await outputs("dev")).imageRef?.value).toBe(before);
      expect((await run(["deploy", "--stack", "dev", "--force"])).code).toBe(0);
      expect((await outputs("dev")).imageRef?.value).not.toBe(before);
    }, 180_000);

    it("deploy --group updates only that group's tenants and the proxy", async () => {
      await editConfig("dev", (text) =>
        applyChangesToText(text, [
          { key: "agent-cloud:tenants", path: [0, "agentConfig"], value: { model: "opus" } },
          { key: "agent-cloud:tenants", path: [1, "agentConfig"], value: { model: "opus" } },
        ]),
      );
      const grouped = await run(["deploy", "--stack", "dev", "--group", "beta"]);
      expect(grouped.code).toBe(0);
      expect(grouped.out).toMatch(
        /group beta: tenants acme, their databases, the image and the proxy route table/,
      );
      const pending = await run(["deploy", "--stack", "dev", "--dry-run"]);
      expect(pending.out).toMatch(/preview of stack "dev": 1 to update/);
      const unknown = await run(["deploy", "--stack", "dev", "--group", "canary"]);
      expect(unknown.code).toBe(2);
      expect(unknown.err).toBe(
        'error: unknown group "canary"; groups of stack "dev": beta, stable\n',
      );
      git("commit", "-q", "-am", "agent configs");
      expect((await run(["deploy", "--stack", "dev"])).code).toBe(0);
    }, 240_000);

    it("rollback redeploys the previous update's commit and config, leaving the work tree alone", async () => {
      await writeFile(path.join(repo, "index.js"), PROGRAM("v2"));
      git("commit", "-q", "-am", "v2 program");
      expect((await run(["deploy", "--stack", "dev"])).code).toBe(0);
      expect((await outputs("dev")).programVersion?.value).toBe("v2");

      const rolled = await run(["rollback", "--stack", "dev", "--yes"]);
      expect(rolled.err).toBe("");
      expect(rolled.code).toBe(0);
      expect((await outputs("dev")).programVersion?.value).toBe("v1");
      const listed = await run(["history", "--stack", "dev", "--limit", "1"]);
      expect(listed.out).toMatch(/\nv\d+ .* update +succeeded /);
      const engine = new AutomationEngine({ workDir: repo, envVars: env });
      const [latest] = await engine.history("dev");
      expect(latest!.message).toMatch(/^rollback to v\d+ (\S+ )*?commit=[0-9a-f]{40} /);
      expect(await readFile(path.join(repo, "index.js"), "utf8")).toBe(PROGRAM("v2"));
    }, 300_000);

    it("promote copies dev's image digest and agent configs into production's file, never secrets", async () => {
      const productionFile = path.join(repo, "Pulumi.production.yaml");
      const secretBefore = configFromText(await readFile(productionFile, "utf8"))[
        "agent-cloud:tenantSecrets"
      ];
      const promoted = await run(["promote", "--from", "dev", "--to", "production", "--yes"]);
      expect(promoted.code).toBe(0);
      const after = configFromText(await readFile(productionFile, "utf8"));
      expect((after["agent-cloud:image"] as { ref: string }).ref).toBe(
        (await outputs("dev")).imageRef?.value,
      );
      expect((after["agent-cloud:tenants"] as { agentConfig: unknown }[])[0]!.agentConfig).toEqual({
        model: "opus",
      });
      expect(after["agent-cloud:tenantSecrets"]).toEqual(secretBefore);
      expect(promoted.out).not.toContain(SECRET);
      expect((await run(["deploy", "--stack", "production"])).code).toBe(0);
      expect((await outputs("production")).imageRef?.value).toBe(
        (await outputs("dev")).imageRef?.value,
      );
    }, 240_000);

    it("doctor explains a 502 from a tenant", async () => {
      const checked = await run(["doctor", "--stack", "dev"]);
      expect(checked.code).toBe(1);
      expect(checked.out).toMatch(/^PASS {2}endpoint {2}acme /m);
      expect(checked.out).toMatch(
        /^FAIL {2}endpoint {2}globex .* → 502 .*the proxy routed the request but tenant globex did not answer/m,
      );
    }, 120_000);

    it("names the stacks that exist for an unknown one", async () => {
      const result = await run(["history", "--stack", "staging"]);
      expect(result.code).toBe(1);
      expect(result.err).toBe(
        'error: stack "staging" does not exist; stacks of this project: dev, production\n',
      );
    }, 60_000);

    it("reports an update already running", async () => {
      await editConfig("dev", (text) =>
        applyChangesToText(text, [{ key: "agent-cloud:image", path: ["tag"], value: "1.1" }]),
      );
      // The program runs only once `pulumi up` holds the stack's lock: it says so in a file,
      // then keeps the lock long enough for a second deploy to start on a busy machine. (A fixed
      // 4 s wait assumed the first deploy got that far by then.)
      const started = path.join(root, "slow-deploy-started");
      const slow = run(["deploy", "--stack", "dev"], {
        OPS_IT_SLOW_MS: "20000",
        OPS_IT_STARTED: started,
      });
      await waitFor("the slow deploy's program to start", () => existsSync(started), 60_000, 100);
      const second = await run(["deploy", "--stack", "dev"]);
      expect(second.code).toBe(1);
      expect(second.err).toMatch(/^error: stack "dev" has an update in progress/);
      expect((await slow).code).toBe(0);
    }, 180_000);
  },
);
