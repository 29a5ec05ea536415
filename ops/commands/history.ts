/** `history`: one row per update, never with secrets (history is requested without them). */
import { defineCommand } from "../command-line/command";
import { stackFlag } from "../command-line/flags";
import type { OpsContext } from "../context";
import type { UpdateRecord } from "../engine";
import {
  compactChanges,
  formatTime,
  println,
  renderTable,
  shortDigest,
  shortSha,
} from "../format/text";
import {
  digestsOf,
  overridesOf,
  releasesOf,
  splitImages,
  type TenantImages,
} from "../plans/release";
import { runningImages } from "../plans/running-images";
import { digestOf } from "../plans/update-meta";

/** `history` flags. */
export interface HistoryOptions {
  readonly stack: string;
  /** Show at most this many updates, newest first. */
  readonly limit?: number;
}

/** `history`: its flags, their help, and the options they give. */
export const historyCommand = defineCommand({
  spec: {
    name: "history",
    summary: "one row per update: version, time, kind, result, commit, image, changes",
    usage: "history --stack S [--limit N]",
    flags: {
      stack: stackFlag("stack to list"),
      limit: { type: "string", value: "N", doc: "newest N updates only" },
    },
    notes: "Secrets are never shown: history is read without them.",
  },
  parse: (args): HistoryOptions => ({
    stack: args.required("stack"),
    limit: args.positiveInt("limit"),
  }),
  run: history,
});

const short = (ref: string) => {
  const digest = digestOf(ref);
  return digest === undefined ? ref : shortDigest(digest);
};

/**
 * Each tenant's image digest in one cell: the digest most tenants ran, then `id=digest` for the
 * others; `?` for tenants whose image was not recorded, `-` when nothing was.
 */
export function imagesCell(images: Readonly<Record<string, string | undefined>>): string {
  const ids = Object.keys(images);
  if (ids.length === 0) return "-";
  const known: Record<string, string> = {};
  const unknown: string[] = [];
  for (const [id, ref] of Object.entries(digestsOf(images))) {
    if (ref === undefined) unknown.push(id);
    else known[id] = ref;
  }
  if (Object.keys(known).length === 0) return "-";
  const set = splitImages(known);
  return [
    set.image === undefined ? undefined : short(set.image),
    ...Object.entries(set.pins).map(([id, ref]) => `${id}=${short(ref)}`),
    ...unknown.map((id) => `${id}=?`),
  ]
    .filter((x) => x !== undefined)
    .join(", ");
}

/** The table rows for a history, newest first; `current` is what each tenant runs now. */
export function historyRows(updates: readonly UpdateRecord[], current: TenantImages): string[][] {
  return releasesOf(updates, current).map((release) => {
    const update = release.update;
    return [
      `v${update.version}`,
      formatTime(update.startTime),
      update.kind,
      update.result,
      release.facts.name ?? "-",
      release.facts.actor ?? "-",
      release.commit === undefined
        ? "-"
        : `${shortSha(release.commit.sha)}${release.commit.dirty ? "+dirty" : ""}`,
      imagesCell(release.images),
      overridesOf(release.facts).join(" ") || "-",
      compactChanges(update.resourceChanges),
    ];
  });
}

/** Prints the stack's history as a table; exits 0. */
export async function history(ctx: OpsContext, options: HistoryOptions): Promise<number> {
  const { engine, stdout } = ctx;
  await engine.ensureCli();
  await engine.selectStack(options.stack);
  const updates = await engine.history(options.stack);
  if (updates.length === 0) {
    println(stdout, `stack "${options.stack}": no updates yet`);
    return 0;
  }
  // Resolved over the whole history: an update's images may be recorded by a later one.
  const rows = historyRows(
    updates,
    await runningImages(engine, options.stack, await engine.outputs(options.stack)),
  );
  const shown = options.limit === undefined ? rows : rows.slice(0, options.limit);
  const headers = [
    "VERSION",
    "TIME",
    "KIND",
    "RESULT",
    "RELEASE",
    "ACTOR",
    "COMMIT",
    "IMAGES",
    "OVERRIDES",
    "CHANGES",
  ];
  for (const line of renderTable(headers, shown)) println(stdout, line);
  return 0;
}
