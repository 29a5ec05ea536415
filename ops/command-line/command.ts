/**
 * What one ops command is: its spec (name, summary, usage, flags with their help), a parser from
 * the parsed command line to its typed options, and the function that runs it. Every command is
 * one such entry in ops/commands/; the registry (ops/commands/registry.ts) lists them, and the
 * parser, the help text and the CLI are generated from that list.
 */
import type { OpsContext } from "../context";

/** One flag: how `node:util` parseArgs reads it and how `--help` documents it. */
export interface FlagSpec {
  readonly type: "string" | "boolean";
  /** One-letter alias (`-s` for `--stack`). */
  readonly short?: string;
  /**
   * The flag may be repeated; its values are collected in order. Any other flag is given at most
   * once: twice is a usage error naming it and the values given (ops/command-line/parse.ts).
   */
  readonly multiple?: boolean;
  /** How help names the flag's value (`S` in `--stack, -s S`). */
  readonly value?: string;
  /** Help text; each `\n` starts a new help line. */
  readonly doc?: string;
  /** Documented on that flag's help line (`--host H, --port N`) rather than on its own. */
  readonly documentedWith?: string;
}

/** Everything the command line and `--help` say about a command. */
export interface CommandSpec<Flag extends string = string> {
  /** The word after `npm run ops --`. */
  readonly name: string;
  /** One line, in the list of commands. */
  readonly summary: string;
  /** The usage line after `npm run ops -- `. */
  readonly usage: string;
  /** Subcommand words (`db backup`) and their help, in help order. */
  readonly actions?: Readonly<Record<string, string>>;
  /** The flags, in help order. */
  readonly flags: Readonly<Record<Flag, FlagSpec>>;
  /** Help lines after the flags (what it exits with, where it reads from). */
  readonly notes?: string;
}

/** Typed reading of one command line's flags; each error names the command and the flag. */
export interface ParsedArgs<Flag extends string = string> {
  /** A boolean flag: true only when given. */
  flag(name: Flag): boolean;
  /** A string flag's value, if given. */
  text(name: Flag): string | undefined;
  /** A repeatable flag's values, in order (empty when not given). */
  list(name: Flag): string[];
  /** A string flag that must be given (a usage error with the command's usage otherwise). */
  required(name: Flag): string;
  /** A positive whole number, if given. */
  positiveInt(name: Flag): number | undefined;
  /** A TCP port (1–65535), if given. */
  port(name: Flag): number | undefined;
  /** A duration (`90s`, `15m`, `2h`, `7d`) in seconds, if given. */
  duration(name: Flag): number | undefined;
  /** Words besides flags (the subcommand of a command with `actions`). */
  readonly positionals: readonly string[];
}

/** One command: spec, parser and runner. The options `parse` returns are what `run` gets. */
export interface OpsCommand<Options = unknown, Flag extends string = string> {
  readonly spec: CommandSpec<Flag>;
  /** Typed options from the parsed command line; throws a UsageError naming what is wrong. */
  parse(args: ParsedArgs<Flag>): Options;
  /** Runs the command; resolves to its exit code (0 done, 1 failed or refused). */
  run(context: OpsContext, options: Options): Promise<number>;
}

/**
 * Declares a command. Typing only: the flag names `parse` reads must be flags of the spec, and
 * `run` takes what `parse` returns; the registry holds the entries without their option types.
 */
export function defineCommand<Options, const Flag extends string>(
  command: OpsCommand<Options, Flag>,
): OpsCommand {
  return command;
}
