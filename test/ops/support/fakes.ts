/* eslint-disable @typescript-eslint/require-await -- in-memory stand-ins for async interfaces */
/** Fakes for the outside world the commands talk to, and a context that wires them up. */
import type { OpsContext } from "../../../ops/context";
import type { DnsResolver } from "../../../ops/dns";
import type { Writer } from "../../../ops/format";
import type { HealthChecker, HealthResult } from "../../../ops/health";
import type { LogSource, LogStreamOptions, PodInfo } from "../../../ops/logs";
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

/** Pods per namespace+selector, and each pod's log as chunks. */
export class FakeLogs implements LogSource {
  readonly listed: { namespace: string; selector: string }[] = [];
  readonly streamed: {
    namespace: string;
    pod: string;
    container: string;
    options: LogStreamOptions;
  }[] = [];
  constructor(
    readonly pods: Record<string, PodInfo[]> = {},
    readonly chunks: Record<string, string[] | Error> = {},
  ) {}
  async listPods(namespace: string, selector: string): Promise<PodInfo[]> {
    this.listed.push({ namespace, selector });
    return this.pods[`${namespace} ${selector}`] ?? [];
  }
  async stream(
    namespace: string,
    pod: string,
    container: string,
    options: LogStreamOptions,
    onText: (chunk: string) => void,
  ): Promise<void> {
    this.streamed.push({ namespace, pod, container, options });
    const chunks = this.chunks[pod] ?? [];
    if (chunks instanceof Error) throw chunks;
    for (const chunk of chunks) {
      await Promise.resolve();
      onText(chunk);
    }
  }
}

export interface TestContext extends OpsContext {
  readonly engine: MemoryEngine;
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly health: FakeHealth;
  readonly dns: FakeDns;
  readonly logs: FakeLogs;
  /** Questions asked, in order. */
  readonly questions: string[];
}

export function testContext(
  engine: MemoryEngine,
  parts: { health?: FakeHealth; dns?: FakeDns; logs?: FakeLogs; answer?: boolean } = {},
): TestContext {
  const questions: string[] = [];
  return {
    engine,
    stdout: new TextSink(),
    stderr: new TextSink(),
    health: parts.health ?? new FakeHealth(),
    dns: parts.dns ?? new FakeDns(),
    logs: parts.logs ?? new FakeLogs(),
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
