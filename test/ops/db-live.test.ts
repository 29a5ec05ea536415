/**
 * `ops db backup` and `ops db restore` with the real pg_dump and pg_restore against the Debian
 * PostgreSQL on loopback, as a tenant role that owns its database: dump, drop a table, restore,
 * and the rows are back.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "../../ops/commands/db";
import { ProcessDbTools } from "../../ops/adapters/db-tools";
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
  let dir: string;

  beforeAll(async () => {
    available = await postgresAvailable();
    if (!available) return;
    dir = await mkdtemp(path.join(os.tmpdir(), "ops-db-live-"));
    await withClient(TEST_POSTGRES_URL, async (c) => {
      await c.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
      await c.query(`CREATE DATABASE ${database} OWNER ${role}`);
    });
    await withClient(tenantUrl, async (c) => {
      await c.query("CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)");
      await c.query("INSERT INTO notes (body) VALUES ('first'), ('second'), ('ünïcode ✓')");
      await c.query("CREATE TABLE kept (n int)");
    });
  });

  afterAll(async () => {
    if (!available) return;
    await withClient(TEST_POSTGRES_URL, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await c.query(`DROP ROLE IF EXISTS ${role}`);
    });
    await rm(dir, { recursive: true, force: true });
  });

  it("dumps, and after a table is dropped, restores its rows", async (t) => {
    if (!available) t.skip();
    const engine = new MemoryEngine({ dev: devStack() });
    engine.stacks.dev!.config["agent-cloud:database"] = { mode: "external", host: server.hostname };
    const ctx = {
      ...testContext(engine, {
        secrets: new FakeSecrets({ "dev-tenant-acme/sp-acme-env": { DATABASE_URL: tenantUrl } }),
      }),
      dbTools: new ProcessDbTools(),
    };
    const base = { stack: "dev", tenant: "acme", dir, yes: true } as const;
    expect(await db(ctx, { ...base, action: "backup" })).toBe(0);
    expect(ctx.stderr.text).toBe("");
    expect(await readdir(dir)).toEqual(["acme-20261122T100000Z.dump"]);
    expect(ctx.stdout.text).not.toContain(password);

    await withClient(tenantUrl, async (c) => {
      await c.query("DROP TABLE notes");
      await c.query("INSERT INTO kept VALUES (1)");
    });

    expect(await db(ctx, { ...base, action: "restore" })).toBe(0);
    expect(ctx.stderr.text).toBe("");
    const rows = await withClient(tenantUrl, async (c) => {
      const notes = await c.query<{ id: number; body: string }>(
        "SELECT id, body FROM notes ORDER BY id",
      );
      const kept = await c.query<{ n: number }>("SELECT n FROM kept");
      const next = await c.query<{ id: number }>(
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
