/** `history`: one row per update, never with secrets (history is requested without them). */
import type { OpsContext } from "../context";
import { compactChanges, formatTime, println, renderTable, shortDigest, shortSha } from "../format";
import { imageRefOutput } from "../stack-outputs";
import type { UpdateRecord } from "../engine";
import { commitOf, imageDigestOf } from "../update-meta";

/** `history` flags. */
export interface HistoryOptions {
  readonly stack: string;
  /** Show at most this many updates, newest first. */
  readonly limit?: number;
}

/** The table rows for a history, newest first; `currentImageRef` describes the newest success. */
export function historyRows(
  updates: readonly UpdateRecord[],
  currentImageRef: string | undefined,
): string[][] {
  const newestSuccess = updates.find((u) => u.kind === "update" && u.result === "succeeded");
  return updates.map((u) => {
    const commit = commitOf(u);
    const digest = imageDigestOf(u, u === newestSuccess ? currentImageRef : undefined);
    return [
      `v${u.version}`,
      formatTime(u.startTime),
      u.kind,
      u.result,
      commit === undefined ? "-" : `${shortSha(commit.sha)}${commit.dirty ? "+dirty" : ""}`,
      digest === undefined ? "-" : shortDigest(digest),
      compactChanges(u.resourceChanges),
    ];
  });
}

/** Prints the stack's history as a table; exits 0. */
export async function history(ctx: OpsContext, o: HistoryOptions): Promise<number> {
  const { engine, stdout } = ctx;
  await engine.ensureCli();
  await engine.selectStack(o.stack);
  const updates = await engine.history(o.stack);
  if (updates.length === 0) {
    println(stdout, `stack "${o.stack}": no updates yet`);
    return 0;
  }
  const shown = o.limit === undefined ? updates : updates.slice(0, o.limit);
  const rows = historyRows(shown, imageRefOutput(await engine.outputs(o.stack)));
  const headers = ["VERSION", "TIME", "KIND", "RESULT", "COMMIT", "IMAGE", "CHANGES"];
  for (const line of renderTable(headers, rows)) println(stdout, line);
  return 0;
}
