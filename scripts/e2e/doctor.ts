/**
 * `ops doctor` pointed at an e2e run: the real command, with the rendered stack as its state and
 * outputs, every tenant name resolving to the run's proxy, and health checks sent there (TLS with
 * the tenant's name, trusting the run's certificate).
 */
import { type CertificateProbe, TlsCertificateProbe } from "../../ops/adapters/tls-probe";
import { doctor } from "../../ops/commands/doctor";
import type { OpsContext } from "../../ops/context";
import type { ReleaseEngine, StackOutputs, StateResource } from "../../ops/engine";
import type { Writer } from "../../ops/format/text";
import type { HealthChecker, HealthResult } from "../../ops/adapters/health";
import { edgeGet } from "./client";
import type { RenderedObjects } from "./objects";
import type { RenderedStack } from "./render";

class Text implements Writer {
  text = "";
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

const unsupported = (what: string) => () =>
  Promise.reject(new Error(`${what} is not part of an e2e run`));

export async function runDoctor(
  stack: string,
  rendered: RenderedStack,
  objects: RenderedObjects,
  edge: { host: string; port: number },
  ca: string,
): Promise<{ code: number; summary: string; output: string }> {
  const outputs: StackOutputs = Object.fromEntries(
    Object.entries(rendered.outputs).map(([k, value]) => [k, { value, secret: false }]),
  );
  const resources: StateResource[] = objects.resources.map((r) => ({
    urn: r.urn,
    type: r.type,
    parent: r.parent,
    inputs: r.inputs,
    outputs: r.state,
  }));
  // Only what doctor reads; anything else the engine interface grows fails loudly.
  const known: Partial<ReleaseEngine> = {
    ensureCli: () => Promise.resolve(),
    listStacks: () => Promise.resolve([stack]),
    selectStack: () => Promise.resolve(),
    preview: unsupported("preview"),
    up: unsupported("up"),
    history: () => Promise.resolve([]),
    outputs: () => Promise.resolve(outputs),
    resources: () => Promise.resolve(resources),
    readConfig: () => Promise.resolve(rendered.stackConfig),
    writeConfig: unsupported("writeConfig"),
    configFileName: (s) => `Pulumi.${s}.yaml`,
    gitState: () => Promise.resolve({ dirty: false }),
    hasCommit: () => Promise.resolve(false),
    dispose: () => Promise.resolve(),
  };
  const engine = new Proxy(known, {
    get: (target, key) => target[key as keyof ReleaseEngine] ?? unsupported(String(key)),
  }) as ReleaseEngine;
  const proxyAddress =
    typeof rendered.outputs.proxyAddress === "string" ? rendered.outputs.proxyAddress : "";
  const health: HealthChecker = {
    async check(url: string, timeoutMs: number): Promise<HealthResult> {
      const u = new URL(url);
      const started = performance.now();
      const r = await edgeGet(edge, u.hostname, `${u.pathname}${u.search}`, {
        ca,
        verifyName: true,
        timeoutMs,
      });
      const latencyMs = performance.now() - started;
      return r.status === 0 ? { latencyMs, error: r.error } : { status: r.status, latencyMs };
    },
  };
  const stdout = new Text();
  const stderr = new Text();
  // The certificate doctor reads is the one this run's edge serves, wherever doctor looks for it.
  const live = new TlsCertificateProbe();
  const tls: CertificateProbe = {
    served: (_address, _port, servername, timeoutMs) =>
      live.served(edge.host, edge.port, servername, timeoutMs),
  };
  const ctx: OpsContext = {
    tls,
    zone: null,
    engine,
    stdout,
    stderr,
    health,
    dns: { resolve: () => Promise.resolve(proxyAddress === "" ? ["127.0.0.1"] : [proxyAddress]) },
    logs: { stream: unsupported("logs") } as unknown as OpsContext["logs"],
    confirm: () => Promise.resolve(false),
    now: () => new Date(),
  };
  const code = await doctor(ctx, { stack, timeoutMs: 5000 });
  const output = `${stdout.text}${stderr.text}`;
  const summary =
    /doctor: \d+ checks passed, \d+ failed/.exec(output)?.[0] ??
    output.trim().split("\n").pop() ??
    "";
  return { code, summary, output };
}
