import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  applyChangesToText,
  configFromText,
  readConfigFile,
  replaceConfigInText,
  stackFilePath,
  writeConfigChanges,
} from "../../ops/adapters/stack-file";

const FILE = `# production: change through promote or a reviewed PR
secretsprovider: passphrase
encryptionsalt: v1:c2FsdA==:v1:abc
config:
  agent-cloud:environment: production
  agent-cloud:image:
    repository: ghcr.io/acme/agent # our registry
    tag: "1.1.0"
  agent-cloud:tenants:
    - id: globex
      replicas: 3
      agentConfig:
        model: claude-haiku
    - id: acme
  agent-cloud:tenantSecrets:
    secure: v1:cHJvZC1rZXk=
`;

describe("stack file text", () => {
  it("reads the config block with secure values left as ciphertext", () => {
    expect(configFromText(FILE)).toEqual({
      "agent-cloud:environment": "production",
      "agent-cloud:image": { repository: "ghcr.io/acme/agent", tag: "1.1.0" },
      "agent-cloud:tenants": [
        { id: "globex", replicas: 3, agentConfig: { model: "claude-haiku" } },
        { id: "acme" },
      ],
      "agent-cloud:tenantSecrets": { secure: "v1:cHJvZC1rZXk=" },
    });
    expect(configFromText("")).toEqual({});
    expect(configFromText("encryptionsalt: x\n")).toEqual({});
  });

  it("applies changes at paths and keeps comments, order and ciphertext", () => {
    const text = applyChangesToText(FILE, [
      {
        key: "agent-cloud:image",
        path: ["ref"],
        value: "ghcr.io/acme/agent@sha256:" + "a".repeat(64),
      },
      {
        key: "agent-cloud:tenants",
        path: [0, "agentConfig"],
        value: { model: "claude-sonnet", tools: ["search"] },
      },
      { key: "agent-cloud:tenants", path: [1, "image"], value: undefined },
    ]);
    expect(text).toBe(`# production: change through promote or a reviewed PR
secretsprovider: passphrase
encryptionsalt: v1:c2FsdA==:v1:abc
config:
  agent-cloud:environment: production
  agent-cloud:image:
    repository: ghcr.io/acme/agent # our registry
    tag: "1.1.0"
    ref: ghcr.io/acme/agent@sha256:${"a".repeat(64)}
  agent-cloud:tenants:
    - id: globex
      replicas: 3
      agentConfig:
        model: claude-sonnet
        tools:
          - search
    - id: acme
  agent-cloud:tenantSecrets:
    secure: v1:cHJvZC1rZXk=
`);
  });

  it("replaces the whole config block but keeps the provider and salt", () => {
    const text = replaceConfigInText(FILE, {
      "agent-cloud:environment": "production",
      "agent-cloud:tenantSecrets": { secure: "v1:cHJvZC1rZXk=" },
    });
    expect(text).toContain("secretsprovider: passphrase\nencryptionsalt: v1:c2FsdA==:v1:abc\n");
    expect(configFromText(text)).toEqual({
      "agent-cloud:environment": "production",
      "agent-cloud:tenantSecrets": { secure: "v1:cHJvZC1rZXk=" },
    });
    expect(configFromText(replaceConfigInText("", { "a:b": "c" }))).toEqual({ "a:b": "c" });
  });

  it("refuses a file that is not valid YAML", () => {
    expect(() => configFromText("config: [unclosed\n")).toThrow();
  });
});

describe("stack files on disk", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "ops-stack-file-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("names Pulumi.<stack>.yaml under the stack config folder", () => {
    expect(stackFilePath("/p", "dev")).toBe("/p/Pulumi.dev.yaml");
    expect(stackFilePath("/p", "dev", "stacks")).toBe("/p/stacks/Pulumi.dev.yaml");
  });

  it("reads {} for a missing file and writes a new one", async () => {
    const file = path.join(dir, "Pulumi.dev.yaml");
    expect(await readConfigFile(file)).toEqual({});
    await writeConfigChanges(file, [{ key: "agent-cloud:image", path: ["ref"], value: "r@x" }]);
    expect(await readFile(file, "utf8")).toBe("config:\n  agent-cloud:image:\n    ref: r@x\n");
  });

  it("round-trips an existing file", async () => {
    const file = path.join(dir, "Pulumi.production.yaml");
    await writeFile(file, FILE);
    await writeConfigChanges(file, []);
    expect(await readFile(file, "utf8")).toBe(FILE);
    expect((await readConfigFile(file))["agent-cloud:environment"]).toBe("production");
  });
});
