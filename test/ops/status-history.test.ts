import { describe, expect, it } from "vitest";
import { history, historyRows } from "../../ops/commands/history";
import { status } from "../../ops/commands/status";
import { PulumiOperationError } from "../../ops/errors";
import { DIGEST_A, DIGEST_B, FakeHealth, SHA_1, SHA_2, testContext } from "../../testkit/ops/fakes";
import { devStack, IMAGE_REF_A } from "./support/fixtures";
import { MemoryEngine, update } from "../../testkit/ops/memory-engine";

const HEALTH = "/api/v1/health";

function devHistory() {
  return [
    update({
      version: 3,
      result: "failed",
      message: `deploy release=spring actor=ana%20lyst commit=${SHA_2} rebuild=true groups=beta`,
      environment: { "git.head": SHA_2, "git.dirty": "true" },
      resourceChanges: { update: 1, same: 8 },
    }),
    update({
      version: 2,
      message: `deploy commit=${SHA_1}`,
      environment: { "git.head": SHA_1, "git.dirty": "false" },
      resourceChanges: { create: 2, same: 7 },
      config: {
        "agent-cloud:environment": { value: "dev", secret: false },
        "agent-cloud:tenants": {
          value: JSON.stringify([{ id: "acme" }, { id: "big-acme" }, { id: "globex" }]),
          secret: false,
        },
        "agent-cloud:tenantSecrets": { secret: true },
      },
    }),
    update({ version: 1, kind: "refresh", message: "", resourceChanges: { same: 7 } }),
    update({
      version: 0,
      message: `deploy image=${DIGEST_B}`,
      resourceChanges: { create: 7 },
      config: {
        "agent-cloud:image": { value: JSON.stringify({ ref: `r/a@${DIGEST_B}` }), secret: false },
        "agent-cloud:tenants": { value: JSON.stringify([{ id: "acme" }]), secret: false },
      },
    }),
  ];
}

describe("history", () => {
  it("prints one row per update: version, time, kind, result, release, actor, commit, images, overrides, changes", async () => {
    const ctx = testContext(new MemoryEngine({ dev: devStack({ history: devHistory() }) }));
    expect(await history(ctx, { stack: "dev" })).toBe(0);
    expect(ctx.stdout.lines).toEqual([
      "VERSION  TIME                  KIND     RESULT     RELEASE  ACTOR     COMMIT              IMAGES               OVERRIDES             CHANGES",
      "v3       2026-11-01 12:03:00Z  update   failed     spring   ana lyst  222222222222+dirty  -                    --force --group beta  ~1",
      "v2       2026-11-01 12:02:00Z  update   succeeded  -        -         111111111111        sha256:aaaaaaaaaaaa  -                     +2",
      "v1       2026-11-01 12:01:00Z  refresh  succeeded  -        -         -                   -                    -                     none",
      "v0       2026-11-01 12:00:00Z  update   succeeded  -        -         -                   sha256:bbbbbbbbbbbb  -                     +7",
    ]);
    expect(ctx.engine.calls.map((c) => c.method)).toEqual([
      "ensureCli",
      "selectStack",
      "history",
      "outputs",
      "resources",
    ]);
  });

  it("--limit keeps the newest updates", async () => {
    const ctx = testContext(new MemoryEngine({ dev: devStack({ history: devHistory() }) }));
    await history(ctx, { stack: "dev", limit: 2 });
    expect(ctx.stdout.lines.map((l) => l.split(" ")[0])).toEqual(["VERSION", "v3", "v2"]);
  });

  it("never prints a secret, even one a history entry should not have carried", async () => {
    const leaky = update({
      version: 1,
      config: { "agent-cloud:tenantSecrets": { value: "sk-live-DO-NOT-PRINT", secret: true } },
      message: "deploy",
    });
    const ctx = testContext(new MemoryEngine({ dev: devStack({ history: [leaky] }) }));
    await history(ctx, { stack: "dev" });
    expect(ctx.stdout.text).not.toContain("DO-NOT-PRINT");
  });

  it("prints no control character a message carries, encoded or raw: the value is not recorded", async () => {
    const forged = [
      update({
        version: 2,
        message:
          "hotfix release=x%0Av9%20%202026-12-01%2000:00:00Z%20update%20succeeded%20approved-by-sec%1B[8m actor=\x1b]0;owned\x07 tag=%0D%1B[2K",
        environment: { "git.head": SHA_1 },
      }),
      update({ version: 1, message: "deploy", environment: { "git.head": SHA_1 } }),
    ];
    const ctx = testContext(new MemoryEngine({ dev: devStack({ history: forged }) }));
    await history(ctx, { stack: "dev" });
    expect(ctx.stdout.text).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
    expect(ctx.stdout.lines).toEqual([
      "VERSION  TIME                  KIND    RESULT     RELEASE  ACTOR  COMMIT        IMAGES  OVERRIDES  CHANGES",
      "v2       2026-11-01 12:02:00Z  update  succeeded  -        -      111111111111  -       -          none",
      "v1       2026-11-01 12:01:00Z  update  succeeded  -        -      111111111111  -       -          none",
    ]);
  });

  it("says so when there are no updates", async () => {
    const ctx = testContext(new MemoryEngine({ dev: devStack() }));
    await history(ctx, { stack: "dev" });
    expect(ctx.stdout.lines).toEqual(['stack "dev": no updates yet']);
  });

  it("uses what tenants run now only for the newest successful update", () => {
    const now = { acme: IMAGE_REF_A, "big-acme": IMAGE_REF_A, globex: `r/a@${DIGEST_B}` };
    const rows = historyRows(devHistory(), now);
    expect(rows.map((r) => r[7])).toEqual([
      "-",
      "sha256:aaaaaaaaaaaa, globex=sha256:bbbbbbbbbbbb",
      "-",
      "sha256:bbbbbbbbbbbb",
    ]);
    expect(historyRows(devHistory(), {}).map((r) => r[7])).toEqual([
      "-",
      "-",
      "-",
      "sha256:bbbbbbbbbbbb",
    ]);
    expect(DIGEST_A.startsWith("sha256:aaaaaaaaaaaa")).toBe(true);
  });
});

describe("status", () => {
  function setup(answers: ConstructorParameters<typeof FakeHealth>[0]) {
    const engine = new MemoryEngine({ dev: devStack({ history: devHistory().slice(1) }) });
    return testContext(engine, { health: new FakeHealth(answers) });
  }
  const healthy = {
    [`https://acme.dev.example.com${HEALTH}`]: { status: 200, latencyMs: 41 },
    [`https://big-acme.dev.example.com${HEALTH}`]: { status: 200, latencyMs: 7 },
    [`https://globex.dev.example.com${HEALTH}`]: { status: 200, latencyMs: 12 },
  };

  it("shows the last update, no pending changes and every tenant healthy", async () => {
    const ctx = setup(healthy);
    expect(await status(ctx, { stack: "dev", skipPreview: false })).toBe(0);
    expect(ctx.stdout.lines).toEqual([
      "last update: v2 update succeeded at 2026-11-01 12:02:00Z, commit 111111111111",
      "up to date: no changes (3 unchanged)",
      "TENANT    URL                                             HTTP  LATENCY  HEALTH",
      "acme      https://acme.dev.example.com/api/v1/health      200   41 ms    ok",
      "big-acme  https://big-acme.dev.example.com/api/v1/health  200   7 ms     ok",
      "globex    https://globex.dev.example.com/api/v1/health    200   12 ms    ok",
    ]);
    expect(ctx.engine.callsOf("preview")).toEqual([{ method: "preview", stack: "dev", args: {} }]);
    expect(ctx.health.asked.map((a) => a.timeoutMs)).toEqual([5000, 5000, 5000]);
  });

  it("shows pending changes and unhealthy tenants, and exits 1", async () => {
    const ctx = setup({
      "https://acme.dev.example.com/healthz": { status: 404, latencyMs: 3 },
      "https://big-acme.dev.example.com/healthz": { status: 204, latencyMs: 9 },
      "https://globex.dev.example.com/healthz": {
        latencyMs: 2000,
        error: "no answer within 2000 ms",
      },
    });
    ctx.engine.stacks.dev!.previewChanges = { update: 1, same: 2 };
    ctx.engine.stacks.dev!.config["agent-cloud:app"] = { healthPath: "/healthz" };
    const code = await status(ctx, { stack: "dev", skipPreview: false, timeoutMs: 2000 });
    expect(code).toBe(1);
    expect(ctx.stdout.lines.slice(1)).toEqual([
      "pending changes: 1 to update (2 unchanged) (run deploy to apply them)",
      "TENANT    URL                                       HTTP  LATENCY  HEALTH",
      "acme      https://acme.dev.example.com/healthz      404   3 ms     down",
      "big-acme  https://big-acme.dev.example.com/healthz  204   9 ms     ok",
      "globex    https://globex.dev.example.com/healthz    -     -        down: no answer within 2000 ms",
    ]);
    expect(ctx.health.asked.map((a) => a.timeoutMs)).toEqual([2000, 2000, 2000]);
  });

  it("marks 5xx answers down and keeps their status and latency", async () => {
    const ctx = setup({
      ...healthy,
      [`https://acme.dev.example.com${HEALTH}`]: { status: 502, latencyMs: 3 },
    });
    expect(await status(ctx, { stack: "dev", skipPreview: true })).toBe(1);
    expect(ctx.stdout.lines[2]).toBe(
      "acme      https://acme.dev.example.com/api/v1/health      502   3 ms     down",
    );
    expect(ctx.engine.callsOf("preview")).toEqual([]);
  });

  it("reports a running update and a failed preview without stopping", async () => {
    const engine = new MemoryEngine({
      dev: devStack({
        history: [
          update({
            version: 4,
            result: "in-progress",
            message: `deploy release=r4 actor=octocat commit=${SHA_2}`,
          }),
        ],
      }),
    });
    engine.preview = () =>
      Promise.reject(new PulumiOperationError("preview", "dev", "TypeError: boom"));
    const ctx = testContext(engine, { health: new FakeHealth(healthy) });
    expect(await status(ctx, { stack: "dev", skipPreview: false })).toBe(1);
    expect(ctx.stdout.lines.slice(0, 3)).toEqual([
      'last update: v4 update in-progress at 2026-11-01 12:04:00Z, commit 222222222222, release "r4", by octocat',
      "update v4 is still running; deploys wait until it finishes",
      'preview failed: pulumi preview failed for stack "dev": TypeError: boom',
    ]);
  });
});
