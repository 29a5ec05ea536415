import { open, readdir, readFile, stat } from "node:fs/promises";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { findTextSecrets } from "../../model/rules/secrets";
import { excludesDirectory, type IgnorePattern, parseDockerignore } from "./dockerignore";

/** Rule id of the platform's own detector (model/rules/secrets.ts), which runs beside secretlint. */
export const PLATFORM_SECRET_RULE = "agent-cloud/secrets";

/**
 * Directories skipped, at any depth, when the context's `.dockerignore` excludes them (VCS
 * metadata and dependencies: large, and what a sane `.dockerignore` keeps out of the image).
 * Without such a line Docker sends them, so they are scanned: `actions/checkout` leaves its token
 * in `.git/config`.
 */
export const SKIPPABLE_DIRECTORIES: readonly string[] = [".git", "node_modules"];
/** Files larger than this are not text a credential is committed in (images, archives). */
export const MAX_SCANNED_BYTES = 2 * 1024 * 1024;

/** One credential secretlint found, located but never quoted (secretlint masks the value). */
export interface SecretFinding {
  /** Path relative to the scanned directory, with `/` separators. */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
  /** The secretlint rule that matched, e.g. `@secretlint/secretlint-rule-github`. */
  readonly ruleId: string;
  /** secretlint's message, with the secret masked. */
  readonly message: string;
}

/**
 * Thrown when a build context holds credentials; its message names each file and line. A
 * RunError, so Pulumi prints the message without a stack trace.
 */
export class SecretsInContextError extends pulumi.RunError {
  constructor(
    readonly context: string,
    readonly findings: readonly SecretFinding[],
  ) {
    super(
      `image build context ${context} holds ${findings.length} credential${findings.length === 1 ? "" : "s"}; ` +
        `they would be baked into the image. Take them out of the context (a file listed in ` +
        `.dockerignore is still scanned: move it elsewhere; only .git and node_modules are ` +
        `skipped, where .dockerignore excludes them) and give the app credentials as ` +
        `tenantSecrets instead:\n` +
        findings
          .map((f) => `  - ${f.file}:${f.line}:${f.column} ${f.message} (${f.ruleId})`)
          .join("\n"),
    );
    this.name = "SecretsInContextError";
  }
}

interface LintMessage {
  readonly message: string;
  readonly ruleId: string;
  readonly loc: { readonly start: { readonly line: number; readonly column: number } };
}

/**
 * Scans every text file of a build context with secretlint's recommended preset (AWS, GCP,
 * GitHub, Slack, npm, private keys, basic-auth URLs, ...) and returns what it finds, sorted by
 * file and line. Skips {@link SKIPPABLE_DIRECTORIES} the build's ignore file excludes
 * ({@link readDockerignore}), symlinks, binary files and files over {@link MAX_SCANNED_BYTES}.
 * `dockerfile`: the Dockerfile the build uses, whose own `<Dockerfile>.dockerignore` wins.
 */
export async function scanContext(dir: string, dockerfile?: string): Promise<SecretFinding[]> {
  const root = path.resolve(dir);
  const info = await stat(root).catch(() => undefined);
  if (info === undefined || !info.isDirectory()) {
    throw new Error(`image build context ${root}: no such directory`);
  }
  const files = await textFiles(root, dockerfile);
  if (files.length === 0) return [];

  // secretlint ships as ES modules only; a dynamic import loads them from this CommonJS program.
  const { createEngine } = await import("@secretlint/node");
  const engine = await createEngine({
    configFileJSON: { rules: [{ id: "@secretlint/secretlint-rule-preset-recommend" }] },
    formatter: "json",
    color: false,
    maskSecrets: true,
  });
  const { output } = await engine.executeOnFiles({ filePathList: files });
  const results = JSON.parse(output) as { filePath: string; messages: LintMessage[] }[];
  const findings: SecretFinding[] = results.flatMap((r) =>
    r.messages.map((m) => ({
      file: path.relative(root, r.filePath).split(path.sep).join("/"),
      line: m.loc.start.line,
      column: m.loc.start.column + 1,
      ruleId: m.ruleId,
      message: m.message,
    })),
  );
  // The platform's detector too, so the scan, the config validation and the policy pack agree
  // (Stripe restricted keys, webhook URLs, *_PASS=...); one finding per line.
  const seen = new Set(findings.map((f) => `${f.file}:${f.line}`));
  for (const file of files) {
    const rel = path.relative(root, file).split(path.sep).join("/");
    for (const t of findTextSecrets(await readFile(file, "utf8"))) {
      if (seen.has(`${rel}:${t.line}`)) continue;
      seen.add(`${rel}:${t.line}`);
      findings.push({
        file: rel,
        line: t.line,
        column: t.column,
        ruleId: PLATFORM_SECRET_RULE,
        message: `found ${t.what}`,
      });
    }
  }
  return findings.sort((a, b) =>
    a.file === b.file ? a.line - b.line || a.column - b.column : a.file < b.file ? -1 : 1,
  );
}

/** Scans `dir` and throws {@link SecretsInContextError} if it holds any credential. */
export async function assertNoSecretsInContext(dir: string, dockerfile?: string): Promise<void> {
  const findings = await scanContext(dir, dockerfile);
  if (findings.length > 0) throw new SecretsInContextError(path.resolve(dir), findings);
}

async function textFiles(root: string, dockerfile: string | undefined): Promise<string[]> {
  const ignore = await readDockerignore(root, dockerfile);
  const skipped = (full: string): boolean =>
    excludesDirectory(ignore, path.relative(root, full).split(path.sep).join("/"));
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPABLE_DIRECTORIES.includes(entry.name) || !skipped(full)) await walk(full);
      } else if (entry.isFile() && (await isText(full))) {
        found.push(full);
      }
    }
  };
  await walk(root);
  return found.sort();
}

/**
 * The patterns of the ignore file the build reads, as BuildKit picks it: the Dockerfile's own
 * `<Dockerfile>.dockerignore` when it exists, else the context's `.dockerignore`; none when
 * neither does (Docker sends everything).
 */
async function readDockerignore(root: string, dockerfile?: string): Promise<IgnorePattern[]> {
  const candidates = [
    ...(dockerfile === undefined ? [] : [`${path.resolve(dockerfile)}.dockerignore`]),
    path.join(root, ".dockerignore"),
  ];
  for (const file of candidates) {
    const info = await stat(file).catch(() => undefined);
    if (info?.isFile() === true) return parseDockerignore(await readFile(file, "utf8"));
  }
  return [];
}

/** Small enough, and no NUL byte in its first 8 KiB (how git and grep tell binary files). */
async function isText(file: string): Promise<boolean> {
  const handle = await open(file, "r");
  try {
    const { size } = await handle.stat();
    if (size > MAX_SCANNED_BYTES) return false;
    const head = Buffer.alloc(Math.min(size, 8192));
    await handle.read(head, 0, head.length, 0);
    return !head.includes(0);
  } finally {
    await handle.close();
  }
}
