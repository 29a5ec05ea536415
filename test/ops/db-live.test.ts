/**
 * `ops db backup` and `ops db restore` with the real pg_dump and pg_restore against the Debian
 * PostgreSQL on loopback, as a tenant role that owns its database: dump, drop a table, restore,
 * and the rows are back; a dump's header names its database, and another tenant's restore of it
 * is refused.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../../ops/commands/db";
import { ProcessDbTools } from "../../ops/adapters/db-tools";
import { OpsError } from "../../ops/errors";
import { dumpDatabase, dumpHeaderArgs } from "../../ops/plans/dump-source";
import {
  postgresAvailable,
  TEST_POSTGRES_URL,
  uniqueSuffix,
  withClient,
} from "../../testkit/postgres";
import { FakeSecrets, testContext } from "../../testkit/ops/fakes";
import { devStack } from "./support/fixtures";
import { MemoryEngine } from "../../testkit/ops/memory-engine";

describe("db backup and restore on the real PostgreSQL", () => {
  let available = false;
  const suffix = uniqueSuffix();
  const role = `ops_db_${suffix}`;
  const database = `ops_db_${suffix}`;
  const password = `pw-${suffix}`;
  const server = new URL(TEST_POSTGRES_URL);
  const tenantUrl = `postgres://${role}:${password}@${server.hostname}:${server.port || 5432}/${database}?sslmode=disable`;
  // Another tenant's database (globex's), on the same server.
  const otherDatabase = `${database}_globex`;
  const otherUrl = tenantUrl.replace(`/${database}?`, `/${otherDatabase}?`);
  let dir: string;

  /**
   * The ops context for the dev stack on an external server here, each tenant's DATABASE_URL in
   * its Secret, running the real pg_dump and pg_restore.
   */
  function liveContext(urls: Readonly<Record<string, string>>) {
    const engine = new MemoryEngine({ dev: devStack() });
    engine.stacks.dev!.config["agent-cloud:database"] = { mode: "external", host: server.hostname };
    const secrets = Object.fromEntries(
      Object.entries(urls).map(([id, url]) => [
        `dev-tenant-${id}/sp-${id}-env`,
        { DATABASE_URL: url },
      ]),
    );
    return {
      ...testContext(engine, { secrets: new FakeSecrets(secrets) }),
      dbTools: new ProcessDbTools(),
    };
  }

  beforeAll(async () => {
    available = await postgresAvailable();
    if (!available) return;
    dir = await mkdtemp(path.join(os.tmpdir(), "ops-db-live-"));
    await withClient(TEST_POSTGRES_URL, async (client) => {
      await client.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
      await client.query(`CREATE DATABASE ${database} OWNER ${role}`);
      await client.query(`CREATE DATABASE ${otherDatabase} OWNER ${role}`);
    });
    await withClient(otherUrl, (client) => client.query("CREATE TABLE orders (n int)"));
    await withClient(tenantUrl, async (client) => {
      await client.query("CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)");
      await client.query("INSERT INTO notes (body) VALUES ('first'), ('second'), ('ünïcode ✓')");
      await client.query("CREATE TABLE kept (n int)");
    });
  });

  afterAll(async () => {
    if (!available) return;
    await withClient(TEST_POSTGRES_URL, async (client) => {
      await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await client.query(`DROP DATABASE IF EXISTS ${otherDatabase} WITH (FORCE)`);
      await client.query(`DROP ROLE IF EXISTS ${role}`);
    });
    await rm(dir, { recursive: true, force: true });
  });

  it("dumps, and after a table is dropped, restores its rows", async (t) => {
    if (!available) t.skip();
    const ctx = liveContext({ acme: tenantUrl });
    const base = { stack: "dev", tenant: "acme", dir, yes: true } as const;
    expect(await db(ctx, { ...base, action: "backup" })).toBe(0);
    expect(ctx.stderr.text).toBe("");
    expect(await readdir(dir)).toEqual(["acme-20261122T100000Z.dump"]);
    expect(ctx.stdout.text).not.toContain(password);

    await withClient(tenantUrl, async (client) => {
      await client.query("DROP TABLE notes");
      await client.query("INSERT INTO kept VALUES (1)");
    });

    expect(await db(ctx, { ...base, action: "restore" })).toBe(0);
    expect(ctx.stderr.text).toBe("");
    const rows = await withClient(tenantUrl, async (client) => {
      const notes = await client.query<{ id: number; body: string }>(
        "SELECT id, body FROM notes ORDER BY id",
      );
      const kept = await client.query<{ n: number }>("SELECT n FROM kept");
      const next = await client.query<{ id: number }>(
        "INSERT INTO notes (body) VALUES ('after') RETURNING id",
      );
      return { notes: notes.rows, kept: kept.rows, next: next.rows[0]?.id };
    });
    expect(rows).toEqual({
      notes: [
        { id: 1, body: "first" },
        { id: 2, body: "second" },
        { id: 3, body: "ünïcode ✓" },
      ],
      // The dump's state replaces the whole database: rows written after it are gone too.
      kept: [],
      next: 4,
    });
  });

  it("reads the database a real dump's header names, and refuses it to another tenant", async (t) => {
    if (!available) t.skip();
    const ctx = liveContext({ acme: tenantUrl, globex: otherUrl });
    const own = path.join(dir, "cross");
    expect(
      await db(ctx, { action: "backup", stack: "dev", tenant: "acme", dir: own, yes: true }),
    ).toBe(0);
    const file = path.join(own, "acme-20261122T100000Z.dump");

    const header = await new ProcessDbTools().run("pg_restore", dumpHeaderArgs(file), {});
    expect(header.code).toBe(0);
    expect(dumpDatabase(header.stdout)).toBe(database);

    await expect(
      db(ctx, { action: "restore", stack: "dev", tenant: "globex", from: file, yes: true }),
    ).rejects.toThrow(
      new OpsError(
        `${file} holds database ${database}, not ${otherDatabase}, the database of tenant "globex" in environment "dev" it would be restored into. Nothing was restored. ` +
          `To restore one of "globex"'s own dumps, pick one from db list --stack dev --tenant globex; to put this other database's data into "globex" deliberately, pass --from-database ${database}`,
      ),
    );
    const tables = await withClient(otherUrl, (client) =>
      client.query<{ tablename: string }>(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
      ),
    );
    expect(tables.rows.map((r) => r.tablename)).toEqual(["orders"]);
  });

  it("refuses another database's real dump that holds code unless --run-source-code", async (t) => {
    if (!available) t.skip();
    // A third database, the source: a CHECK calls a function of its own, which pg_restore's COPY
    // would run as the target's role.
    const source = `${database}_code`;
    const sourceUrl = tenantUrl.replace(`/${database}?`, `/${source}?`);
    await withClient(TEST_POSTGRES_URL, (client) =>
      client.query(`CREATE DATABASE ${source} OWNER ${role}`),
    );
    try {
      await withClient(sourceUrl, (client) =>
        client.query(
          "CREATE FUNCTION valid_sku(s text) RETURNS boolean LANGUAGE sql AS 'SELECT s IS NOT NULL';" +
            "CREATE TABLE products (sku text CHECK (valid_sku(sku)));" +
            "INSERT INTO products VALUES ('a-1')",
        ),
      );
      const ctx = liveContext({ acme: sourceUrl, globex: otherUrl });
      const own = path.join(dir, "code");
      const base = { stack: "dev", dir: own, yes: true } as const;
      expect(await db(ctx, { ...base, action: "backup", tenant: "acme" })).toBe(0);
      const file = path.join(own, "acme-20261122T100000Z.dump");
      const restore = { ...base, action: "restore", tenant: "globex", from: file } as const;

      await expect(db(ctx, { ...restore, fromDatabase: source })).rejects.toThrow(
        new OpsError(
          `${file} holds database ${source} and code that would run as tenant "globex"'s role ${role} if restored into ${otherDatabase}: ` +
            `1 entry (FUNCTION public valid_sku(text) ${role}). Nothing was restored. ` +
            `Whoever controls ${source} wrote that code; run as ${role}, it can do whatever ${role} can (change its password, read or change its data). ` +
            `Read it first (pg_restore --file=- ${file} prints the dump's SQL); to restore it knowing that its code runs as ${role}, pass --run-source-code`,
        ),
      );
      const tables = () =>
        withClient(otherUrl, async (client) => {
          const rows = await client.query<{ tablename: string }>(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
          );
          return rows.rows.map((r) => r.tablename);
        });
      expect(await tables()).toEqual(["orders"]);

      expect(await db(ctx, { ...restore, fromDatabase: source, runSourceCode: true })).toBe(0);
      expect(ctx.stderr.text).toBe("");
      expect(ctx.stdout.lines).toContain(
        `  its code runs as tenant "globex"'s role ${role}, with its privileges (--run-source-code): 1 entry (FUNCTION public valid_sku(text) ${role})`,
      );
      expect(await tables()).toEqual(["orders", "products"]);
    } finally {
      await withClient(TEST_POSTGRES_URL, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${source} WITH (FORCE)`),
      );
    }
  });

  it("fails with pg_dump's own message when the password is wrong", async (t) => {
    if (!available) t.skip();
    const ctx = {
      ...testContext(new MemoryEngine({ dev: devStack() }), {
        secrets: new FakeSecrets({
          "dev-tenant-acme/sp-acme-env": { DATABASE_URL: tenantUrl.replace(password, "wrong") },
        }),
      }),
      dbTools: new ProcessDbTools(),
    };
    expect(
      await db(ctx, {
        action: "backup",
        stack: "dev",
        tenant: "acme",
        dir,
        host: server.hostname,
        port: Number(server.port || 5432),
        yes: false,
      }),
    ).toBe(1);
    expect(ctx.stderr.text).toContain(`password authentication failed for user "${role}"`);
    expect(ctx.stderr.text).not.toContain("wrong");
  });
});
