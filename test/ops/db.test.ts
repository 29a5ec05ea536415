import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../ops/cli";
import { db, dbAction } from "../../ops/commands/db";
import {
  checkDumpSource,
  describeCodeEntries,
  dumpCodeEntries,
  dumpDatabase,
} from "../../ops/plans/dump-source";
import { connectionArgs, connectionEnv, connectionFrom } from "../../ops/plans/db-connection";
import { backupFileName, backupTenant, listBackups } from "../../ops/adapters/backup-files";
import { OpsError, UsageError } from "../../ops/errors";
import { formatBytes } from "../../ops/format/units";
import { FakeDbTools, FakeSecrets, fakeDumpHeader, testContext } from "../../testkit/ops/fakes";
import { devStack } from "./support/fixtures";
import { MemoryEngine } from "../../testkit/ops/memory-engine";

const URL_ACME =
  "postgres://dev_acme:s3cr%40t@dev-database.dev-data.svc.cluster.local:5432/dev_acme?sslmode=disable";

describe("connectionFrom", () => {
  it("splits the URL; the password only goes to the environment", () => {
    const connection = connectionFrom(URL_ACME, { host: "localhost", port: 30432 });
    expect(connectionArgs(connection)).toEqual([
      "--host=localhost",
      "--port=30432",
      "--username=dev_acme",
      "--dbname=dev_acme",
    ]);
    expect(connectionEnv(connection)).toEqual({
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
  /** pg_restore's arguments for acme in dev, before the dump file. */
  const RESTORE_ARGS = [
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
  ];

  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "ops-db-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function setup(tools = new FakeDbTools(), answer = false) {
    const secrets = new FakeSecrets({
      "dev-tenant-acme/sp-acme-env": { DATABASE_URL: URL_ACME, AGENT_CLOUD_API_KEY: "k" },
    });
    const ctx = testContext(new MemoryEngine({ dev: devStack() }), {
      secrets,
      dbTools: tools,
      answer,
    });
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

  /** A table name that retitles the terminal and clears it, as pg_dump quotes it. */
  const EVIL_TABLE = '"\x1b]0;owned\x07t\x1b[2J"';

  it("prints pg_dump's and pg_restore's messages without terminal control sequences", async () => {
    const failure = {
      code: 1,
      stderr: `pg_dump: error: query failed: ERROR:  permission denied for table ${EVIL_TABLE}\r\npg_dump: detail: Query was: LOCK TABLE public.${EVIL_TABLE} IN ACCESS SHARE MODE\x07`,
    };
    const backup = setup(new FakeDbTools(failure));
    const argv = ["--stack", "dev", "--tenant", "acme", "--dir", dir];
    expect(await main(["db", "backup", ...argv], backup.ctx)).toBe(1);
    expect(backup.ctx.stderr.text).toBe(
      'error: pg_dump failed (exit 1): pg_dump: error: query failed: ERROR:  permission denied for table "t"\n' +
        'pg_dump: detail: Query was: LOCK TABLE public."t" IN ACCESS SHARE MODE\n',
    );

    await writeFile(path.join(dir, "acme-20261121T030000Z.dump"), "dump of dev_acme");
    const restore = setup(
      new FakeDbTools({
        code: 1,
        stderr: `pg_restore: error: could not execute query: ERROR:  relation ${EVIL_TABLE} already exists`,
      }),
    );
    expect(await main(["db", "restore", ...argv, "--yes"], restore.ctx)).toBe(1);
    expect(restore.ctx.stderr.text).toBe(
      'error: pg_restore failed (exit 1), nothing was changed: pg_restore: error: could not execute query: ERROR:  relation "t" already exists\n',
    );
  });

  it("shows a dump header's database name without terminal control sequences", async () => {
    const { ctx } = setup();
    const file = path.join(dir, "acme-20261122T030000Z.dump");
    await writeFile(file, "dump of sp_\x1b]0;owned\x07evil\x1b[2J");
    expect(
      await main(
        ["db", "restore", "--stack", "dev", "--tenant", "acme", "--from", file, "--yes"],
        ctx,
      ),
    ).toBe(1);
    expect(ctx.stderr.lines).toEqual([
      `error: ${file} holds database sp_evil, not dev_acme, the database of tenant "acme" in environment "dev" it would be restored into. Nothing was restored. ` +
        'To restore one of "acme"\'s own dumps, pick one from db list --stack dev --tenant acme; to put this other database\'s data into "acme" deliberately, pass --from-database sp_evil',
    ]);
  });

  it("lists dumps newest first and restores the newest after asking", async () => {
    const { ctx, tools } = setup();
    await writeFile(path.join(dir, "acme-20261120T030000Z.dump"), "x".repeat(2048));
    await writeFile(path.join(dir, "acme-20261121T030000Z.dump"), "dump of dev_acme");
    await writeFile(path.join(dir, "globex-20261121T030000Z.dump"), "z");
    expect(await db(ctx, { action: "list", stack: "dev", tenant: "acme", dir, yes: false })).toBe(
      0,
    );
    expect(ctx.stdout.lines).toEqual([
      "FILE                        TAKEN                 SIZE",
      "acme-20261121T030000Z.dump  2026-11-21 03:00:00Z  16 B",
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
    expect(refused.tools.runs.map((r) => [r.program, ...r.args])).toEqual([
      ["pg_restore", "--list", path.join(dir, "acme-20261121T030000Z.dump")],
    ]);

    expect(await db(ctx, { action: "restore", stack: "dev", tenant: "acme", dir, yes: true })).toBe(
      0,
    );
    expect(tools.runs[0]).toEqual({
      program: "pg_restore",
      args: ["--list", path.join(dir, "acme-20261121T030000Z.dump")],
      env: {},
    });
    expect(tools.runs[1]!.program).toBe("pg_restore");
    expect(tools.runs[1]!.args).toEqual([
      ...RESTORE_ARGS,
      path.join(dir, "acme-20261121T030000Z.dump"),
    ]);
    expect(ctx.stdout.lines.slice(3)).toEqual([
      `db restore: tenant "acme" from ${path.join(dir, "acme-20261121T030000Z.dump")} into database dev_acme as dev_acme at localhost:30432`,
      'restored tenant "acme" from acme-20261121T030000Z.dump',
    ]);
  });

  /** globex's production dump, under backups/production/globex as `db backup` files it there. */
  async function globexProductionDump(content = "dump of sp_production_globex"): Promise<string> {
    const folder = path.join(dir, "production", "globex");
    await mkdir(folder, { recursive: true });
    const file = path.join(folder, "globex-20261121T030000Z.dump");
    await writeFile(file, content);
    return file;
  }

  it("refuses another tenant's dump from another environment, running only pg_restore --list", async () => {
    const { ctx, tools } = setup();
    const file = await globexProductionDump();
    const argv = ["db", "restore", "--stack", "dev", "--tenant", "acme", "--from", file, "--yes"];
    expect(await main(argv, ctx)).toBe(1);
    expect(ctx.stderr.lines).toEqual([
      `error: ${file} holds database sp_production_globex, not dev_acme, the database of tenant "acme" in environment "dev" it would be restored into. Nothing was restored. ` +
        'To restore one of "acme"\'s own dumps, pick one from db list --stack dev --tenant acme; to put this other database\'s data into "acme" deliberately, pass --from-database sp_production_globex',
    ]);
    expect(ctx.stdout.lines).toEqual([]);
    expect(ctx.questions).toEqual([]);
    expect(tools.runs).toEqual([{ program: "pg_restore", args: ["--list", file], env: {} }]);
  });

  it("refuses a dump renamed to the tenant's name: its header, not its name, says whose it is", async () => {
    const { ctx, tools } = setup();
    await writeFile(path.join(dir, "acme-20261122T030000Z.dump"), "dump of sp_production_globex");
    await expect(
      db(ctx, { action: "restore", stack: "dev", tenant: "acme", dir, yes: true }),
    ).rejects.toThrow(
      /^\S+acme-20261122T030000Z\.dump holds database sp_production_globex, not dev_acme,/,
    );
    expect(tools.runs.map((r) => r.args[0])).toEqual(["--list"]);
  });

  it("restores another database's dump with --from-database naming it, and says where the data comes from", async () => {
    const { ctx, tools } = setup(new FakeDbTools(), true);
    const file = await globexProductionDump();
    const argv = ["db", "restore", "--stack", "dev", "--tenant", "acme", "--from", file];
    expect(await main([...argv, "--from-database", "sp_production_globex"], ctx)).toBe(0);
    expect(ctx.stderr.lines).toEqual([]);
    expect(ctx.stdout.lines).toEqual([
      `db restore: tenant "acme" from ${file} into database dev_acme as dev_acme at localhost:30432`,
      '  its data comes from database sp_production_globex (--from-database), not from tenant "acme"\'s own dev_acme',
      'restored tenant "acme" from globex-20261121T030000Z.dump',
    ]);
    expect(ctx.questions).toEqual([
      'replace the tables of tenant "acme" with the contents of globex-20261121T030000Z.dump, a dump of database sp_production_globex?',
    ]);
    expect(tools.runs.map((r) => [r.program, ...r.args])).toEqual([
      ["pg_restore", "--list", file],
      ["pg_restore", ...RESTORE_ARGS, file],
    ]);
  });

  /** globex's dump with a CHECK's function (its name with terminal control sequences) and a trigger. */
  const globexDumpWithCode = () =>
    globexProductionDump(
      [
        "dump of sp_production_globex",
        "220; 1255 98782 FUNCTION public valid_sku\x1b]0;owned\x07(text) sp_production_globex",
        "3231; 2620 98803 TRIGGER public notes stamp sp_production_globex",
      ].join("\n"),
    );
  const CODE =
    "2 entries (FUNCTION public valid_sku(text) sp_production_globex; TRIGGER public notes stamp sp_production_globex)";

  it("refuses another database's dump that holds code, even with --from-database and --yes, restoring nothing", async () => {
    const { ctx, tools } = setup();
    const file = await globexDumpWithCode();
    const argv = ["db", "restore", "--stack", "dev", "--tenant", "acme", "--from", file];
    expect(await main([...argv, "--from-database", "sp_production_globex", "--yes"], ctx)).toBe(1);
    expect(ctx.stderr.lines).toEqual([
      `error: ${file} holds database sp_production_globex and code that would run as tenant "acme"'s role dev_acme if restored into dev_acme: ${CODE}. Nothing was restored. ` +
        "Whoever controls sp_production_globex wrote that code; run as dev_acme, it can do whatever dev_acme can (change its password, read or change its data). " +
        `Read it first (pg_restore --file=- ${file} prints the dump's SQL); to restore it knowing that its code runs as dev_acme, pass --run-source-code`,
    ]);
    expect(ctx.stdout.lines).toEqual([]);
    expect(ctx.questions).toEqual([]);
    expect(tools.runs).toEqual([{ program: "pg_restore", args: ["--list", file], env: {} }]);
  });

  it("restores it with --run-source-code, saying that its code runs as the tenant's role", async () => {
    const { ctx, tools } = setup(new FakeDbTools(), true);
    const file = await globexDumpWithCode();
    const argv = ["db", "restore", "--stack", "dev", "--tenant", "acme", "--from", file];
    expect(
      await main([...argv, "--from-database", "sp_production_globex", "--run-source-code"], ctx),
    ).toBe(0);
    expect(ctx.stderr.lines).toEqual([]);
    expect(ctx.stdout.lines).toEqual([
      `db restore: tenant "acme" from ${file} into database dev_acme as dev_acme at localhost:30432`,
      '  its data comes from database sp_production_globex (--from-database), not from tenant "acme"\'s own dev_acme',
      `  its code runs as tenant "acme"'s role dev_acme, with its privileges (--run-source-code): ${CODE}`,
      'restored tenant "acme" from globex-20261121T030000Z.dump',
    ]);
    expect(ctx.questions).toEqual([
      'replace the tables of tenant "acme" with the contents of globex-20261121T030000Z.dump, a dump of database sp_production_globex, whose code will run as role dev_acme?',
    ]);
    expect(tools.runs.map((r) => [r.program, ...r.args])).toEqual([
      ["pg_restore", "--list", file],
      ["pg_restore", ...RESTORE_ARGS, file],
    ]);
  });

  it("refuses --from-database naming another database than the dump's header", async () => {
    const { ctx, tools } = setup();
    const file = await globexProductionDump();
    await expect(
      db(ctx, {
        action: "restore",
        stack: "dev",
        tenant: "acme",
        from: file,
        fromDatabase: "sp_staging_globex",
        yes: true,
      }),
    ).rejects.toThrow(
      new OpsError(
        `--from-database sp_staging_globex is not the database ${file} holds: its header says sp_production_globex. Nothing was restored; to restore it into tenant "acme" in environment "dev" (database dev_acme), pass --from-database sp_production_globex`,
      ),
    );
    expect(tools.runs.map((r) => r.args[0])).toEqual(["--list"]);
  });

  it("refuses a dump whose header pg_restore cannot read, restoring nothing", async () => {
    const { ctx, tools } = setup();
    const file = await globexProductionDump("not an archive");
    await expect(
      db(ctx, {
        action: "restore",
        stack: "dev",
        tenant: "acme",
        from: file,
        fromDatabase: "sp_production_globex",
        yes: true,
      }),
    ).rejects.toThrow(
      new OpsError(
        `cannot read the header of ${file}: pg_restore --list failed (exit 1): pg_restore: error: input file does not appear to be a valid archive. Nothing was restored: without it there is no telling whose database the dump holds; pass --from a custom-format dump, as db backup writes them`,
      ),
    );
    expect(tools.runs).toEqual([{ program: "pg_restore", args: ["--list", file], env: {} }]);
    expect(ctx.questions).toEqual([]);
  });

  it("restores the tenant's own dump under another tenant's file name, with a note", async () => {
    const { ctx, tools } = setup();
    const file = await globexProductionDump("dump of dev_acme");
    expect(
      await db(ctx, { action: "restore", stack: "dev", tenant: "acme", from: file, yes: true }),
    ).toBe(0);
    expect(ctx.stdout.lines).toEqual([
      `db restore: tenant "acme" from ${file} into database dev_acme as dev_acme at localhost:30432`,
      '  note: its file name says tenant "globex"; its header, which decides, says it holds dev_acme, tenant "acme"\'s own database',
      'restored tenant "acme" from globex-20261121T030000Z.dump',
    ]);
    expect(tools.runs.map((r) => r.args.at(-1))).toEqual([file, file]);
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

/** A table of contents line of globex's dump, as `pg_restore --list` prints it. */
const toc = (entry: string) => `3231; 2620 98803 ${entry}`;

describe("the code in a dump's table of contents", () => {
  /** Entries that run no code: a table, its data, its sequence, a view, a comment, an extension. */
  const DATA = [
    "6; 2615 98781 SCHEMA - my app globex",
    "853; 1247 98807 TYPE public mood globex",
    "217; 1259 98796 TABLE my app odd tbl globex",
    "215; 1259 98785 SEQUENCE public t_id_seq globex",
    "3388; 0 0 SEQUENCE OWNED BY public t_id_seq globex",
    "219; 1259 98817 VIEW public vv globex",
    "3379; 0 98796 TABLE DATA my app odd tbl globex",
    "3389; 0 0 SEQUENCE SET public t_id_seq globex",
    "3387; 0 0 COMMENT public FUNCTION f(a text, b integer) globex",
    "2; 3079 16384 EXTENSION - pgcrypto ",
    "3400; 0 0 COMMENT - EXTENSION pgcrypto ",
  ];
  /** Entries that call what the table of contents does not show. */
  const CALLING = [
    "DEFAULT public t id globex",
    "CHECK CONSTRAINT public t w_pos globex",
    "CONSTRAINT public t t_pkey globex",
    "FK CONSTRAINT public t t_w_fk globex",
    "INDEX public t_v globex",
  ];

  it.each<[string, string[], string[]]>([
    ["a table, its data, a view, a comment on a function, an extension", DATA, []],
    [
      "a serial column's DEFAULT, keys, an index and a CHECK, without functions of its own",
      [...DATA, ...CALLING.map(toc)],
      [],
    ],
    ...[
      "FUNCTION public valid_sku(text) globex",
      "PROCEDURE public p() globex",
      "AGGREGATE public agg(integer) globex",
      "TRIGGER public t tt globex",
      "EVENT TRIGGER - et globex",
      "RULE public t r globex",
      "OPERATOR public === globex",
      "CAST - CAST (public.mood AS integer)",
      "TRANSFORM - TRANSFORM FOR public.mood LANGUAGE sql",
      "MATERIALIZED VIEW public mv globex",
      "MATERIALIZED VIEW DATA public mv globex",
      // A doubt counts as code: an OPERATOR in a schema named CLASS.
      "OPERATOR CLASS === globex",
    ].map((entry): [string, string[], string[]] => [
      `one ${entry}`,
      [...DATA, toc(entry)],
      [entry],
    ]),
    [
      "a CAST with no owner: the line's trailing space dropped",
      ["3220; 2605 98810 CAST - CAST (public.mood AS integer) "],
      ["CAST - CAST (public.mood AS integer)"],
    ],
    [
      "a function of its own, with the DEFAULT, constraints and index that may call it",
      [...DATA, toc("FUNCTION public f(text, integer) globex"), ...CALLING.map(toc)],
      ["FUNCTION public f(text, integer) globex", ...CALLING],
    ],
    [
      "a procedure of its own, with a CHECK",
      [toc("PROCEDURE my app p() globex"), toc("CHECK CONSTRAINT public t w_pos globex")],
      ["PROCEDURE my app p() globex", "CHECK CONSTRAINT public t w_pos globex"],
    ],
    [
      "a function in pg_catalog: its constraints do not count",
      [toc("FUNCTION pg_catalog f() globex"), ...CALLING.map(toc)],
      ["FUNCTION pg_catalog f() globex"],
    ],
    [
      "CRLF line ends",
      [toc("FUNCTION public f() globex\r"), toc("INDEX public i globex\r")],
      ["FUNCTION public f() globex", "INDEX public i globex"],
    ],
    [
      "a function whose name holds a line separator (U+2028), which is not a line end",
      [toc("FUNCTION public f\u2028x() globex")],
      ["FUNCTION public f\u2028x() globex"],
    ],
    [
      "header comments, which are not entries",
      [";     dbname: 1; 2 3 FUNCTION public f() x", "; 1; 2 3 TRIGGER public t tt x"],
      [],
    ],
  ])("%s", (_, lines, entries) => {
    expect(dumpCodeEntries(fakeDumpHeader("sp_production_globex", lines))).toEqual(entries);
  });
});

describe("a dump's header", () => {
  it.each([
    [
      "pg_restore --list of a PostgreSQL 15 dump",
      fakeDumpHeader("sp_production_globex"),
      "sp_production_globex",
    ],
    ["CRLF line ends", fakeDumpHeader("sp_dev_acme").replace(/\n/g, "\r\n"), "sp_dev_acme"],
    ["no dbname line", "; Archive created at 2026-11-21 03:00:00 UTC\n;\n", undefined],
    ["an empty dbname", ";     dbname: \n", undefined],
    [
      "dbname only after the table of contents starts",
      "; Selected TOC Entries:\n;     dbname: x\n",
      undefined,
    ],
    ["nothing", "", undefined],
  ])("%s", (_, listing, database) => {
    expect(dumpDatabase(listing)).toBe(database);
  });

  const target = {
    stack: "dev",
    tenant: "acme",
    environment: "dev",
    database: "sp_dev_acme",
    role: "sp_dev_acme",
  };
  const read = (dbname: string) => ({ code: 0, stderr: "", stdout: fakeDumpHeader(dbname) });

  it.each([
    [
      "the tenant's own",
      "sp_dev_acme",
      undefined,
      { database: "sp_dev_acme", foreign: false, code: [] },
    ],
    [
      "its own, named",
      "sp_dev_acme",
      "sp_dev_acme",
      { database: "sp_dev_acme", foreign: false, code: [] },
    ],
    [
      "another, named",
      "sp_production_globex",
      "sp_production_globex",
      { database: "sp_production_globex", foreign: true, code: [] },
    ],
  ])("accepts %s", (_, dbname, fromDatabase, source) => {
    expect(checkDumpSource("d.dump", read(dbname), target, fromDatabase)).toEqual(source);
  });

  it.each([
    [
      "another environment's, same tenant",
      read("sp_production_acme"),
      undefined,
      'd.dump holds database sp_production_acme, not sp_dev_acme, the database of tenant "acme" in environment "dev" it would be restored into. Nothing was restored. To restore one of "acme"\'s own dumps, pick one from db list --stack dev --tenant acme; to put this other database\'s data into "acme" deliberately, pass --from-database sp_production_acme',
    ],
    [
      "its own, named as another",
      read("sp_dev_acme"),
      "sp_dev_globex",
      '--from-database sp_dev_globex is not the database d.dump holds: its header says sp_dev_acme. Nothing was restored; to restore it into tenant "acme" in environment "dev" (database sp_dev_acme), pass --from-database sp_dev_acme',
    ],
    [
      "a header without a dbname",
      { code: 0, stderr: "", stdout: ";\n; Selected TOC Entries:\n" },
      undefined,
      'the header of d.dump names no database (pg_restore --list printed no "dbname:" line). Nothing was restored: without it there is no telling whose database the dump holds; pass --from a custom-format dump, as db backup writes them',
    ],
    [
      "pg_restore missing",
      { code: 127, stderr: "pg_restore is not installed", stdout: "" },
      "sp_dev_acme",
      "cannot read the header of d.dump: pg_restore --list failed (exit 127): pg_restore is not installed. Nothing was restored: without it there is no telling whose database the dump holds; pass --from a custom-format dump, as db backup writes them",
    ],
  ])("refuses %s", (_, header, fromDatabase, message) => {
    expect(() => checkDumpSource("d.dump", header, target, fromDatabase)).toThrow(
      new OpsError(message),
    );
  });

  /** globex's dump with a function and a trigger calling it, as `pg_restore --list` lists them. */
  const WITH_CODE = (code: { code: number; stderr: string } = { code: 0, stderr: "" }) => ({
    ...code,
    stdout: fakeDumpHeader("sp_production_globex", [
      "220; 1255 98782 FUNCTION public valid_sku(text) sp_production_globex",
      "3231; 2620 98803 TRIGGER public notes stamp sp_production_globex",
    ]),
  });

  it("refuses another database's dump that holds code, naming its entries and the flag", () => {
    expect(() => checkDumpSource("d.dump", WITH_CODE(), target, "sp_production_globex")).toThrow(
      new OpsError(
        'd.dump holds database sp_production_globex and code that would run as tenant "acme"\'s role sp_dev_acme if restored into sp_dev_acme: ' +
          "2 entries (FUNCTION public valid_sku(text) sp_production_globex; TRIGGER public notes stamp sp_production_globex). Nothing was restored. " +
          "Whoever controls sp_production_globex wrote that code; run as sp_dev_acme, it can do whatever sp_dev_acme can (change its password, read or change its data). " +
          "Read it first (pg_restore --file=- d.dump prints the dump's SQL); to restore it knowing that its code runs as sp_dev_acme, pass --run-source-code",
      ),
    );
  });

  it("accepts another database's dump with code when the operator runs it knowingly, and the tenant's own dump with code", () => {
    expect(checkDumpSource("d.dump", WITH_CODE(), target, "sp_production_globex", true)).toEqual({
      database: "sp_production_globex",
      foreign: true,
      code: [
        "FUNCTION public valid_sku(text) sp_production_globex",
        "TRIGGER public notes stamp sp_production_globex",
      ],
    });
    const own = { ...target, database: "sp_production_globex" };
    expect(checkDumpSource("d.dump", WITH_CODE(), own)).toEqual({
      database: "sp_production_globex",
      foreign: false,
      code: [],
    });
  });

  it.each([
    ["one entry", 1, "1 entry (E0)"],
    ["five entries", 5, "5 entries (E0; E1; E2; E3; E4)"],
    ["seven entries", 7, "7 entries (E0; E1; E2; E3; E4; and 2 more)"],
  ])("describes %s by the first five and a count", (_, count, text) => {
    expect(describeCodeEntries(Array.from({ length: count }, (__, i) => `E${i}`))).toBe(text);
  });

  it.each([
    ["backups/production/globex/globex-20261121T030000Z.dump", "globex"],
    ["big-acme-20261121T030000Z.dump", "big-acme"],
    ["latest.dump", undefined],
  ])("the file name %s says tenant %s", (file, tenant) => {
    expect(backupTenant(file)).toBe(tenant);
  });
});
