/* eslint-disable @typescript-eslint/require-await -- in-memory stand-ins for async interfaces */
/** Fakes for the outside world the commands talk to, and a context that wires them up. */
import type { CertificateProbe, ServedCertificate } from "../../ops/adapters/tls-probe";
import type { CloudflareZone, ZoneRecord } from "../../ops/adapters/cloudflare-zone";
import type { OpsContext } from "../../ops/context";
import type { DbTools, ToolResult } from "../../ops/adapters/db-tools";
import type { SecretReader } from "../../ops/adapters/kube-secrets";
import type { MetricsSource, PodUsage } from "../../ops/adapters/kube-metrics";
import type { DnsResolver } from "../../ops/adapters/dns";
import type { Writer } from "../../ops/format/text";
import type { HealthChecker, HealthResult } from "../../ops/adapters/health";
import type { LogSource, LogStreamOptions, PodEvent, PodInfo } from "../../ops/plans/pod-logs";
import type { MemoryEngine } from "./memory-engine";

/** Collects what a command writes. */
export class TextSink implements Writer {
  text = "";
  write(text: string): void {
    this.text += text;
  }
  /** The text as lines, without the empty string after a final newline. */
  get lines(): string[] {
    const lines = this.text.split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    return lines;
  }
}

/** Answers each URL from a table; records the URLs and timeouts it was asked. */
export class FakeHealth implements HealthChecker {
  readonly asked: { url: string; timeoutMs: number }[] = [];
  constructor(readonly answers: Record<string, HealthResult> = {}) {}
  async check(url: string, timeoutMs: number): Promise<HealthResult> {
    this.asked.push({ url, timeoutMs });
    return this.answers[url] ?? { latencyMs: 1, error: "connection refused" };
  }
}

export class FakeDns implements DnsResolver {
  readonly asked: string[] = [];
  constructor(readonly answers: Record<string, string[]> = {}) {}
  async resolve(host: string): Promise<string[]> {
    this.asked.push(host);
    return this.answers[host] ?? [];
  }
}

/**
 * Pods per namespace+selector, each pod's log as chunks, and a scripted watch. A pod listed in
 * `holdOpen` keeps its stream open after its chunks until the stream is aborted (a followed pod
 * that has not left); others end after their chunks.
 */
export class FakeLogs implements LogSource {
  readonly listed: { namespace: string; selector: string }[] = [];
  readonly watched: { namespace: string; selector: string }[] = [];
  readonly streamed: {
    namespace: string;
    pod: string;
    container: string;
    options: Omit<LogStreamOptions, "signal">;
  }[] = [];
  /** Pods whose stream was aborted (they left, or the command stopped). */
  readonly aborted: string[] = [];
  constructor(
    readonly pods: Record<string, PodInfo[]> = {},
    readonly chunks: Record<string, string[] | Error> = {},
    readonly events: PodEvent[] = [],
    readonly holdOpen: readonly string[] = [],
  ) {}
  async listPods(namespace: string, selector: string): Promise<PodInfo[]> {
    this.listed.push({ namespace, selector });
    return this.pods[`${namespace} ${selector}`] ?? [];
  }
  async watchPods(
    namespace: string,
    selector: string,
    onEvent: (event: PodEvent) => void,
  ): Promise<void> {
    this.watched.push({ namespace, selector });
    for (const event of this.events) {
      // Let started streams deliver their chunks before the next change arrives.
      for (let i = 0; i < 10; i++) await Promise.resolve();
      onEvent(event);
    }
  }
  async stream(
    namespace: string,
    pod: string,
    container: string,
    options: LogStreamOptions,
    onText: (chunk: string) => void,
  ): Promise<void> {
    const { signal, ...rest } = options;
    this.streamed.push({ namespace, pod, container, options: rest });
    const chunks = this.chunks[pod] ?? [];
    if (chunks instanceof Error) throw chunks;
    for (const chunk of chunks) {
      await Promise.resolve();
      onText(chunk);
    }
    if (this.holdOpen.includes(pod) && signal !== undefined && !signal.aborted) {
      await new Promise<void>((resolve) =>
        signal.addEventListener("abort", () => resolve(), { once: true }),
      );
    }
    if (signal?.aborted === true) this.aborted.push(pod);
  }
}

/** Served certificates by SNI name; a name not in the table refuses the connection. */
export class FakeTls implements CertificateProbe {
  readonly asked: { address: string; port: number; servername: string }[] = [];
  constructor(readonly answers: Record<string, ServedCertificate | Error> = {}) {}
  async served(address: string, port: number, servername: string): Promise<ServedCertificate> {
    this.asked.push({ address, port, servername });
    const answer = this.answers[servername];
    if (answer === undefined) throw new Error("connection refused");
    if (answer instanceof Error) throw answer;
    return answer;
  }
}

/** A Cloudflare zone's records by zone id; an unknown zone fails like the API does. */
export class FakeZone implements CloudflareZone {
  readonly asked: string[] = [];
  constructor(readonly zones: Record<string, ZoneRecord[]> = {}) {}
  async records(zoneId: string): Promise<ZoneRecord[]> {
    this.asked.push(zoneId);
    const records = this.zones[zoneId];
    if (records === undefined)
      throw new Error(`Cloudflare API 404 for zone ${zoneId}: 1001 Invalid zone`);
    return records;
  }
}

/** Secrets by `namespace/name`; an unknown one fails as the API would (403 here). */
export class FakeSecrets implements SecretReader {
  readonly asked: string[] = [];
  constructor(readonly secrets: Record<string, Record<string, string>> = {}) {}
  async read(namespace: string, name: string): Promise<Record<string, string>> {
    this.asked.push(`${namespace}/${name}`);
    const data = this.secrets[`${namespace}/${name}`];
    if (data === undefined)
      throw new Error(`HTTP-Code: 403\nMessage: secrets "${name}" is forbidden`);
    return data;
  }
}

/**
 * Records each pg_dump/pg_restore run; a successful pg_dump writes `dump of {dbname}` to its
 * --file, as the real one writes its archive. `pg_restore --list` reads such a file back as a
 * header naming that database, with the table of contents lines on the file's later lines (any
 * other content is not an archive, as pg_restore says); every other run gives `result`.
 */
export class FakeDbTools implements DbTools {
  readonly runs: {
    program: string;
    args: readonly string[];
    env: Readonly<Record<string, string>>;
  }[] = [];
  constructor(readonly result: Omit<ToolResult, "stdout"> = { code: 0, stderr: "" }) {}
  async run(
    program: "pg_dump" | "pg_restore",
    args: readonly string[],
    env: Readonly<Record<string, string>>,
  ): Promise<ToolResult> {
    this.runs.push({ program, args, env });
    const { readFile, writeFile } = await import("node:fs/promises");
    if (program === "pg_restore" && args[0] === "--list") {
      const dump = await readFile(args[1] ?? "", "utf8").catch(() => "");
      const [, dbname, entries] = /^dump of (\S+)(?:\n([\s\S]*))?$/.exec(dump) ?? [];
      if (dbname === undefined) {
        return {
          code: 1,
          stderr: "pg_restore: error: input file does not appear to be a valid archive",
          stdout: "",
        };
      }
      const toc = entries === undefined ? [] : entries.split("\n");
      return { code: 0, stderr: "", stdout: fakeDumpHeader(dbname, toc) };
    }
    const file = args.find((a) => a.startsWith("--file="))?.slice("--file=".length);
    const dbname = args.find((a) => a.startsWith("--dbname="))?.slice("--dbname=".length);
    if (program === "pg_dump" && file !== undefined && this.result.code === 0) {
      await writeFile(file, `dump of ${dbname}`);
    }
    return { ...this.result, stdout: "" };
  }
}

/**
 * What `pg_restore --list` prints for a dump of `dbname` (PostgreSQL 15's layout): its header, a
 * table, and the table of contents lines `entries` after it.
 */
export function fakeDumpHeader(dbname: string, entries: readonly string[] = []): string {
  return [
    ";",
    "; Archive created at 2026-11-21 03:00:00 UTC",
    `;     dbname: ${dbname}`,
    ";     TOC Entries: 12",
    ";     Compression: -1",
    ";     Dump Version: 1.14-0",
    ";     Format: CUSTOM",
    ";     Integer: 4 bytes",
    ";     Offset: 8 bytes",
    ";     Dumped from database version: 15.18 (Debian 15.18-0+deb12u1)",
    ";     Dumped by pg_dump version: 15.18 (Debian 15.18-0+deb12u1)",
    ";",
    ";",
    "; Selected TOC Entries:",
    ";",
    `215; 1259 16386 TABLE public notes ${dbname}`,
    ...entries,
    "",
  ].join("\n");
}

/** Pod usage by namespace; a namespace not in the table has no metrics API (it throws). */
export class FakeMetrics implements MetricsSource {
  constructor(readonly usage: Record<string, PodUsage> = {}) {}
  async podUsage(namespace: string): Promise<PodUsage> {
    const podUsage = this.usage[namespace];
    if (podUsage === undefined) throw new Error("the server could not find the requested resource");
    return podUsage;
  }
}

export interface TestContext extends OpsContext {
  readonly engine: MemoryEngine;
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly health: FakeHealth;
  readonly dns: FakeDns;
  readonly logs: FakeLogs;
  readonly tls: FakeTls;
  /** Questions asked, in order. */
  readonly questions: string[];
}

export function testContext(
  engine: MemoryEngine,
  parts: {
    health?: FakeHealth;
    dns?: FakeDns;
    logs?: FakeLogs;
    tls?: FakeTls;
    zone?: FakeZone;
    secrets?: FakeSecrets;
    dbTools?: FakeDbTools;
    metrics?: FakeMetrics;
    answer?: boolean;
  } = {},
): TestContext {
  const questions: string[] = [];
  return {
    engine,
    stdout: new TextSink(),
    stderr: new TextSink(),
    health: parts.health ?? new FakeHealth(),
    dns: parts.dns ?? new FakeDns(),
    logs: parts.logs ?? new FakeLogs(),
    tls: parts.tls ?? new FakeTls(),
    zone: parts.zone ?? null,
    secrets: parts.secrets ?? new FakeSecrets(),
    dbTools: parts.dbTools ?? new FakeDbTools(),
    metrics: parts.metrics ?? new FakeMetrics(),
    questions,
    confirm: async (question) => {
      questions.push(question);
      return parts.answer ?? false;
    },
    now: () => new Date("2026-11-22T10:00:00.000Z"),
    // No CI actor and no login name: the actor is the engine's git user, when it has one.
    env: {},
  };
}

export const DIGEST_A = `sha256:${"a".repeat(64)}`;
export const DIGEST_B = `sha256:${"b".repeat(64)}`;
export const SHA_1 = "1".repeat(40);
export const SHA_2 = "2".repeat(40);
export const SHA_3 = "3".repeat(40);
