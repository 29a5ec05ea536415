import { UsageError } from "../errors";

/**
 * The one action word a command with subcommands takes (`db backup`, `keys rotate`), checked
 * against the ones it knows.
 */
export function actionWord<A extends string>(
  command: string,
  allowed: readonly A[],
  words: readonly string[],
): A {
  const [action, ...extra] = words;
  if (extra.length === 0 && (allowed as readonly string[]).includes(action as string))
    return action as A;
  throw new UsageError(
    `${command}: expected one of ${allowed.join(", ")}; got ${words.length === 0 ? "nothing" : `"${words.join(" ")}"`}`,
  );
}
