import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  assertNoSecretsInContext,
  PLATFORM_SECRET_RULE,
  scanContext,
  SecretsInContextError,
} from "../../components/image/scan-context";
import { FAKE_GITHUB_TOKEN, FAKE_PRIVATE_KEY, removeTempContexts, tempContext } from "./fixtures";

afterAll(removeTempContexts);

describe("scanContext", () => {
  it("finds nothing in a clean context", async () => {
    const dir = tempContext({
      Dockerfile: "FROM node:24-alpine\nCOPY server.mjs .\n",
      "server.mjs": "console.log(process.env.ANTHROPIC_API_KEY ? 'key set' : 'no key');\n",
      "docs/README.md": "Set ANTHROPIC_API_KEY with pulumi config set --secret.\n",
    });
    expect(await scanContext(dir)).toEqual([]);
    await expect(assertNoSecretsInContext(dir)).resolves.toBeUndefined();
  });

  it("names the file, line and rule of each leaked credential, without quoting it", async () => {
    const dir = tempContext({
      Dockerfile: "FROM node:24-alpine\n",
      "config/.env": `# local settings\nLOG_LEVEL=debug\nGITHUB_TOKEN=${FAKE_GITHUB_TOKEN}\n`,
      "keys/deploy.pem": `${FAKE_PRIVATE_KEY}\n`,
    });
    const findings = await scanContext(dir);
    expect(
      findings.map(({ file, line, column, ruleId }) => ({ file, line, column, ruleId })),
    ).toEqual([
      {
        file: "config/.env",
        line: 3,
        column: 14,
        ruleId: "@secretlint/secretlint-rule-github",
      },
      {
        file: "keys/deploy.pem",
        line: 1,
        column: 1,
        ruleId: "@secretlint/secretlint-rule-privatekey",
      },
    ]);
    const error = await assertNoSecretsInContext(dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SecretsInContextError);
    const message = (error as Error).message;
    expect(message).toContain(`image build context ${dir} holds 2 credentials`);
    expect(message).toMatch(/- config\/\.env:3:14 .*GitHub/);
    expect(message).toMatch(/- keys\/deploy\.pem:1:1 /);
    expect(message).not.toContain(FAKE_GITHUB_TOKEN);
    expect(message).not.toContain("MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi5TgvlbbFTpq");
  });

  it("also runs the platform's detector: *_PASS, webhook URLs, Stripe restricted keys", async () => {
    // Assembled at run time, like the fixtures, so the repository holds no credential shape.
    const stripe = ["rk", "live", "51AbCdEfGhIjKlMnOpQr"].join("_");
    const hook = [
      "https://hooks.slack.com",
      "services",
      "T0000000",
      "B0000000",
      "abcdefghijklmnopqrstuvwx",
    ].join("/");
    const dir = tempContext({
      Dockerfile: "FROM node:24-alpine\n",
      ".env": `LOG_LEVEL=debug\nSMTP_PASS=correct-horse-battery\nSMTP_PASS_FILE=/run/secrets/smtp\n`,
      "config/app.yaml": `billing:\n  key: ${stripe}\nnotify: ${hook}\ntoken: \${API_TOKEN}\n`,
    });
    const found = (await scanContext(dir)).map((f) => `${f.file}:${f.line}`);
    expect(found).toEqual([".env:2", "config/app.yaml:2", "config/app.yaml:3"]);
    const ours = (await scanContext(dir)).filter((f) => f.ruleId === PLATFORM_SECRET_RULE);
    expect(ours.map((f) => f.message)).toEqual(
      expect.arrayContaining([
        "found a literal value for SMTP_PASS",
        "found a Stripe secret or restricted key (sk_/rk_live_...)",
      ]),
    );
    for (const f of ours) expect(f.message).not.toContain(stripe);
  });

  it("skips binary files", async () => {
    const dir = tempContext({
      "assets/blob.bin": Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(FAKE_GITHUB_TOKEN)]),
    });
    expect(await scanContext(dir)).toEqual([]);
  });

  it("scans .git and node_modules when no .dockerignore keeps them out: every token is found", async () => {
    // COPY . /app sends all three; a clone's token stays in .git/config.
    const dir = tempContext({
      Dockerfile: "FROM node:24-alpine\nCOPY . /app\n",
      ".git/config": `[remote "origin"]\n  url = https://${FAKE_GITHUB_TOKEN}@github.com/acme/agent.git\n`,
      "node_modules/x/creds.txt": `token=${FAKE_GITHUB_TOKEN}\n`,
      "config/.env": `GITHUB_TOKEN=${FAKE_GITHUB_TOKEN}\n`,
    });
    const findings = await scanContext(dir);
    expect(findings.map(({ file, line, ruleId }) => ({ file, line, ruleId }))).toEqual([
      { file: ".git/config", line: 2, ruleId: "@secretlint/secretlint-rule-github" },
      { file: "config/.env", line: 1, ruleId: "@secretlint/secretlint-rule-github" },
      { file: "node_modules/x/creds.txt", line: 1, ruleId: "@secretlint/secretlint-rule-github" },
    ]);
    await expect(assertNoSecretsInContext(dir)).rejects.toThrow(
      "(a file listed in .dockerignore is still scanned: move it elsewhere; only .git and " +
        "node_modules are skipped, where .dockerignore excludes them)",
    );
  });

  // [.dockerignore (undefined: none), the files of the three below that are scanned]
  const GIT = ".git/config";
  const MODULES = "node_modules/x/creds.txt";
  const NESTED = "app/node_modules/y/creds.txt";
  it.each<[string | undefined, string[]]>([
    [undefined, [GIT, NESTED, MODULES]],
    ["", [GIT, NESTED, MODULES]],
    ["# .git\n# node_modules\n", [GIT, NESTED, MODULES]],
    [".git", [NESTED, MODULES]],
    [".git/", [NESTED, MODULES]],
    ["/.git", [NESTED, MODULES]],
    ["**/.git", [NESTED, MODULES]],
    ["node_modules", [GIT, NESTED]],
    ["node_modules/", [GIT, NESTED]],
    ["**/node_modules", [GIT]],
    ["*/node_modules", [GIT, MODULES]],
    ["# VCS and deps\n.git\n\nnode_modules\n*/node_modules\n", []],
    [".git\n**/node_modules\n!.git/HEAD\n", [GIT]],
    ["**/node_modules\n.git\n!node_modules/x/keep.txt\n", [MODULES]],
    ["*\n!Dockerfile\n", []],
  ])(".dockerignore %j: scans %j", async (ignore, scanned) => {
    const dir = tempContext({
      Dockerfile: "FROM node:24-alpine\nCOPY . /app\n",
      [GIT]: `[remote]\n  token = ${FAKE_GITHUB_TOKEN}\n`,
      [MODULES]: `${FAKE_PRIVATE_KEY}\n`,
      [NESTED]: `${FAKE_PRIVATE_KEY}\n`,
      ...(ignore === undefined ? {} : { ".dockerignore": ignore }),
    });
    expect((await scanContext(dir)).map((f) => f.file)).toEqual(scanned);
  });

  // BuildKit reads a Dockerfile's own <Dockerfile>.dockerignore instead of the context's.
  it.each<[string, Record<string, string>, string[]]>([
    ["the Dockerfile's own file wins", { "Dockerfile.dockerignore": "node_modules\n" }, [GIT]],
    ["the context's file without one", { "build.Dockerfile.dockerignore": "node_modules\n" }, []],
  ])("%s", async (_, files, scanned) => {
    const dir = tempContext({
      Dockerfile: "FROM node:24-alpine\nCOPY . /app\n",
      ".dockerignore": ".git\nnode_modules\n",
      [GIT]: `[remote]\n  token = ${FAKE_GITHUB_TOKEN}\n`,
      [MODULES]: `${FAKE_PRIVATE_KEY}\n`,
      ...files,
    });
    const found = await scanContext(dir, path.join(dir, "Dockerfile"));
    expect(found.map((f) => f.file)).toEqual(scanned);
  });

  it("refuses a context that does not exist", async () => {
    await expect(scanContext(path.join(tmpdir(), "no-such-agent-cloud-context"))).rejects.toThrow(
      /no such directory/,
    );
  });
});
