import { describe, expect, it } from "vitest";
import { defineCommand, type OpsCommand } from "../../ops/command-line/command";
import { helpDetails, helpText } from "../../ops/command-line/help";
import { parseCommand } from "../../ops/command-line/parse";
import { COMMANDS } from "../../ops/commands/registry";
import { UsageError } from "../../ops/errors";

const NAMES = COMMANDS.map(({ spec }) => spec.name);

describe("the command registry", () => {
  it("holds every command once, in help order", () => {
    expect(NAMES).toEqual([
      "deploy",
      "status",
      "history",
      "rollback",
      "promote",
      "logs",
      "doctor",
      "check",
      "certs",
      "db",
      "keys",
      "usage",
      "offboard",
    ]);
  });

  it.each(COMMANDS.map((command) => [command.spec.name, command] as const))(
    "%s has a spec: summary, usage, and help for every flag it takes",
    (name, { spec }) => {
      expect(spec.summary).toMatch(/^\S.{10,90}$/);
      expect(spec.usage.startsWith(`${name} `)).toBe(true);
      const flags = Object.entries(spec.flags);
      expect(flags.length).toBeGreaterThan(0);
      for (const [flag, flagSpec] of flags) {
        const documented =
          flagSpec.doc !== undefined ||
          (flagSpec.documentedWith !== undefined &&
            spec.flags[flagSpec.documentedWith]?.doc !== undefined);
        expect(documented, `--${flag} of ${name} has no help`).toBe(true);
        expect(helpDetails(spec)).toContain(`--${flag}`);
      }
      // Every flag the usage line shows is one the command takes.
      for (const [, flag] of spec.usage.matchAll(/--([a-z-]+)/g)) {
        expect(Object.keys(spec.flags), `usage of ${name} shows --${flag}`).toContain(flag);
      }
      for (const action of Object.keys(spec.actions ?? {})) {
        expect(spec.usage).toContain(action);
      }
    },
  );

  it("lists exactly the registry in the help, in its order", () => {
    const listed = helpText(COMMANDS)
      .split("\n")
      .filter((line) => /^ {2}\S/.test(line))
      .map((line) => line.trim().split(/\s+/)[0]);
    expect(listed).toEqual(NAMES);
  });

  it("answers --help for every command with that command's help", () => {
    for (const name of NAMES) {
      expect(parseCommand(COMMANDS, [name, "--help"])).toEqual({ name: "help", topic: name });
      expect(helpText(COMMANDS, name)).toMatch(new RegExp(`^usage: npm run ops -- ${name} `));
    }
  });

  it("takes a new command from one more entry: parsed, listed and documented", () => {
    const greet = defineCommand({
      spec: {
        name: "greet",
        summary: "say hello to a tenant, for this test",
        usage: "greet --tenant T [--loud]",
        flags: {
          tenant: { type: "string", short: "t", value: "T", doc: "who to greet" },
          loud: { type: "boolean", doc: "in capitals" },
        },
      },
      parse: (args) => ({ tenant: args.required("tenant"), loud: args.flag("loud") }),
      run: () => Promise.resolve(0),
    });
    const commands: readonly OpsCommand[] = [...COMMANDS, greet];
    expect(parseCommand(commands, ["greet", "-t", "acme", "--loud"])).toEqual({
      name: "greet",
      options: { tenant: "acme", loud: true },
    });
    expect(() => parseCommand(commands, ["greet"])).toThrow(
      new UsageError(
        "greet: --tenant is required\nusage: npm run ops -- greet --tenant T [--loud]",
      ),
    );
    expect(helpText(commands)).toContain("  greet     say hello to a tenant, for this test\n");
    expect(helpText(commands, "greet")).toBe(
      "usage: npm run ops -- greet --tenant T [--loud]\n\nsay hello to a tenant, for this test\n\n" +
        "  --tenant, -t T  who to greet\n  --loud          in capitals\n",
    );
  });
});

describe("helpDetails", () => {
  it.each([
    [
      "a short label: text beside it at column 18",
      { stack: { type: "string", short: "s", value: "S", doc: "stack to check" } },
      "  --stack, -s S   stack to check",
    ],
    [
      "a label of 15 characters: one space",
      { "image-from": { type: "string", value: "S2", doc: "build nothing" } },
      "  --image-from S2 build nothing",
    ],
    [
      "a long label: text on the next line",
      { "remove-tenant": { type: "string", value: "ID", doc: "allow removing\ntenant ID" } },
      "  --remove-tenant ID\n                  allow removing\n                  tenant ID",
    ],
    [
      "flags documented together: one label",
      {
        host: { type: "string", value: "H", doc: "where to connect" },
        port: { type: "string", value: "N", documentedWith: "host" },
      },
      "  --host H, --port N\n                  where to connect",
    ],
  ] as const)("%s", (_case, flags, expected) => {
    expect(helpDetails({ name: "x", summary: "x", usage: "x", flags })).toBe(expected);
  });

  it("puts actions first and notes last", () => {
    expect(
      helpDetails({
        name: "x",
        summary: "x",
        usage: "x",
        actions: { backup: "take one" },
        flags: { yes: { type: "boolean", short: "y", doc: "do not ask" } },
        notes: "Exits 1 when it fails.\nSecond line.",
      }),
    ).toBe(
      "  backup          take one\n  --yes, -y       do not ask\n  Exits 1 when it fails.\n  Second line.",
    );
  });
});
