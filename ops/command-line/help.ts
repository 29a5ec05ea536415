/** `--help` text, generated from the command specs. */
import type { CommandSpec, FlagSpec, OpsCommand } from "./command";

/** Help lines are `  <label>` padded to this width, then the text; longer labels get a line. */
const LABEL_WIDTH = 16;
const INDENT = "  ";

/** `--stack, -s S` (and `, --port N` for the flags documented on the same line). */
function flagLabel(name: string, flag: FlagSpec): string {
  const short = flag.short === undefined ? "" : `, -${flag.short}`;
  const value = flag.value === undefined ? "" : ` ${flag.value}`;
  return `--${name}${short}${value}`;
}

/** One help entry: its label, and its text laid out beside it or, when the label is long, under it. */
function helpEntry(label: string, doc: string): string[] {
  const [first = "", ...more] = doc.split("\n");
  const hanging = " ".repeat(INDENT.length + LABEL_WIDTH);
  const head =
    label.length < LABEL_WIDTH
      ? [`${INDENT}${label.padEnd(LABEL_WIDTH)}${first}`]
      : [`${INDENT}${label}`, `${hanging}${first}`];
  return [...head, ...more.map((line) => `${hanging}${line}`)];
}

/** The lines under a command's summary: its actions, its flags, then its notes. */
export function helpDetails(spec: CommandSpec): string {
  const flags = Object.entries<FlagSpec>(spec.flags);
  const actionLines = Object.entries(spec.actions ?? {}).flatMap(([word, doc]) =>
    helpEntry(word, doc),
  );
  const flagLines = flags
    .filter(([, flag]) => flag.documentedWith === undefined)
    .flatMap(([name, flag]) => {
      const label = [
        [name, flag] as const,
        ...flags.filter(([, other]) => other.documentedWith === name),
      ]
        .map(([flagName, flagSpec]) => flagLabel(flagName, flagSpec))
        .join(", ");
      return helpEntry(label, flag.doc ?? "");
    });
  const noteLines = (spec.notes?.split("\n") ?? []).map((line) => `${INDENT}${line}`);
  return [...actionLines, ...flagLines, ...noteLines].join("\n");
}

/** `usage: npm run ops -- <usage>` */
export function usageLine(spec: CommandSpec): string {
  return `usage: npm run ops -- ${spec.usage}`;
}

/** The help of the command named `topic`, or the list of every command when there is none. */
export function helpText(commands: readonly OpsCommand[], topic?: string): string {
  const command = commands.find(({ spec }) => spec.name === topic);
  if (command !== undefined) {
    return `${usageLine(command.spec)}\n\n${command.spec.summary}\n\n${helpDetails(command.spec)}\n`;
  }
  const width = Math.max(...commands.map(({ spec }) => spec.name.length));
  const list = commands
    .map(({ spec }) => `${INDENT}${spec.name.padEnd(width)}  ${spec.summary}`)
    .join("\n");
  return `usage: npm run ops -- <command> [options]\n\ncommands:\n${list}\n\nRun a command with --help for its options.\n`;
}
