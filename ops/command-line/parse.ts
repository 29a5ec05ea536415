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

/** One word parseArgs read: a flag (its long name, and its value if it takes one), or not. */
type ArgToken =
  | { readonly kind: "option"; readonly name: string; readonly value?: string }
  | { readonly kind: "positional" | "option-terminator" };

/** What parseArgs returns for a command line, with its tokens. */
interface ParsedLine {
  readonly values: Readonly<Record<string, unknown>>;
  readonly positionals: string[];
  readonly tokens: readonly ArgToken[];
}

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

/** How often: `twice`, `3 times`. */
function times(count: number): string {
  return count === 2 ? "twice" : `${count} times`;
}

/**
 * Refuses a flag of `spec` that takes one value but was given more than once, naming the flag
 * (by its long name, also when given as `-s`) and the values in the order given:
 * `deploy: --stack given twice ("dev", then "production"); give it once`. parseArgs alone keeps
 * the last value without a word, so `deploy --stack dev ... --stack production` would deploy
 * production. Flags declared `multiple` (`--group`, `--remove-tenant`) are collected, not refused;
 * `--help` is no command's flag and may be repeated. Every repeated flag is named, one line each,
 * in the order of its first use.
 *
 * A boolean given twice (`--dry-run --dry-run`) is refused the same way
 * (`deploy: --dry-run given twice; give it once`), although both copies mean the same. Refusing
 * keeps one rule for every flag whatever its type, "a flag that is not repeatable is given once";
 * a repeated flag means the command line was put together from two places (a script's flags and
 * a typed one, an edited history line), which is what let `--stack` go wrong; and a script that
 * repeats a boolean would otherwise go on working until that flag takes a value, then silently
 * keep the last one.
 */
function refuseRepeatedFlags(spec: CommandSpec, tokens: readonly ArgToken[]): void {
  const given = new Map<string, (string | undefined)[]>();
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    const flag = spec.flags[token.name];
    if (flag === undefined || flag.multiple === true) continue;
    given.set(token.name, [...(given.get(token.name) ?? []), token.value]);
  }
  const refused = [...given]
    .filter(([, values]) => values.length > 1)
    .map(([name, values]) => {
      const texts = values.filter((value) => value !== undefined).map((value) => `"${value}"`);
      const listed = texts.length === 0 ? "" : ` (${texts.join(", then ")})`;
      return `${spec.name}: --${name} given ${times(values.length)}${listed}; give it once`;
    });
  if (refused.length > 0) throw new UsageError(refused.join("\n"));
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
  let parsed: ParsedLine;
  try {
    parsed = parseArgs({
      args: [...rest],
      options: { ...parseArgsOptions(spec), ...HELP_FLAG },
      allowPositionals: spec.actions !== undefined,
      strict: true,
      tokens: true,
    });
  } catch (error) {
    throw new UsageError(`${name}: ${(error as Error).message}\n${usageLine(spec)}`);
  }
  if (parsed.values.help === true) return { name: "help", topic: name };
  refuseRepeatedFlags(spec, parsed.tokens);
  return { name, options: command.parse(parsedArgs(spec, parsed.values, parsed.positionals)) };
}
