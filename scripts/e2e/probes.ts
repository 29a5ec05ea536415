/**
 * The kubelet's probes for one pod: the startup probe until it succeeds (each failure counts
 * toward failureThreshold; reaching it restarts the container), then readiness (gates the
 * Service's endpoints) and liveness (failureThreshold consecutive failures restart the
 * container), each on its own period, with its timeout, against the pod's address.
 */
import { request } from "node:http";
import { containerPort, type K8sObject } from "./objects";
import type { Pod } from "./pods";

export interface ProbeSpec {
  readonly kind: "startup" | "readiness" | "liveness";
  readonly path: string;
  readonly port: number;
  readonly periodMs: number;
  readonly timeoutMs: number;
  readonly failureThreshold: number;
  readonly successThreshold: number;
  readonly initialDelayMs: number;
}

function spec(kind: ProbeSpec["kind"], container: K8sObject): ProbeSpec | undefined {
  const p = container[`${kind}Probe`] as K8sObject | undefined;
  if (p === undefined) return undefined;
  if (p.httpGet === undefined) throw new Error(`${kind} probe: only httpGet runs here`);
  return {
    kind,
    path: p.httpGet.path ?? "/",
    port: containerPort(container, p.httpGet.port),
    periodMs: (p.periodSeconds ?? 10) * 1000,
    timeoutMs: (p.timeoutSeconds ?? 1) * 1000,
    failureThreshold: p.failureThreshold ?? 3,
    successThreshold: p.successThreshold ?? 1,
    initialDelayMs: (p.initialDelaySeconds ?? 0) * 1000,
  };
}

/** One HTTP GET as the kubelet sends it: success is a status from 200 to 399. */
export function httpProbe(ip: string, p: ProbeSpec): Promise<{ ok: boolean; detail: string }> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: ip,
        port: p.port,
        path: p.path,
        method: "GET",
        timeout: p.timeoutMs,
        headers: { "user-agent": "kube-probe/1.33" },
      },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        resolve({ ok: status >= 200 && status < 400, detail: `GET ${p.path} → ${status}` });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${p.timeoutMs} ms`)));
    req.on("error", (e) => resolve({ ok: false, detail: `GET ${p.path} → ${e.message}` }));
    req.end();
  });
}

export class Prober {
  ready = false;
  started = false;
  /** Last result of each probe kind, and what happened (restarts, threshold reached). */
  readonly last: Partial<Record<ProbeSpec["kind"], string>> = {};
  readonly events: string[] = [];
  readonly specs: readonly ProbeSpec[];
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(
    readonly pod: Pod,
    container: K8sObject,
  ) {
    this.specs = (["startup", "readiness", "liveness"] as const)
      .map((k) => spec(k, container))
      .filter((s): s is ProbeSpec => s !== undefined);
  }

  start(): void {
    const startup = this.specs.find((s) => s.kind === "startup");
    if (startup === undefined) this.afterStartup();
    else this.loop(startup);
  }

  private afterStartup(): void {
    this.started = true;
    const readiness = this.specs.find((s) => s.kind === "readiness");
    if (readiness === undefined) this.ready = true;
    else this.loop(readiness);
    const liveness = this.specs.find((s) => s.kind === "liveness");
    if (liveness !== undefined) this.loop(liveness);
  }

  private loop(p: ProbeSpec): void {
    let failures = 0;
    let successes = 0;
    const tick = async () => {
      if (this.stopped) return;
      const result = this.pod.exited
        ? { ok: false, detail: `process exited (code ${this.pod.exitCode})` }
        : await httpProbe(this.pod.o.ip, p);
      if (this.stopped) return;
      this.last[p.kind] = result.detail;
      if (result.ok) {
        failures = 0;
        successes++;
        if (p.kind === "startup") return this.afterStartup();
        if (p.kind === "readiness" && successes >= p.successThreshold) this.ready = true;
      } else {
        successes = 0;
        failures++;
        if (p.kind === "readiness" && failures >= p.failureThreshold) this.ready = false;
        if ((p.kind === "startup" || p.kind === "liveness") && failures >= p.failureThreshold) {
          this.events.push(
            `${p.kind} probe failed ${failures}× (${result.detail}): container restarted`,
          );
          this.ready = false;
          failures = 0;
          await this.pod.restart();
          if (p.kind === "liveness") {
            this.stopAll();
            this.stopped = false;
            this.started = false;
            return this.start();
          }
        }
      }
      this.timers.push(setTimeout(() => void tick(), p.periodMs));
    };
    this.timers.push(setTimeout(() => void tick(), p.initialDelayMs));
  }

  private stopAll(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
  }

  stop(): void {
    this.stopAll();
  }
}
