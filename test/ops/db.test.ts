import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { db, dbAction } from "../../ops/commands/db";
import { connectionArgs, connectionEnv, connectionFrom } from "../../ops/plans/db-connection";
import { backupFileName, listBackups } from "../../ops/adapters/backup-files";
import { OpsError, UsageError } from "../../ops/errors";
import { formatBytes } from "../../ops/format/units";
import { FakeDbTools, FakeSecrets, testContext } from "../../testkit/ops/fakes";
import { devStack } from "./support/fixtures";
import { MemoryEngine } from "../../testkit/ops/memory-engine";

const URL_ACME =
  "postgres://dev_acme:s3cr%40t@dev-database.dev-data.svc.cluster.local:5432/dev_acme?sslmode=disable";

describe("connectionFrom", () => {
  it("splits the URL; the password only goes to the environment", () => {
    const c = connectionFrom(URL_ACME, { host: "localhost", port: 30432 });
    expect(connectionArgs(c)).toEqual([
      "--host=localhost",
      "--port=30432",
      "--username=dev_acme",
      "--dbname=dev_acme",
    ]);
    expect(connectionEnv(c)).toEqual({
      PGPASSWORD: "s3cr@t",
      PGSSLMODE: "disable",
      PGCONNECT_TIMEOUT: "10",
    });
  });

  it.each([
    ["postgres://u:p@db.example.com/app?sslmode=require", "db.example.com", 5432, "require"],
    ["postgresql://u:p@[2001:db8::1]:6432/app", "2001:db8::1", 6432, "prefer"],
  ])("%s", (url, host, port, sslmode) => {
    expect(connectionFrom(url)).toMatchObject({ host, port, sslmode, user: "u", database: "app" });
  });

  it.each([
    ["not a url", "the tenant's DATABASE_URL is not a URL (its value is not shown)"],
    ["mysql://u:p@h/db", "the tenant's DATABASE_URL is a mysql: URL, not postgres:"],
  ])("refuses %s without echoing it", (url, message) => {
    expect(() => connectionFrom(url)).toThrow(new OpsError(message));
  });
});

describe("dbAction, names, sizes", () => {
  it.each([[["backup"]], [["restore"]], [["list"]]])("%j", (words) => {
    expect(dbAction(words)).toBe(words[0]);
  });
  it.each([
    [[], "db: expected one of backup, restore, list; got nothing"],
    [["drop"], 'db: expected one of backup, restore, list; got "drop"'],
    [["backup", "now"], 'db: expected one of backup, restore, list; got "backup now"'],
  ])("refuses %j", (words, message) => {
    expect(() => dbAction(words)).toThrow(new UsageError(message));
  });
  it("names dumps by tenant and UTC time", () => {
    expect(backupFileName("acme", new Date("2026-11-22T10:00:00.123Z"))).toBe(
      "acme-20261122T100000Z.dump",
    );
  });
  it.each([
    [0, "0 B"],
    [1023, "1023 B"],
    [1536, "1.5 KiB"],
    [5 * 1024 * 1024, "5.0 MiB"],
  ])("%d bytes → %s", (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe("db command", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "ops-db-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function setup(tools = new FakeDbTools()) {
    const secrets = new FakeSecrets({
      "dev-tenant-acme/sp-acme-env": { DATABASE_URL: URL_ACME, AGENT_CLOUD_API_KEY: "k" },
    });
    const ctx = testContext(new MemoryEngine({ dev: devStack() }), { secrets, dbTools: tools });
    return { ctx, secrets, tools };
  }

  it("backs up with pg_dump as the tenant, at the in-cluster server's admin endpoint", async () => {
    const { ctx, secrets, tools } = setup();
    expect(await db(ctx, { action: "backup", stack: "dev", tenant: "acme", dir, yes: false })).toBe(
      0,
    );
    const file = path.join(dir, "acme-20261122T100000Z.dump");
    expect(secrets.asked).toEqual(["dev-tenant-acme/sp-acme-env"]);
    expect(tools.runs).toEqual([
      {
        program: "pg_dump",
        args: [
          "--host=localhost",
          "--port=30432",
          "--username=dev_acme",
          "--dbname=dev_acme",
          "--format=custom",
          "--no-owner",
          "--no-privileges",
          `--file=${file}.partial`,
        ],
        env: { PGPASSWORD: "s3cr@t", PGSSLMODE: "disable", PGCONNECT_TIMEOUT: "10" },
      },
    ]);
    expect(ctx.stdout.lines).toEqual([
      'db backup: tenant "acme", database dev_acme as dev_acme at localhost:30432',
      `wrote ${file} (16 B)`,
    ]);
    expect(ctx.stdout.text).not.toContain("s3cr");
    expect(await readdir(dir)).toEqual(["acme-20261122T100000Z.dump"]);
  });

  it("connects to an external server's own host, or where --host/--port say", async () => {
    const { ctx, tools } = setup();
    ctx.engine.stacks.dev!.config["agent-cloud:database"] = { mode: "external", host: "x" };
    await db(ctx, { action: "backup", stack: "dev", tenant: "acme", dir, yes: false });
    expect(tools.runs[0]!.args.slice(0, 2)).toEqual([
      "--host=dev-database.dev-data.svc.cluster.local",
      "--port=5432",
    ]);
    await db(ctx, {
      action: "backup",
      stack: "dev",
      tenant: "acme",
      dir,
      host: "127.0.0.1",
      port: 15432,
      yes: false,
    });
    expect(tools.runs[1]!.args.slice(0, 2)).toEqual(["--host=127.0.0.1", "--port=15432"]);
  });

  it("leaves no partial file when pg_dump fails, and says why", async () => {
    const { ctx } = setup(
      new FakeDbTools({ code: 1, stderr: "pg_dump: error: connection refused" }),
    );
    expect(await db(ctx, { action: "backup", stack: "dev", tenant: "acme", dir, yes: false })).toBe(
      1,
    );
    expect(ctx.stderr.lines).toEqual([
      "error: pg_dump failed (exit 1): pg_dump: error: connection refused",
    ]);
    expect(await readdir(dir)).toEqual([]);
  });

  it("lists dumps newest first and restores the newest after asking", async () => {
    const { ctx, tools } = setup();
    await writeFile(path.join(dir, "acme-20261120T030000Z.dump"), "x".repeat(2048));
    await writeFile(path.join(dir, "acme-20261121T030000Z.dump"), "y");
    await writeFile(path.join(dir, "globex-20261121T030000Z.dump"), "z");
    expect(await db(ctx, { action: "list", stack: "dev", tenant: "acme", dir, yes: false })).toBe(
      0,
    );
    expect(ctx.stdout.lines).toEqual([
      "FILE                        TAKEN                 SIZE",
      "acme-20261121T030000Z.dump  2026-11-21 03:00:00Z  1 B",
      "acme-20261120T030000Z.dump  2026-11-20 03:00:00Z  2.0 KiB",
    ]);
    expect((await listBackups(dir, "acme")).map((b) => path.basename(b.file))).toEqual([
      "acme-20261121T030000Z.dump",
      "acme-20261120T030000Z.dump",
    ]);

    const refused = setup();
    await db(refused.ctx, { action: "restore", stack: "dev", tenant: "acme", dir, yes: false });
    expect(refused.ctx.questions).toEqual([
      'replace the tables of tenant "acme" with the contents of acme-20261121T030000Z.dump?',
    ]);
    expect(refused.tools.runs).toEqual([]);

    expect(await db(ctx, { action: "restore", stack: "dev", tenant: "acme", dir, yes: true })).toBe(
      0,
    );
    expect(tools.runs[0]!.program).toBe("pg_restore");
    expect(tools.runs[0]!.args).toEqual([
      "--host=localhost",
      "--port=30432",
      "--username=dev_acme",
      "--dbname=dev_acme",
      "--clean",
      "--if-exists",
      "--no-owner",
      "--no-privileges",
      "--single-transaction",
      "--exit-on-error",
      path.join(dir, "acme-20261121T030000Z.dump"),
    ]);
    expect(ctx.stdout.lines.slice(3)).toEqual([
      `db restore: tenant "acme" from ${path.join(dir, "acme-20261121T030000Z.dump")} into database dev_acme as dev_acme at localhost:30432`,
      'restored tenant "acme" from acme-20261121T030000Z.dump',
    ]);
  });

  it("explains a Secret it cannot read, an unknown tenant and an empty folder", async () => {
    const { ctx } = setup();
    await expect(
      db(ctx, { action: "backup", stack: "dev", tenant: "globex", dir, yes: false }),
    ).rejects.toThrow(
      new OpsError(
        "cannot read Secret sp-globex-env in namespace dev-tenant-globex (the tenant's DATABASE_URL) with the current kubeconfig context: HTTP-Code: 403",
      ),
    );
    await expect(
      db(ctx, { action: "list", stack: "dev", tenant: "nope", dir, yes: false }),
    ).rejects.toThrow(
      new OpsError('stack "dev" has no tenant "nope"; its tenants: acme, big-acme, globex'),
    );
    await expect(
      db(ctx, { action: "restore", stack: "dev", tenant: "acme", dir, yes: true }),
    ).rejects.toThrow(new OpsError(`no backups of tenant "acme" in ${dir}; pass --from FILE`));
  });
});
