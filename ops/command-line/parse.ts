/** The command line to a command and its typed options, with node:util parseArgs. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "../errors";
import type { CommandSpec, OpsCommand, ParsedArgs } from "./command";
import { parseDuration } from "./duration";
import { parsePort } from "./port";
import { usageLine } from "./help";

/** A parsed command line: help (on a topic), or a command with its options. */
export type ParsedCommand =
  | { readonly name: "help"; readonly topic?: string }
  | { readonly name: string; readonly options: unknown };

type ParseArgsOptions = NonNullable<ParseArgsConfig["options"]>;

const HELP_FLAG: ParseArgsOptions = { help: { type: "boolean", short: "h" } };

/** What parseArgs needs of a spec's flags (their help stays behind). */
function parseArgsOptions(spec: CommandSpec): ParseArgsOptions {
  return Object.fromEntries(
    Object.entries(spec.flags).map(([name, { type, short, multiple }]) => [
      name,
      {
        type,
        ...(short === undefined ? {} : { short }),
        ...(multiple === undefined ? {} : { multiple }),
      },
    ]),
  );
}

/** Typed readers over the flag values parseArgs gave for `spec`. */
function parsedArgs(
  spec: CommandSpec,
  values: Readonly<Record<string, unknown>>,
  positionals: readonly string[],
): ParsedArgs {
  const text = (name: string) => {
    const value = values[name];
    return typeof value === "string" ? value : undefined;
  };
  return {
    flag: (name) => values[name] === true,
    text,
    list: (name) => {
      const value = values[name];
      return Array.isArray(value) ? value.filter((item) => typeof item === "string") : [];
    },
    required: (name) => {
      const value = text(name);
      if (value === undefined || value === "") {
        throw new UsageError(`${spec.name}: --${name} is required\n${usageLine(spec)}`);
      }
      return value;
    },
    positiveInt: (name) => {
      const value = text(name);
      return value === undefined ? undefined : positiveInt(value, `${spec.name}: --${name}`);
    },
    port: (name) => {
      const value = text(name);
      return value === undefined ? undefined : parsePort(value, `${spec.name}: --${name}`);
    },
    duration: (name) => {
      const value = text(name);
      return value === undefined ? undefined : parseDuration(value, `${spec.name}: --${name}`);
    },
    positionals,
  };
}

/**
 * `text` as a whole number of at least 1, where `pattern` says what may be written (`v4` for an
 * update version); otherwise a usage error: `<flag> "<text>" must be <expected>`.
 */
export function positiveInt(
  text: string,
  flag: string,
  pattern = /^\d+$/,
  expected = "a positive whole number",
): number {
  const number = Number.parseInt(text.replace(/^v/, ""), 10);
  if (!pattern.test(text) || number < 1) {
    throw new UsageError(`${flag} "${text}" must be ${expected}`);
  }
  return number;
}

/** Parses `argv` (without node and script) into a command of `commands`; throws {@link UsageError}. */
export function parseCommand(
  commands: readonly OpsCommand[],
  argv: readonly string[],
): ParsedCommand {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    return { name: "help", topic: name === "help" ? rest[0] : undefined };
  }
  const command = commands.find(({ spec }) => spec.name === name);
  if (command === undefined) {
    const names = commands.map(({ spec }) => spec.name).join(", ");
    throw new UsageError(`unknown command "${name}"; commands: ${names}`);
  }
  const { spec } = command;
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...rest],
      options: { ...parseArgsOptions(spec), ...HELP_FLAG },
      allowPositionals: spec.actions !== undefined,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(`${name}: ${(error as Error).message}\n${usageLine(spec)}`);
  }
  if (parsed.values.help === true) return { name: "help", topic: name };
  return { name, options: command.parse(parsedArgs(spec, parsed.values, parsed.positionals)) };
}
