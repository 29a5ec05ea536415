import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { derivePassword } from "../../components/data/derived-password";

const KEY = "k".repeat(64);

describe("derivePassword", () => {
  it("is HMAC-SHA256 of agent-cloud/database/{environment}/{tenant} in hex", () => {
    const expected = createHmac("sha256", KEY)
      .update("agent-cloud/database/dev/acme")
      .digest("hex");
    expect(derivePassword(KEY, "dev", "acme")).toBe(expected);
    expect(derivePassword(KEY, "dev", "acme")).toMatch(/^[a-f0-9]{64}$/);
  });

  const distinct: [string, string, string][] = [
    [KEY, "dev", "acme"],
    [KEY, "dev", "globex"],
    [KEY, "production", "acme"],
    ["x".repeat(64), "dev", "acme"],
    // The separator keeps "a-b"/"c" and "a"/"b-c" apart.
    [KEY, "dev-a", "b"],
    [KEY, "dev", "a-b"],
  ];
  it("differs for every tenant, environment and key", () => {
    const values = distinct.map(([k, e, t]) => derivePassword(k, e, t));
    expect(new Set(values).size).toBe(values.length);
  });

  it("refuses a short key", () => {
    expect(() => derivePassword("short", "dev", "acme")).toThrow(
      /database password key: must be at least 43 characters \(got 5\)/,
    );
  });
});
