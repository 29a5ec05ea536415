/** What every command gets: the engine, the outside world behind interfaces, and its output. */
import type { DnsResolver } from "./adapters/dns";
import type { ReleaseEngine } from "./engine";
import type { Writer } from "./format/text";
import type { HealthChecker } from "./adapters/health";
import type { LogSource } from "./plans/pod-logs";
import type { OperationsContext } from "./operations-context";

/** The dependencies of every command, injected so tests replace each one. */
export interface OpsContext extends OperationsContext {
  readonly engine: ReleaseEngine;
  readonly stdout: Writer;
  readonly stderr: Writer;
  readonly health: HealthChecker;
  readonly dns: DnsResolver;
  readonly logs: LogSource;
  /** Asks a yes/no question; resolves true only for an explicit yes. */
  readonly confirm: (question: string) => Promise<boolean>;
  readonly now: () => Date;
  /** Environment variables (CI actor, ...); default: the process's. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Default time each HTTP check may take. */
export const DEFAULT_HTTP_TIMEOUT_MS = 5000;
