import { describe, expect, it } from "vitest";
import { pgSslOptions } from "../../components/data/pg-ssl";

describe("pgSslOptions: libpq's sslmode for node-postgres", () => {
  it.each([
    ["disable", false, undefined],
    ["require", { rejectUnauthorized: false }, undefined],
    ["verify-ca", { rejectUnauthorized: true }, "skips the host name"],
    ["verify-full", { rejectUnauthorized: true }, undefined],
  ] as const)("%s", (sslmode, expected, hostCheck) => {
    const options = pgSslOptions(sslmode);
    if (options === false) {
      expect(expected).toBe(false);
      return;
    }
    expect(options).toMatchObject(expected as object);
    if (hostCheck === undefined) {
      // Node's own check of the certificate's names runs (verify-full), or nothing is verified.
      expect(options.checkServerIdentity).toBeUndefined();
    } else {
      // verify-ca: any name is accepted once the chain verifies.
      expect(options.checkServerIdentity?.("db.example.com", {} as never)).toBeUndefined();
    }
  });
});
