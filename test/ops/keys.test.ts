import { describe, expect, it } from "vitest";
import { main } from "../../ops/cli";
import { keyFingerprint, keys, keysAction, maskKey } from "../../ops/commands/keys";
import { OpsError, UsageError } from "../../ops/errors";
import { FakeSecrets, testContext } from "../../testkit/ops/fakes";
import { devStack } from "./support/fixtures";
import { MemoryEngine } from "../../testkit/ops/memory-engine";

const CURRENT = "ac_dev_0123456789abcdefghijABCDEFGHIJklmnWXYZ";
const PREVIOUS = "ac_dev_zyxwvutsrqponmlkjihgfedcbaZYXWVUTS9876";

function setup(secret: Record<string, string> = { AGENT_CLOUD_API_KEY: CURRENT }, answer = false) {
  const engine = new MemoryEngine({ dev: devStack() });
  const secrets = new FakeSecrets({
    "dev-tenant-acme/sp-acme-env": { DATABASE_URL: "x", ...secret },
  });
  return testContext(engine, { secrets, answer });
}

describe("key display", () => {
  it.each([
    [CURRENT, "ac_dev_…WXYZ"],
    ["ac_production_abcdefgh1234", "ac_production_…1234"],
    ["no-prefix-key", "…-key"],
  ])("masks %s as %s", (key, masked) => {
    expect(maskKey(key)).toBe(masked);
  });
  it("fingerprints without revealing", () => {
    expect(keyFingerprint(CURRENT)).toMatch(/^sha256:[0-9a-f]{12}$/);
    expect(keyFingerprint(CURRENT)).not.toBe(keyFingerprint(PREVIOUS));
  });
  it.each([[[]], [["list"]], [["show", "all"]]])("refuses %j", (words) => {
    expect(() => keysAction(words)).toThrow(UsageError);
  });
});

describe("keys command", () => {
  it("shows the current key masked unless --reveal, and never writes it anywhere", async () => {
    const ctx = setup();
    expect(
      await keys(ctx, { action: "show", stack: "dev", tenant: "acme", reveal: false, yes: false }),
    ).toBe(0);
    expect(ctx.stdout.lines).toEqual([
      'tenant "acme" (stack dev): key generation 0',
      `current   ac_dev_…WXYZ  ${keyFingerprint(CURRENT)}`,
      "(keys are masked; --reveal prints them)",
    ]);
    expect(ctx.stdout.text).not.toContain(CURRENT);
    const revealed = setup();
    await keys(revealed, {
      action: "show",
      stack: "dev",
      tenant: "acme",
      reveal: true,
      yes: false,
    });
    expect(revealed.stdout.lines[1]).toBe(`current   ${CURRENT}  ${keyFingerprint(CURRENT)}`);
    expect(revealed.engine.calls.map((c) => c.method)).toEqual(["readConfig"]);
  });

  it("shows both keys during a rotation", async () => {
    const ctx = setup({ AGENT_CLOUD_API_KEY: CURRENT, AGENT_CLOUD_API_KEY_PREVIOUS: PREVIOUS });
    const tenants = ctx.engine.stacks.dev!.config["agent-cloud:tenants"] as Record<
      string,
      unknown
    >[];
    tenants[0]!.apiKey = { generation: 2, acceptPrevious: true };
    await keys(ctx, { action: "show", stack: "dev", tenant: "acme", reveal: false, yes: false });
    expect(ctx.stdout.lines.slice(0, 3)).toEqual([
      'tenant "acme" (stack dev): key generation 2, the previous key is still accepted',
      `current   ac_dev_…WXYZ  ${keyFingerprint(CURRENT)}`,
      `previous  ac_dev_…9876  ${keyFingerprint(PREVIOUS)}`,
    ]);
  });

  it("rotates by bumping the generation with an overlap, after asking, then retires the old key", async () => {
    const refused = setup();
    expect(
      await keys(refused, {
        action: "rotate",
        stack: "dev",
        tenant: "acme",
        reveal: false,
        yes: false,
      }),
    ).toBe(1);
    expect(refused.questions).toEqual(["write this to Pulumi.dev.yaml?"]);
    expect(refused.engine.calls.map((c) => c.method)).toEqual(["readConfig"]);

    const ctx = setup();
    expect(
      await keys(ctx, { action: "rotate", stack: "dev", tenant: "acme", reveal: false, yes: true }),
    ).toBe(0);
    expect(ctx.stdout.lines).toEqual([
      'rotate the API key of tenant "acme": generation 0 → 1; the edge and the app accept both keys until you retire the old one',
      '  Pulumi.dev.yaml: tenants[0].apiKey = {"generation":1,"acceptPrevious":true}',
      "written; deploy it (npm run ops -- deploy --stack dev), give the tenant the new key (keys show --reveal), then: keys retire --stack dev --tenant acme",
    ]);
    const acme = () =>
      (ctx.engine.stacks.dev!.config["agent-cloud:tenants"] as Record<string, unknown>[])[0]!;
    expect(acme().apiKey).toEqual({ generation: 1, acceptPrevious: true });

    ctx.stdout.text = "";
    expect(
      await keys(ctx, { action: "retire", stack: "dev", tenant: "acme", reveal: false, yes: true }),
    ).toBe(0);
    expect(acme().apiKey).toEqual({ generation: 1, acceptPrevious: false });
    expect(ctx.stdout.lines[0]).toBe(
      'retire the previous API key of tenant "acme" (generation 0); only generation 1 is accepted after the next deploy',
    );
    ctx.stdout.text = "";
    await keys(ctx, { action: "retire", stack: "dev", tenant: "acme", reveal: false, yes: true });
    expect(ctx.stdout.lines).toEqual(['tenant "acme" accepts no previous key; nothing to retire']);
  });

  it("refuses to rotate while the previous key is still accepted, writing nothing; rotates once it is retired", async () => {
    const ctx = setup();
    const acme = () =>
      (ctx.engine.stacks.dev!.config["agent-cloud:tenants"] as Record<string, unknown>[])[0]!;
    acme().apiKey = { generation: 1, acceptPrevious: true };
    const before = structuredClone(ctx.engine.stacks.dev!.config);

    const rotate = ["keys", "rotate", "--stack", "dev", "--tenant", "acme", "--yes"];
    expect(await main(rotate, ctx)).toBe(1);
    expect(ctx.stderr.lines).toEqual([
      'error: tenant "acme" (stack dev) still accepts its previous API key (generation 0) beside generation 1; ' +
        "rotating now would stop accepting generation 0 at the next deploy. Once its clients use generation 1, " +
        "retire it first (npm run ops -- keys retire --stack dev --tenant acme), then rotate; nothing written",
    ]);
    expect(ctx.stdout.text).toBe("");
    expect(ctx.engine.calls.map((c) => c.method)).toEqual(["readConfig", "dispose"]);
    expect(ctx.engine.stacks.dev!.config).toEqual(before);

    ctx.stderr.text = "";
    expect(await main(["keys", "retire", "--stack", "dev", "--tenant", "acme", "--yes"], ctx)).toBe(
      0,
    );
    expect(acme().apiKey).toEqual({ generation: 1, acceptPrevious: false });
    ctx.stdout.text = "";
    expect(await main(rotate, ctx)).toBe(0);
    expect(ctx.stdout.lines).toEqual([
      'rotate the API key of tenant "acme": generation 1 → 2; the edge and the app accept both keys until you retire the old one',
      '  Pulumi.dev.yaml: tenants[0].apiKey = {"generation":2,"acceptPrevious":true}',
      "written; deploy it (npm run ops -- deploy --stack dev), give the tenant the new key (keys show --reveal), then: keys retire --stack dev --tenant acme",
    ]);
    expect(ctx.stderr.text).toBe("");
    expect(acme().apiKey).toEqual({ generation: 2, acceptPrevious: true });
  });

  it("rotates generation 0 even when acceptPrevious is set: it has no previous key to drop", async () => {
    const ctx = setup();
    const acme = () =>
      (ctx.engine.stacks.dev!.config["agent-cloud:tenants"] as Record<string, unknown>[])[0]!;
    acme().apiKey = { generation: 0, acceptPrevious: true };
    expect(
      await keys(ctx, { action: "rotate", stack: "dev", tenant: "acme", reveal: false, yes: true }),
    ).toBe(0);
    expect(acme().apiKey).toEqual({ generation: 1, acceptPrevious: true });
  });

  it("explains an unreadable Secret and an unknown tenant", async () => {
    const ctx = setup();
    await expect(
      keys(ctx, { action: "show", stack: "dev", tenant: "globex", reveal: false, yes: false }),
    ).rejects.toThrow(
      new OpsError(
        "cannot read Secret sp-globex-env in namespace dev-tenant-globex with the current kubeconfig context: HTTP-Code: 403",
      ),
    );
    await expect(
      keys(ctx, { action: "show", stack: "dev", tenant: "nope", reveal: false, yes: false }),
    ).rejects.toThrow(
      new OpsError('this stack has no tenant "nope"; its tenants: acme, big-acme, globex'),
    );
  });
});
