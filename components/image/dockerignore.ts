/**
 * The one question the secret scan asks a build context's `.dockerignore`: does Docker send
 * nothing at all from under a directory? Lines are read as Docker reads them
 * (moby/patternmatcher): a line starting with `#` is a comment, blank lines are skipped, `!`
 * re-includes, paths are relative to the context root (`/.git` is `.git`, `.git/` is `.git`),
 * `*` and `?` stay within one path segment, a `**` segment spans any number of them, and a
 * pattern that matches a directory matches everything under it; the last matching line wins.
 *
 * Every doubt resolves towards "Docker may send it", so the scan reads more, never less: a
 * pattern this module cannot read exactly (a `[...]` class, `**` inside a segment) excludes
 * nothing, and as a `!` line it may re-include anything.
 */

/** One `.dockerignore` line. */
export interface IgnorePattern {
  /** A `!` line: re-includes what it matches. */
  readonly negated: boolean;
  /** The path segments, each a matcher; `**` spans any number of segments. */
  readonly segments: readonly Segment[] | "unreadable";
}

type Segment = "**" | RegExp;

/** The patterns of `.dockerignore` text, in order (comments and blank lines dropped). */
export function parseDockerignore(text: string): IgnorePattern[] {
  const patterns: IgnorePattern[] = [];
  for (const [index, raw] of text.split("\n").entries()) {
    const line = index === 0 ? raw.replace(/^\uFEFF/, "") : raw;
    if (line.startsWith("#")) continue;
    let pattern = line.trim();
    const negated = pattern.startsWith("!");
    if (negated) pattern = pattern.slice(1).trim();
    const names = cleanPath(pattern);
    if (names.length === 0) continue;
    patterns.push({ negated, segments: compileSegments(names) });
  }
  return patterns;
}

/**
 * Whether Docker sends no file from under `dir` (a context-relative path with `/` separators):
 * a line excludes `dir` or a directory above it, or every path below it, and no later line
 * re-includes any of it; no `!` line anywhere may match a path below it.
 */
export function excludesDirectory(patterns: readonly IgnorePattern[], dir: string): boolean {
  const names = dir.split("/").filter((name) => name !== "");
  let excluded = false;
  for (const pattern of patterns) {
    const reach = reachOf(pattern, names);
    if (reach === "all") excluded = !pattern.negated;
    else if (reach === "some" && pattern.negated) return false;
  }
  return excluded;
}

/** How much of `dir` and what lies below it a pattern matches. */
function reachOf(pattern: IgnorePattern, dir: readonly string[]): "all" | "some" | "none" {
  const { segments } = pattern;
  if (segments === "unreadable") return pattern.negated ? "some" : "none";
  // `a/**` matches every path below a, as `a` matches a and (as its parent) every path below.
  const head = endsInStars(segments) ? segments.slice(0, -1) : segments;
  let states = withSkippedStars(head, new Set([0]));
  for (const name of dir) {
    states = step(head, states, name);
    if (states.has(head.length)) return "all";
  }
  return reachesBelow(segments, dir) ? "some" : "none";
}

/** Whether the pattern may match some path strictly below `dir`. */
function reachesBelow(segments: readonly Segment[], dir: readonly string[]): boolean {
  const states = statesAfter(segments, dir);
  // Segments left to match, or a last `**` already matching, which matches deeper paths too.
  return [...states].some((at) => at < segments.length || endsInStars(segments));
}

/**
 * The pattern read as an automaton over path names, so its cost is names × segments whatever the
 * `**`s: state `at` means the segments before `at` are matched. A `**` matches any number of
 * names, except a last `**` after others, which needs one (`a/**` matches below a, not a).
 */
function statesAfter(segments: readonly Segment[], names: readonly string[]): Set<number> {
  let states = withSkippedStars(segments, new Set([0]));
  for (const name of names) states = step(segments, states, name);
  return states;
}

/** The states after reading one more name. */
function step(segments: readonly Segment[], states: Set<number>, name: string): Set<number> {
  const next = new Set<number>();
  for (const at of states) {
    const segment = segments[at];
    if (segment === "**") next.add(isLastStar(segments, at) ? at + 1 : at);
    else if (segment !== undefined && segment.test(name)) next.add(at + 1);
    else if (at === segments.length && endsInStars(segments)) next.add(at);
  }
  return withSkippedStars(segments, next);
}

/** States plus those reached by a `**` matching no name. */
function withSkippedStars(segments: readonly Segment[], states: Set<number>): Set<number> {
  const out = new Set(states);
  for (const at of [...states].sort((a, b) => a - b)) {
    for (let next = at; segments[next] === "**" && !isLastStar(segments, next); next += 1) {
      out.add(next + 1);
    }
  }
  return out;
}

/** A `**` that ends a pattern of more than one segment. */
function isLastStar(segments: readonly Segment[], at: number): boolean {
  return at > 0 && at === segments.length - 1 && segments[at] === "**";
}

function endsInStars(segments: readonly Segment[]): boolean {
  return isLastStar(segments, segments.length - 1);
}

/** `filepath.Clean` and the leading `/` dropped, as Docker does: the path's names. */
function cleanPath(pattern: string): string[] {
  const names: string[] = [];
  for (const name of pattern.split("/")) {
    if (name === "" || name === ".") continue;
    if (name === ".." && names.length > 0 && names[names.length - 1] !== "..") names.pop();
    else if (name !== ".." || !pattern.startsWith("/")) names.push(name);
  }
  return names;
}

/** Each name as a matcher, or "unreadable" for forms read only roughly here. */
function compileSegments(names: readonly string[]): readonly Segment[] | "unreadable" {
  const segments: Segment[] = [];
  for (const name of names) {
    if (name === "**") {
      if (segments[segments.length - 1] !== "**") segments.push("**");
      continue;
    }
    if (name.includes("**") || /[[\]]/.test(name)) return "unreadable";
    let source = "";
    for (let i = 0; i < name.length; i += 1) {
      const ch = name[i] as string;
      if (ch === "*") source += ".*";
      else if (ch === "?") source += ".";
      else if (ch === "\\" && i + 1 < name.length) source += escapeRegExp(name[++i] as string);
      else source += escapeRegExp(ch);
    }
    segments.push(new RegExp(`^${source}$`, "s"));
  }
  return segments;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
