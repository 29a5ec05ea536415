import { describe, expect, it } from "vitest";
import { PLATFORM_ENV } from "../../model/platform-config";
import {
  envSecretClashProblem,
  reservedEnvProblem,
  tenantEnvProblems,
} from "../../model/rules/tenant-env";

const reserved = `is set by the platform and cannot be overridden (${PLATFORM_ENV.join(", ")})`;

describe("reservedEnvProblem", () => {
  it.each([
    ["DATABASE_URL", reserved],
    ["PORT", reserved],
    ["AGENT_CLOUD_API_KEY_PREVIOUS", reserved],
    ["ADMIN_EMAIL", reserved],
    ["ANTHROPIC_API_KEY", undefined],
    ["LOG_LEVEL", undefined],
    ["port", undefined],
  ])("%s: %s", (name, expected) => {
    expect(reservedEnvProblem(name)).toBe(expected);
  });
});

describe("tenantEnvProblems", () => {
  it.each<[string, string[], string[], string[]]>([
    ["own names only", ["LOG_LEVEL"], ["ANTHROPIC_API_KEY"], []],
    ["a platform name in env", ["HOST"], [], [`env.HOST: ${reserved}`]],
    [
      "a platform name in secrets",
      [],
      ["DATABASE_URL"],
      [`tenantSecrets.DATABASE_URL: ${reserved}`],
    ],
    [
      "one name in env and in secrets",
      ["OPENAI_API_KEY"],
      ["OPENAI_API_KEY"],
      ["env.OPENAI_API_KEY: is also set in tenantSecrets.acme; keep one"],
    ],
    [
      "a platform name in both: reserved is said for each, the clash is not",
      ["PORT"],
      ["PORT"],
      [`env.PORT: ${reserved}`, `tenantSecrets.PORT: ${reserved}`],
    ],
  ])("%s", (_name, envNames, secretNames, expected) => {
    expect(
      tenantEnvProblems({ tenantId: "acme", envNames, secretNames }).map(
        (p) => `${p.field}: ${p.message}`,
      ),
    ).toEqual(expected);
  });

  it("names the tenant's secrets in the clash", () => {
    expect(envSecretClashProblem("globex")).toBe("is also set in tenantSecrets.globex; keep one");
  });
});
