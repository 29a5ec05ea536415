import { describe, expect, it } from "vitest";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { check } from "../../ops/commands/check";
import { offboard } from "../../ops/commands/offboard";
import { applyChangesToText } from "../../ops/adapters/stack-file";
import { status } from "../../ops/commands/status";
import { lifecycleHealth, lifecycleOf } from "../../ops/plans/lifecycle";
import { FakeDbTools, FakeHealth, FakeSecrets, testContext } from "../../testkit/ops/fakes";
import { devConfig, devStack } from "./support/fixtures";
import { MemoryEngine } from "../../testkit/ops/memory-engine";

describe("lifecycle", () => {
  it("reads suspended and offboarding from the config", () => {
    const config = devConfig();
    (config["agent-cloud:tenants"] as Record<string, unknown>[])[1]!.suspended = true;
    expect(["acme", "big-acme", "gone"].map((id) => lifecycleOf(config, id))).toEqual([
      "active",
      "suspended",
      "offboarding",
    ]);
  });

  it.each([
    ["active", { status: 200, latencyMs: 1 }, "ok", true],
    ["active", { status: 502, latencyMs: 1 }, "down", false],
    ["suspended", { status: 503, latencyMs: 1 }, "suspended (the edge answers 503)", true],
    [
      "suspended",
      { status: 200, latencyMs: 1 },
      "suspended, but answered 200 (deploy to apply the suspension)",
      false,
    ],
    [
      "offboarding",
      { status: 200, latencyMs: 1 },
      "ok; offboarding: removed from the config, the next deploy removes its workload and keeps its database",
      true,
    ],
  ] as const)("%s + %j → %s", (lifecycle, result, text, ok) => {
    expect(lifecycleHealth(lifecycle, result)).toEqual({ text, ok });
  });
});

describe("status shows suspended and offboarding tenants", () => {
  it("a suspended tenant's 503 is expected; a tenant gone from the config is offboarding", async () => {
    const engine = new MemoryEngine({ dev: devStack() });
    const tenants = engine.stacks.dev!.config["agent-cloud:tenants"] as Record<string, unknown>[];
    tenants[0]!.suspended = true;
    engine.stacks.dev!.config["agent-cloud:tenants"] = tenants.filter((t) => t.id !== "globex");
    const HEALTH_PATH = "/api/v1/health";
    const ctx = testContext(engine, {
      health: new FakeHealth({
        [`https://acme.dev.example.com${HEALTH_PATH}`]: { status: 503, latencyMs: 2 },
        [`https://big-acme.dev.example.com${HEALTH_PATH}`]: { status: 200, latencyMs: 3 },
        [`https://globex.dev.example.com${HEALTH_PATH}`]: { status: 200, latencyMs: 4 },
      }),
    });
    expect(await status(ctx, { stack: "dev", skipPreview: true })).toBe(0);
    expect(ctx.stdout.lines.slice(-4)).toEqual([
      "TENANT    URL                                             HTTP  LATENCY  HEALTH",
      "acme      https://acme.dev.example.com/api/v1/health      503   2 ms     suspended (the edge answers 503)",
      "big-acme  https://big-acme.dev.example.com/api/v1/health  200   3 ms     ok",
      "globex    https://globex.dev.example.com/api/v1/health    200   4 ms     ok; offboarding: removed from the config, the next deploy removes its workload and keeps its database",
    ]);
  });
});

describe("offboard command", () => {
  /** What offboard says about dev's tenantSecrets, one encrypted value (devConfig's). */
  const SEALED_GLOBEX = [
    '  Pulumi.dev.yaml sets tenantSecrets as one encrypted value, so its "globex" entry, if it has one, stays: the deploy refuses it (tenantSecrets.globex: no tenant has id "globex") until you set tenantSecrets again without it, never passing the secrets as an argument (shell history, ps): pulumi config get tenantSecrets --stack dev | jq -c \'del(.["globex"])\' | pulumi config set --secret tenantSecrets --stack dev',
    'written; once tenantSecrets has no "globex" entry, apply it with: npm run ops -- deploy --stack dev --remove-tenant globex',
  ];

  it("takes a final backup, then removes the tenant from the stack file and says what stays", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "ops-offboard-"));
    try {
      const engine = new MemoryEngine({ dev: devStack() });
      const dbTools = new FakeDbTools();
      const ctx = testContext(engine, {
        dbTools,
        secrets: new FakeSecrets({
          "dev-tenant-globex/sp-globex-env": {
            DATABASE_URL: "postgres://g:pw@db:5432/g?sslmode=disable",
          },
        }),
      });
      const options = { stack: "dev", tenant: "globex", dir, skipBackup: false, yes: true };
      expect(await offboard(ctx, options)).toBe(0);
      expect(dbTools.runs.map((r) => r.program)).toEqual(["pg_dump"]);
      expect(await readdir(dir)).toEqual(["globex-20261122T100000Z.dump"]);
      expect(ctx.stdout.lines.slice(2)).toEqual([
        'offboard tenant "globex": remove tenants[2] from Pulumi.dev.yaml',
        "  the next deploy removes: its namespace, Deployment, Service, Secret, config, routes",
        "  retained: its PostgreSQL role and database on the server, the final backup and scheduled dumps",
        '  adding "globex" back to this stack later can take them over again (ops deploy --adopt-database globex)',
        ...SEALED_GLOBEX,
      ]);
      const ids = (engine.stacks.dev!.config["agent-cloud:tenants"] as { id: string }[]).map(
        (t) => t.id,
      );
      expect(ids).toEqual(["acme", "big-acme"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("removes the tenant's tenantSecrets entry, keeping every other tenant's ciphertext, so the stack file passes the check", async () => {
    const engine = new MemoryEngine({ dev: devStack() });
    const acme = { OPENAI_API_KEY: { secure: "v1:YWNtZQ==" } };
    engine.stacks.dev!.config["agent-cloud:tenantSecrets"] = {
      acme,
      globex: { OPENAI_API_KEY: { secure: "v1:Z2xvYmV4" } },
    };
    const ctx = testContext(engine);
    const options = { stack: "dev", tenant: "globex", skipBackup: true, yes: true };
    expect(await offboard(ctx, options)).toBe(0);
    expect(ctx.stdout.lines[0]).toBe(
      'offboard tenant "globex": remove tenants[2] and tenantSecrets.globex from Pulumi.dev.yaml',
    );
    expect(ctx.stdout.lines.at(-1)).toBe(
      "written; apply it with: npm run ops -- deploy --stack dev --remove-tenant globex",
    );
    const changes = [
      { key: "agent-cloud:tenants", path: [2], value: undefined },
      { key: "agent-cloud:tenantSecrets", path: ["globex"], value: undefined },
    ];
    expect(engine.callsOf("writeConfig")).toEqual([
      { method: "writeConfig", stack: "dev", args: changes },
    ]);
    expect(engine.stacks.dev!.config["agent-cloud:tenantSecrets"]).toEqual({ acme });
    // In the file itself: the other tenant's ciphertext stays byte for byte.
    const file = [
      "config:",
      "  agent-cloud:tenantSecrets:",
      "    acme:",
      "      OPENAI_API_KEY:",
      "        secure: v1:YWNtZQ==",
      "    globex:",
      "      OPENAI_API_KEY:",
      "        secure: v1:Z2xvYmV4",
      "",
    ].join("\n");
    expect(applyChangesToText(file, changes.slice(1))).toBe(
      "config:\n  agent-cloud:tenantSecrets:\n    acme:\n      OPENAI_API_KEY:\n        secure: v1:YWNtZQ==\n",
    );
    ctx.stdout.text = "";
    expect(await check(ctx, { stack: "dev" })).toBe(0);
    expect(ctx.stderr.lines).toEqual([]);
  });

  it("says what to remove when tenantSecrets is one encrypted value, and does not promise the deploy", async () => {
    const engine = new MemoryEngine({ dev: devStack() });
    const sealed = engine.stacks.dev!.config["agent-cloud:tenantSecrets"];
    expect(sealed).toEqual({ secure: "v1:ZGV2LWNpcGhlcnRleHQ=" });
    const ctx = testContext(engine);
    const options = { stack: "dev", tenant: "globex", skipBackup: true, yes: true };
    expect(await offboard(ctx, options)).toBe(0);
    expect(ctx.stdout.lines).toEqual([
      'offboard tenant "globex": remove tenants[2] from Pulumi.dev.yaml',
      "  the next deploy removes: its namespace, Deployment, Service, Secret, config, routes",
      "  retained: its PostgreSQL role and database on the server, the final backup and scheduled dumps",
      '  adding "globex" back to this stack later can take them over again (ops deploy --adopt-database globex)',
      ...SEALED_GLOBEX,
    ]);
    expect(engine.callsOf("writeConfig")).toEqual([
      {
        method: "writeConfig",
        stack: "dev",
        args: [{ key: "agent-cloud:tenants", path: [2], value: undefined }],
      },
    ]);
    expect(engine.stacks.dev!.config["agent-cloud:tenantSecrets"]).toEqual(sealed);
  });

  it("changes nothing when the final backup fails", async () => {
    const engine = new MemoryEngine({ dev: devStack() });
    const ctx = testContext(engine, {
      dbTools: new FakeDbTools({ code: 1, stderr: "connection refused" }),
      secrets: new FakeSecrets({
        "dev-tenant-acme/sp-acme-env": { DATABASE_URL: "postgres://a:pw@db:5432/a" },
      }),
    });
    expect(
      await offboard(ctx, {
        stack: "dev",
        tenant: "acme",
        skipBackup: false,
        yes: true,
        dir: "/nonexistent-ops-dir/x",
      }),
    ).toBe(1);
    expect(ctx.engine.calls.some((c) => c.method === "writeConfig")).toBe(false);
  });
});
