import { describe, expect, it } from "vitest";
import { databaseUrl } from "../../components/data/database-url";

describe("databaseUrl", () => {
  const base = {
    user: "sp_acme",
    password: "secret",
    host: "postgres.dev-database.svc.cluster.local",
    port: 5432,
    database: "sp_acme",
    sslmode: "disable" as const,
  };
  const cases: [string, Partial<typeof base>, string][] = [
    [
      "plain",
      {},
      "postgres://sp_acme:secret@postgres.dev-database.svc.cluster.local:5432/sp_acme?sslmode=disable",
    ],
    [
      "reserved characters in the password",
      { password: "p@ss:w/rd%?#&" },
      "postgres://sp_acme:p%40ss%3Aw%2Frd%25%3F%23%26@postgres.dev-database.svc.cluster.local:5432/sp_acme?sslmode=disable",
    ],
    [
      "IPv6 host",
      { host: "fd00::5" },
      "postgres://sp_acme:secret@[fd00::5]:5432/sp_acme?sslmode=disable",
    ],
  ];
  for (const [name, parts, url] of cases) {
    it(name, () => expect(databaseUrl({ ...base, ...parts })).toBe(url));
  }

  it("round-trips through the WHATWG URL parser (what Node and libpq clients see)", () => {
    const password = "a@b:c/d%e?f#g h";
    const url = new URL(databaseUrl({ ...base, password, sslmode: "verify-full" }));
    expect(decodeURIComponent(url.password)).toBe(password);
    expect(url.username).toBe("sp_acme");
    expect(url.pathname).toBe("/sp_acme");
    expect(url.searchParams.get("sslmode")).toBe("verify-full");
  });
});
