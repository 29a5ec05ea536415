import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../stacks/config/errors";
import { loadConfig } from "../../stacks/config/load";
import { SecretValue } from "../../model/secret-value";
import { valueOf } from "../../testkit/mocks";
import { engineConfig } from "../../testkit/stack-files";

describe("loadConfig reads the engine's config without losing secrecy", () => {
  it("reads every agent-cloud key of a stack and keeps secret keys secret", async () => {
    const { config, secretKeys } = engineConfig("production");
    pulumi.runtime.setAllConfig(config, secretKeys);
    const c = loadConfig({});
    expect(c.environment).toBe("production");
    expect(c.tenants.map((t) => t.id)).toEqual(["acme", "globex", "initech", "umbrella"]);
    const password = c.secrets.databaseAdminPassword;
    expect(password).toBeInstanceOf(SecretValue);
    const output = (password as SecretValue).toOutput();
    await expect(pulumi.isSecret(output)).resolves.toBe(true);
    await expect(valueOf(output)).resolves.toBe("pg-admin-test-password");
  });

  it("refuses a secret the engine holds in clear text", () => {
    const { config } = engineConfig("production");
    pulumi.runtime.setAllConfig(config, ["cloudflare:apiToken"]);
    expect(() => loadConfig({})).toThrow(ConfigError);
    expect(() => loadConfig({})).toThrow(
      "databaseAdminPassword (clear text): is a secret and must be stored encrypted; run: pulumi config rm databaseAdminPassword && pulumi config set --secret databaseAdminPassword <value>",
    );
  });

  it("applies deploy overrides from the environment", () => {
    const { config, secretKeys } = engineConfig("dev");
    pulumi.runtime.setAllConfig(config, secretKeys);
    const c = loadConfig({ AGENT_CLOUD_IMAGE_TAG: "pr-7", AGENT_CLOUD_REBUILD: "n1" });
    expect(c.image.tag).toBe("pr-7");
    expect(c.image.rebuildNonce).toBe("n1");
  });

  it("keeps a string that looks like a number a string", () => {
    pulumi.runtime.setAllConfig(
      {
        "agent-cloud:environment": "dev",
        "agent-cloud:domain": "agents.example.com",
        "agent-cloud:image": JSON.stringify({ ref: `r/x@sha256:${"d".repeat(64)}`, tag: "01" }),
      },
      [],
    );
    expect(loadConfig({}).image.tag).toBe("01");
  });
});
