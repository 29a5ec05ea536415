import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../stacks/config/errors";
import { loadConfig } from "../../stacks/config/load";
import { SecretValue } from "../../model/secret-value";
import { valueOf } from "../../testkit/mocks";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { engineConfig, readStackFile } from "../../testkit/stack-files";

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

  describe("secrets the stack file holds in clear, which the engine cannot show", () => {
    /** Runs loadConfig for dev with `fileConfig` as Pulumi.dev.yaml and the engine's view of it. */
    function loadDev(fileConfig: Record<string, unknown>, engine: Record<string, unknown>) {
      const dir = mkdtempSync(join(tmpdir(), "load-config-"));
      try {
        writeFileSync(join(dir, "Pulumi.dev.yaml"), stringify({ config: fileConfig }));
        const { config, secretKeys } = engineConfig("dev");
        for (const [key, value] of Object.entries(engine)) {
          config[key] = typeof value === "string" ? value : JSON.stringify(value);
        }
        pulumi.runtime.setAllConfig(config, secretKeys);
        return loadConfig({}, dir, "dev");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const SECURE = { secure: "v1:AAAA" };

    it("refuses a leaf in clear beside an encrypted one, and cloudflare:apiToken in clear, with the commands to fix them", () => {
      const file = {
        ...readStackFile("dev"),
        "cloudflare:apiToken": "cf-clear-token",
        "agent-cloud:tenantSecrets": {
          acme: { ANTHROPIC_API_KEY: SECURE, STRIPE_KEY: "rk_live_clear" },
        },
      };
      // The engine decrypts the key and calls all of tenantSecrets secret: the clear leaf too.
      const engine = {
        "cloudflare:apiToken": "cf-clear-token",
        "agent-cloud:tenantSecrets": {
          acme: { ANTHROPIC_API_KEY: "sk-ant-test", STRIPE_KEY: "rk_live_clear" },
        },
      };
      expect(() => loadDev(file, engine)).toThrow(
        new ConfigError([
          {
            path: "cloudflare:apiToken",
            received: "(clear text)",
            message:
              "is a secret and must be stored encrypted; run: pulumi config rm cloudflare:apiToken && pulumi config set --secret cloudflare:apiToken <token>",
          },
          {
            path: "tenantSecrets.acme.STRIPE_KEY",
            received: "(clear text)",
            message:
              "is a secret and must be stored encrypted; run: pulumi config set --secret --path 'tenantSecrets.acme.STRIPE_KEY' <value>",
          },
        ]),
      );
    });

    it("loads a stack file whose secrets are all encrypted", () => {
      const file = {
        ...readStackFile("dev"),
        "cloudflare:apiToken": SECURE,
        "agent-cloud:tenantSecrets": { acme: { ANTHROPIC_API_KEY: SECURE } },
      };
      const engine = {
        "agent-cloud:tenantSecrets": { acme: { ANTHROPIC_API_KEY: "sk-ant-test" } },
      };
      expect(loadDev(file, engine).environment).toBe("dev");
    });
  });
});
