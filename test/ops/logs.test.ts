import { describe, expect, it } from "vitest";
import { logs } from "../../ops/commands/logs";
import { OpsError } from "../../ops/errors";
import { chooseContainer, LinePrefixer, podPrefixes, tenantPodSelector } from "../../ops/logs";
import { FakeLogs, testContext } from "./support/fakes";
import { devStack } from "./support/fixtures";
import { MemoryEngine } from "./support/memory-engine";

describe("LinePrefixer", () => {
  it.each([
    { chunks: ["a\nb\n"], lines: ["p | a", "p | b"] },
    { chunks: ["hal", "f line\nnext"], lines: ["p | half line", "p | next"] },
    { chunks: ["crlf\r\n", "\n"], lines: ["p | crlf", "p | "] },
    { chunks: ["", "no newline at all"], lines: ["p | no newline at all"] },
  ])("$chunks → $lines", ({ chunks, lines }) => {
    const out: string[] = [];
    const prefixer = new LinePrefixer("p | ", (l) => out.push(l));
    for (const c of chunks) prefixer.push(c);
    prefixer.flush();
    expect(out).toEqual(lines);
  });
});

describe("pod selection", () => {
  it("labels pods app.kubernetes.io/name=sp-{id}", () => {
    expect(tenantPodSelector("acme")).toBe("app.kubernetes.io/name=sp-acme");
  });

  it("pads prefixes to the longest pod name", () => {
    expect([...podPrefixes(["sp-acme-1", "sp-acme-22"]).values()]).toEqual([
      "sp-acme-1  | ",
      "sp-acme-22 | ",
    ]);
  });

  it.each([
    { containers: ["sp-acme", "sidecar"], requested: undefined, chosen: "sp-acme" },
    { containers: ["app"], requested: undefined, chosen: "app" },
    { containers: ["sp-acme", "sidecar"], requested: "sidecar", chosen: "sidecar" },
  ])("picks $chosen from $containers", ({ containers, requested, chosen }) => {
    expect(chooseContainer({ name: "pod-1", containers }, "acme", requested)).toBe(chosen);
  });

  it.each([
    {
      containers: ["a", "b"],
      requested: undefined,
      message:
        'pod pod-1 has no container "sp-acme"; its containers: a, b (choose one with --container)',
    },
    {
      containers: ["sp-acme"],
      requested: "x",
      message:
        'pod pod-1 has no container "x"; its containers: sp-acme (choose one with --container)',
    },
  ])("refuses to guess among $containers", ({ containers, requested, message }) => {
    expect(() => chooseContainer({ name: "pod-1", containers }, "acme", requested)).toThrow(
      new OpsError(message),
    );
  });
});

describe("logs command", () => {
  const KEY = "dev-tenant-acme app.kubernetes.io/name=sp-acme";

  it("streams every pod of the tenant, each line prefixed by its pod", async () => {
    const source = new FakeLogs(
      {
        [KEY]: [
          { name: "sp-acme-7d9-abcde", containers: ["sp-acme"] },
          { name: "sp-acme-7d9-x", containers: ["sp-acme", "proxy"] },
        ],
      },
      { "sp-acme-7d9-abcde": ["booting\nlisten", "ing on 8080\n"], "sp-acme-7d9-x": ["ready\n"] },
    );
    const ctx = testContext(new MemoryEngine({ dev: devStack() }), { logs: source });
    expect(await logs(ctx, { stack: "dev", tenant: "acme", follow: true, tail: 50 })).toBe(0);
    expect(source.listed).toEqual([
      { namespace: "dev-tenant-acme", selector: "app.kubernetes.io/name=sp-acme" },
    ]);
    expect(source.streamed).toEqual([
      {
        namespace: "dev-tenant-acme",
        pod: "sp-acme-7d9-abcde",
        container: "sp-acme",
        options: { follow: true, tailLines: 50 },
      },
      {
        namespace: "dev-tenant-acme",
        pod: "sp-acme-7d9-x",
        container: "sp-acme",
        options: { follow: true, tailLines: 50 },
      },
    ]);
    expect([...ctx.stdout.lines].sort()).toEqual([
      "sp-acme-7d9-abcde | booting",
      "sp-acme-7d9-abcde | listening on 8080",
      "sp-acme-7d9-x     | ready",
    ]);
    // The stack's environment came from its config file: no Pulumi CLI needed.
    expect(ctx.engine.calls.map((c) => c.method)).toEqual(["readConfig"]);
  });

  it("takes the environment from the stack output when the config has none", async () => {
    const engine = new MemoryEngine({ dev: devStack() });
    delete engine.stacks.dev!.config["agent-cloud:environment"];
    engine.stacks.dev!.outputs.environment = { value: "staging", secret: false };
    const source = new FakeLogs({
      "staging-tenant-acme app.kubernetes.io/name=sp-acme": [
        { name: "p", containers: ["sp-acme"] },
      ],
    });
    const ctx = testContext(engine, { logs: source });
    expect(await logs(ctx, { stack: "dev", tenant: "acme", follow: false })).toBe(0);
    expect(source.streamed[0]).toMatchObject({
      namespace: "staging-tenant-acme",
      options: { follow: false },
    });
  });

  it("reports a pod whose stream fails and exits 1, keeping the other pods' lines", async () => {
    const source = new FakeLogs(
      {
        [KEY]: [
          { name: "a", containers: ["sp-acme"] },
          { name: "b", containers: ["sp-acme"] },
        ],
      },
      { a: ["one\n"], b: new Error("container is waiting to start") },
    );
    const ctx = testContext(new MemoryEngine({ dev: devStack() }), { logs: source });
    expect(await logs(ctx, { stack: "dev", tenant: "acme", follow: false })).toBe(1);
    expect(ctx.stdout.lines).toEqual(["a | one"]);
    expect(ctx.stderr.lines).toEqual(["error: logs of pod b: container is waiting to start"]);
  });

  it("explains a Kubernetes API failure in one line", async () => {
    const source = new FakeLogs();
    source.listPods = () =>
      Promise.reject(
        Object.assign(new Error("HTTP-Code: 403\nMessage: Forbidden\nBody: {...}"), { code: 403 }),
      );
    const ctx = testContext(new MemoryEngine({ dev: devStack() }), { logs: source });
    await expect(logs(ctx, { stack: "dev", tenant: "acme", follow: false })).rejects.toThrow(
      new OpsError(
        'cannot list the pods of tenant "acme" in namespace dev-tenant-acme through the Kubernetes API of the current kubeconfig context: HTTP-Code: 403',
      ),
    );
  });

  it("refuses an unknown tenant, listing the tenants", async () => {
    const ctx = testContext(new MemoryEngine({ dev: devStack() }));
    await expect(logs(ctx, { stack: "dev", tenant: "nope", follow: false })).rejects.toThrow(
      new OpsError('stack "dev" has no tenant "nope"; its tenants: acme, big-acme, globex'),
    );
  });

  it("says how to look when no pod carries the label", async () => {
    const ctx = testContext(new MemoryEngine({ dev: devStack() }));
    await expect(logs(ctx, { stack: "dev", tenant: "acme", follow: false })).rejects.toThrow(
      new OpsError(
        'no pods labelled app.kubernetes.io/name=sp-acme in namespace dev-tenant-acme; is tenant "acme" deployed? (kubectl -n dev-tenant-acme get pods)',
      ),
    );
  });
});
