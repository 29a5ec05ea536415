import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseConfig } from "../../stacks/config/parse";
import { configSchema } from "../../model/config-schema";

const project = parse(readFileSync(join(__dirname, "..", "..", "Pulumi.yaml"), "utf8")) as {
  name: string;
  main: string;
  config: Record<string, { type?: string; description?: string; default?: unknown }>;
};

describe("Pulumi.yaml", () => {
  it("is the agent-cloud project with its entry point in stacks/", () => {
    expect(project.name).toBe("agent-cloud");
    expect(project.main).toBe("stacks/");
  });

  it("declares exactly the keys the schema accepts, each with a description", () => {
    expect(Object.keys(project.config).sort()).toEqual(Object.keys(configSchema.shape).sort());
    for (const [key, decl] of Object.entries(project.config)) {
      expect(decl.description, key).toMatch(/\S{3,}/);
    }
  });

  it("gives every key but environment and domain a default, so stacks only set what differs", () => {
    const required = Object.entries(project.config)
      .filter(([, d]) => d.default === undefined)
      .map(([k]) => k);
    expect(required.sort()).toEqual(["domain", "environment"]);
  });

  it("types only what Pulumi can type (string, integer, boolean, array)", () => {
    for (const decl of Object.values(project.config)) {
      if (decl.type !== undefined)
        expect(["string", "integer", "boolean", "array"]).toContain(decl.type);
    }
  });

  it("has defaults the program accepts and that equal the schema's own defaults", () => {
    const defaults = Object.fromEntries(
      Object.entries(project.config)
        .filter(([, d]) => d.default !== undefined)
        .map(([k, d]) => [k, d.default]),
    );
    const withDefaults = parseConfig({
      ...defaults,
      environment: "dev",
      domain: "agents.example.com",
      image: { ref: `r/x@sha256:${"b".repeat(64)}` },
    });
    const schemaOnly = parseConfig({
      environment: "dev",
      domain: "agents.example.com",
      image: { ref: `r/x@sha256:${"b".repeat(64)}` },
    });
    expect(JSON.stringify(withDefaults)).toBe(JSON.stringify(schemaOnly));
  });
});
