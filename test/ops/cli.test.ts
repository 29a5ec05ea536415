import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../ops/cli";
import { helpText } from "../../ops/command-line/help";
import { parseCommand } from "../../ops/command-line/parse";
import { parsePort } from "../../ops/command-line/port";
import { COMMANDS } from "../../ops/commands/registry";
import { UsageError } from "../../ops/errors";
import { FakeHealth, SHA_1, testContext } from "../../testkit/ops/fakes";
import { devStack } from "./support/fixtures";
import { MemoryEngine, update } from "../../testkit/ops/memory-engine";
import HELP_TEXT_JSON from "./fixtures/help-text.json";

/** Every command's --help and the list of commands, as the CLI printed them before the registry. */
const HELP_TEXT: Readonly<Record<string, string>> = HELP_TEXT_JSON;

describe("parseCommand", () => {
  it.each([
    [
      ["deploy", "--stack", "dev", "--dry-run", "--group", "beta", "--group", "eu", "--tag", "v2"],
      {
        name: "deploy",
        options: {
          stack: "dev",
          dryRun: true,
          skipBuild: false,
          force: false,
          tag: "v2",
          groups: ["beta", "eu"],
          policyPacks: [],
          release: undefined,
          imageFrom: undefined,
          removeTenants: [],
          adoptDatabases: [],
          newDatabases: [],
          databaseMoved: false,
        },
      },
    ],
    [
      ["deploy", "-s", "production", "--skip-build", "--policy-pack", "policy"],
      {
        name: "deploy",
        options: {
          stack: "production",
          dryRun: false,
          skipBuild: true,
          force: false,
          tag: undefined,
          groups: [],
          policyPacks: ["policy"],
          release: undefined,
          imageFrom: undefined,
          removeTenants: [],
          adoptDatabases: [],
          newDatabases: [],
          databaseMoved: false,
        },
      },
    ],
    [
      ["status", "--stack", "dev", "--skip-preview", "--timeout", "2500"],
      { name: "status", options: { stack: "dev", skipPreview: true, timeoutMs: 2500 } },
    ],
    [
      ["history", "--stack", "dev", "--limit", "5"],
      { name: "history", options: { stack: "dev", limit: 5 } },
    ],
    [
      ["rollback", "--stack", "dev", "--to", "v4", "-y"],
      {
        name: "rollback",
        options: {
          stack: "dev",
          to: 4,
          yes: true,
          prune: false,
          restoreRemoved: false,
          release: undefined,
          databaseMoved: false,
          policyPacks: undefined,
        },
      },
    ],
    [
      ["rollback", "--stack", "dev", "--to", "4"],
      {
        name: "rollback",
        options: {
          stack: "dev",
          to: 4,
          yes: false,
          prune: false,
          restoreRemoved: false,
          release: undefined,
          databaseMoved: false,
          policyPacks: undefined,
        },
      },
    ],
    [
      [
        "rollback",
        "--stack",
        "dev",
        "--version",
        "spring-launch",
        "--prune",
        "--release",
        "undo",
        "--database-moved",
      ],
      {
        name: "rollback",
        options: {
          stack: "dev",
          to: "spring-launch",
          yes: false,
          prune: true,
          restoreRemoved: false,
          release: "undo",
          databaseMoved: true,
          policyPacks: undefined,
        },
      },
    ],
    [
      [
        "deploy",
        "-s",
        "production",
        "--image-from",
        "dev",
        "--release",
        "r1",
        "--remove-tenant",
        "old",
      ],
      {
        name: "deploy",
        options: {
          stack: "production",
          dryRun: false,
          skipBuild: false,
          force: false,
          tag: undefined,
          groups: [],
          policyPacks: [],
          release: "r1",
          imageFrom: "dev",
          removeTenants: ["old"],
          adoptDatabases: [],
          newDatabases: [],
          databaseMoved: false,
        },
      },
    ],
    [
      ["promote", "--from", "dev", "--to", "production"],
      { name: "promote", options: { from: "dev", to: "production", yes: false } },
    ],
    [
      ["logs", "--stack", "dev", "-t", "acme", "-f", "--tail", "100"],
      {
        name: "logs",
        options: {
          stack: "dev",
          tenant: "acme",
          proxy: false,
          migrations: false,
          follow: true,
          tail: 100,
          since: undefined,
          container: undefined,
        },
      },
    ],
    [
      ["logs", "--stack", "dev", "--proxy", "--since", "15m"],
      {
        name: "logs",
        options: {
          stack: "dev",
          tenant: undefined,
          proxy: true,
          migrations: false,
          follow: false,
          tail: undefined,
          since: 900,
          container: undefined,
        },
      },
    ],
    [
      ["doctor", "--stack", "dev"],
      { name: "doctor", options: { stack: "dev", timeoutMs: undefined } },
    ],
    [
      ["certs", "-s", "dev", "--address", "127.0.0.1", "--port", "8443"],
      {
        name: "certs",
        options: { stack: "dev", address: "127.0.0.1", port: 8443, timeoutMs: undefined },
      },
    ],
    [
      ["db", "restore", "-s", "dev", "-t", "acme", "--from", "a.dump", "-y"],
      {
        name: "db",
        options: {
          action: "restore",
          stack: "dev",
          tenant: "acme",
          dir: undefined,
          from: "a.dump",
          host: undefined,
          port: undefined,
          runSourceCode: false,
          yes: true,
        },
      },
    ],
    [
      ["db", "restore", "-s", "dev", "-t", "acme", "--from-database", "sp_x", "--run-source-code"],
      {
        name: "db",
        options: {
          action: "restore",
          stack: "dev",
          tenant: "acme",
          fromDatabase: "sp_x",
          runSourceCode: true,
          yes: false,
        },
      },
    ],
    [[], { name: "help", topic: undefined }],
    [["--help"], { name: "help", topic: undefined }],
    [["help", "deploy"], { name: "help", topic: "deploy" }],
    [["rollback", "--help"], { name: "help", topic: "rollback" }],
  ])("%j", (argv, command) => {
    expect(parseCommand(COMMANDS, argv)).toEqual(command);
  });

  it.each([
    [
      ["ship"],
      `unknown command "ship"; commands: ${COMMANDS.map(({ spec }) => spec.name).join(", ")}`,
    ],
    [
      ["deploy"],
      "deploy: --stack is required\nusage: npm run ops -- deploy --stack S [--dry-run] [--skip-build | --image-from S2] [--force] [--tag T] [--group G ...] [--release NAME] [--remove-tenant ID ...] [--adopt-database ID ... | --new-database ID ...] [--database-moved] [--policy-pack DIR ...]",
    ],
    [
      ["history", "--stack", "dev", "--limit", "0"],
      'history: --limit "0" must be a positive whole number',
    ],
    [
      ["rollback", "--stack", "dev", "--to", "v0"],
      'rollback: --to "v0" must be an update version such as 4 or v4',
    ],
    [
      ["rollback", "--stack", "dev", "--to", "no good"],
      'rollback: --to "no good" must be an update version such as 4 or v4, or a release name',
    ],
    [
      ["rollback", "--stack", "dev", "--to", "4", "--version", "x"],
      "rollback: give --to or --version, not both",
    ],
    [
      ["promote", "--from", "dev"],
      "promote: --to is required\nusage: npm run ops -- promote --from dev --to production [--yes]",
    ],
    [
      ["certs", "--stack", "dev", "--port", "99999"],
      'certs: --port "99999" must be a port, a whole number from 1 to 65535',
    ],
    [
      ["db", "backup", "--stack", "dev", "--tenant", "acme", "--port", "0"],
      'db: --port "0" must be a port, a whole number from 1 to 65535',
    ],
    [
      ["offboard", "--stack", "dev", "--tenant", "acme", "--port=-1"],
      'offboard: --port "-1" must be a port, a whole number from 1 to 65535',
    ],
  ])("refuses %j", (argv, message) => {
    expect(() => parseCommand(COMMANDS, argv)).toThrow(new UsageError(message));
  });

  it("refuses unknown flags with the command's usage", () => {
    expect(() => parseCommand(COMMANDS, ["status", "--stack", "dev", "--verbose"])).toThrow(
      /^status: Unknown option '--verbose'.*\nusage: npm run ops -- status --stack S \[--skip-preview\] \[--timeout MS\]$/s,
    );
  });

  it("has help for every command, word for word as before the registry", () => {
    for (const { spec } of COMMANDS) {
      expect(helpText(COMMANDS, spec.name)).toBe(HELP_TEXT[spec.name]);
    }
    expect(helpText(COMMANDS)).toBe(HELP_TEXT[""]);
    expect(helpText(COMMANDS)).toContain(
      "  rollback  redeploy exactly what an earlier update ran, building nothing\n",
    );
  });
});

describe("parseCommand: a flag that takes one value, given more than once", () => {
  it.each([
    [
      ["deploy", "--stack", "dev", "--skip-build", "--stack", "production"],
      'deploy: --stack given twice ("dev", then "production"); give it once',
    ],
    [
      ["history", "-s", "dev", "--stack=production"],
      'history: --stack given twice ("dev", then "production"); give it once',
    ],
    [
      ["status", "--stack", "dev", "--stack", "dev"],
      'status: --stack given twice ("dev", then "dev"); give it once',
    ],
    [
      ["promote", "--from", "dev", "--to", "dev", "--to", "production", "--yes"],
      'promote: --to given twice ("dev", then "production"); give it once',
    ],
    [
      ["promote", "--from", "dev", "--to", "a", "--to", "b", "--to", "c"],
      'promote: --to given 3 times ("a", then "b", then "c"); give it once',
    ],
    [
      ["rollback", "--stack", "dev", "--to", "4", "--to", ""],
      'rollback: --to given twice ("4", then ""); give it once',
    ],
    [
      ["rollback", "--stack", "dev", "--to", "4", "--version", "x", "--to", "5"],
      'rollback: --to given twice ("4", then "5"); give it once',
    ],
    [
      ["db", "backup", "--stack", "dev", "--tenant", "acme", "--port", "5432", "--port", "0"],
      'db: --port given twice ("5432", then "0"); give it once',
    ],
    [
      ["keys", "show", "--stack", "dev", "-t", "acme", "-t", "globex"],
      'keys: --tenant given twice ("acme", then "globex"); give it once',
    ],
    [
      ["deploy", "--stack", "dev", "--dry-run", "--dry-run"],
      "deploy: --dry-run given twice; give it once",
    ],
    [
      ["promote", "--from", "dev", "--to", "production", "-y", "--yes"],
      "promote: --yes given twice; give it once",
    ],
    [
      ["deploy", "--tag", "a", "--stack", "dev", "--stack", "production", "--tag", "b"],
      'deploy: --tag given twice ("a", then "b"); give it once\n' +
        'deploy: --stack given twice ("dev", then "production"); give it once',
    ],
  ])("refuses %j", (argv, message) => {
    expect(() => parseCommand(COMMANDS, argv)).toThrow(new UsageError(message));
  });

  it("refuses every command's one-value flags given twice, and no repeatable flag", () => {
    for (const { spec } of COMMANDS) {
      const action = Object.keys(spec.actions ?? {}).slice(0, 1);
      for (const [flag, { type, multiple }] of Object.entries(spec.flags)) {
        const twice =
          type === "string" ? [`--${flag}`, "one", `--${flag}`, "two"] : [`--${flag}`, `--${flag}`];
        const parse = () => parseCommand(COMMANDS, [spec.name, ...action, ...twice]);
        if (multiple === true) {
          expect(parse, `${spec.name} --${flag}`).not.toThrow(/given twice/);
        } else {
          const values = type === "string" ? ' ("one", then "two")' : "";
          expect(parse, `${spec.name} --${flag}`).toThrow(
            new UsageError(`${spec.name}: --${flag} given twice${values}; give it once`),
          );
        }
      }
    }
  });

  it.each([
    [
      ["deploy", "--stack", "dev", "--remove-tenant", "a", "--remove-tenant", "b"],
      { stack: "dev", removeTenants: ["a", "b"] },
    ],
    [
      ["deploy", "--stack", "dev", "--group", "beta", "--group", "beta"],
      { stack: "dev", groups: ["beta", "beta"] },
    ],
  ])("collects repeatable flags: %j", (argv, options) => {
    expect(parseCommand(COMMANDS, argv)).toMatchObject({ name: "deploy", options });
  });

  it.each([
    [["deploy", "--stack", "dev", "--stack", "production", "--help"]],
    [["status", "-h", "--help"]],
  ])("still answers --help: %j", (argv) => {
    expect(parseCommand(COMMANDS, argv)).toEqual({ name: "help", topic: argv[0] });
  });
});

describe("parsePort", () => {
  const refused = (text: string) =>
    new UsageError(`certs: --port "${text}" must be a port, a whole number from 1 to 65535`);
  it.each([
    { text: "0", result: refused("0") },
    { text: "1", result: 1 },
    { text: "443", result: 443 },
    { text: "65535", result: 65_535 },
    { text: "65536", result: refused("65536") },
    { text: "99999", result: refused("99999") },
    { text: "-1", result: refused("-1") },
    { text: "abc", result: refused("abc") },
    { text: "1.5", result: refused("1.5") },
    { text: "", result: refused("") },
    { text: " 80", result: refused(" 80") },
  ])("$text → $result", ({ text, result }) => {
    if (result instanceof UsageError) {
      expect(() => parsePort(text, "certs: --port")).toThrow(result);
    } else {
      expect(parsePort(text, "certs: --port")).toBe(result);
    }
  });
});

describe("main", () => {
  function setup() {
    const engine = new MemoryEngine({
      dev: devStack({ history: [update({ version: 1, message: `deploy commit=${SHA_1}` })] }),
    });
    return testContext(engine, { health: new FakeHealth() });
  }

  it("prints help without touching the engine beyond dispose", async () => {
    const ctx = setup();
    expect(await main(["deploy", "--help"], ctx)).toBe(0);
    expect(ctx.stdout.text).toBe(HELP_TEXT.deploy);
    expect(ctx.engine.calls.map((c) => c.method)).toEqual(["dispose"]);
  });

  it("exits 2 on a bad command line, with the error on stderr", async () => {
    const ctx = setup();
    expect(await main(["deploy", "--stack"], ctx)).toBe(2);
    expect(ctx.stderr.text).toMatch(
      /^error: deploy: Option '-s, --stack <value>' argument missing/,
    );
    expect(ctx.stdout.text).toBe("");
  });

  it("exits 2 on a --port out of range, before connecting anywhere", async () => {
    const ctx = setup();
    expect(
      await main(["certs", "--stack", "dev", "--address", "127.0.0.1", "--port", "99999"], ctx),
    ).toBe(2);
    expect(ctx.stderr.lines).toEqual([
      'error: certs: --port "99999" must be a port, a whole number from 1 to 65535',
    ]);
    expect(ctx.stdout.text).toBe("");
    expect(ctx.engine.calls.map((c) => c.method)).toEqual(["dispose"]);
  });

  it("exits 2 on a --stack given twice, deploying neither stack", async () => {
    const engine = new MemoryEngine({ dev: devStack(), production: devStack() });
    const ctx = testContext(engine, { answer: true });
    expect(
      await main(["deploy", "--stack", "dev", "--skip-build", "--stack", "production"], ctx),
    ).toBe(2);
    expect(ctx.stderr.lines).toEqual([
      'error: deploy: --stack given twice ("dev", then "production"); give it once',
    ]);
    expect(ctx.stdout.text).toBe("");
    expect(engine.calls.map((c) => c.method)).toEqual(["dispose"]);
  });

  it("exits 1 with the explained error for an unknown stack, and disposes the engine", async () => {
    const ctx = setup();
    expect(await main(["history", "--stack", "prod"], ctx)).toBe(1);
    expect(ctx.stderr.lines).toEqual([
      'error: stack "prod" does not exist; stacks of this project: dev',
    ]);
    expect(ctx.engine.calls.at(-1)!.method).toBe("dispose");
  });

  it("exits 1 and says how to install Pulumi when the CLI is missing", async () => {
    const ctx = setup();
    ctx.engine.cliPresent = false;
    expect(await main(["status", "--stack", "dev"], ctx)).toBe(1);
    expect(ctx.stderr.text).toBe(
      'error: the Pulumi CLI was not found on PATH; install it with "curl -fsSL https://get.pulumi.com | sh" (or "brew install pulumi/tap/pulumi"), make sure ~/.pulumi/bin is on PATH, and check with "pulumi version"\n',
    );
  });

  it("returns the command's own exit code", async () => {
    const ctx = setup();
    expect(await main(["history", "--stack", "dev"], ctx)).toBe(0);
    expect(ctx.stdout.lines[1]).toMatch(/^v1 /);
    // Tenants answer nothing in this fake: status reports them down and exits 1.
    expect(await main(["status", "--stack", "dev", "--skip-preview"], ctx)).toBe(1);
  });

  it("turns an unexpected failure into exit 1 with its message", async () => {
    const ctx = setup();
    ctx.engine.history = () => Promise.reject(new Error("disk full"));
    expect(await main(["history", "--stack", "dev"], ctx)).toBe(1);
    expect(ctx.stderr.lines).toEqual(["error: disk full"]);
  });

  it("as a process, says on stderr which image overrides in the shell it ignores", () => {
    const root = path.join(__dirname, "..", "..");
    const stderrOf = (env: Record<string, string>) =>
      spawnSync(path.join(root, "node_modules", ".bin", "tsx"), ["ops/cli.ts", "--help"], {
        cwd: root,
        env: { ...process.env, ...env },
        encoding: "utf8",
      }).stderr;
    expect(stderrOf({ AGENT_CLOUD_SKIP_BUILD: "1", AGENT_CLOUD_IMAGE_TAG: "stale" })).toBe(
      "note: ignoring AGENT_CLOUD_SKIP_BUILD, AGENT_CLOUD_IMAGE_TAG from the environment: ops sets the program's overrides itself (from --skip-build, --force, --tag, --image-from, --database-moved, and the tenants it re-creates)\n",
    );
    expect(stderrOf({ AGENT_CLOUD_SKIP_BUILD: "0", AGENT_CLOUD_IMAGE_TAG: "" })).toBe("");
  }, 30_000);
});
