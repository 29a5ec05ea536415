import { describe, expect, it } from "vitest";
import { PROXY_NAME } from "../../components/edge/management-proxy";
import { formatAccess, parseAccessLine } from "../../ops/plans/access-log";
import { logs } from "../../ops/commands/logs";
import { parseDuration } from "../../ops/command-line/duration";
import { OpsError, UsageError } from "../../ops/errors";
import {
  chooseContainer,
  LinePrefixer,
  PROXY_APP_NAME,
  tenantPodSelector,
} from "../../ops/plans/pod-logs";
import { stripControlSequences } from "../../ops/format/terminal";
import { FakeLogs, testContext } from "../../testkit/ops/fakes";
import { devStack } from "./support/fixtures";
import { MemoryEngine } from "../../testkit/ops/memory-engine";

describe("LinePrefixer", () => {
  it.each([
    { chunks: ["a\nb\n"], lines: ["p | a", "p | b"] },
    { chunks: ["hal", "f line\nnext"], lines: ["p | half line", "p | next"] },
    { chunks: ["crlf\r\n", "\n"], lines: ["p | crlf", "p | "] },
    { chunks: ["", "no newline at all"], lines: ["p | no newline at all"] },
    { chunks: ["\x1b[31mred\x1b[0m\n"], lines: ["p | red"] },
    { chunks: ["\x1b]0;pwned\x07title\n"], lines: ["p | title"] },
  ])("$chunks → $lines", ({ chunks, lines }) => {
    const out: string[] = [];
    const prefixer = new LinePrefixer("p | ", (l) => out.push(l));
    for (const c of chunks) prefixer.push(c);
    prefixer.flush();
    expect(out).toEqual(lines);
  });
});

describe("stripControlSequences", () => {
  it.each([
    ["plain\ttext", "plain\ttext"],
    ["\x1b[2J\x1b[Hcleared", "cleared"],
    ["\x1b[1;31mbold red\x1b[m", "bold red"],
    ["\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", "link"],
    ["over\rwrite", "overwrite"],
    ["bell\x07 back\x08space", "bell backspace"],
    ["\x9b31mC1 CSI", "31mC1 CSI"],
    ["\x1bPdevice control\x1b\\after", "after"],
    ["esc at end\x1b", "esc at end"],
    ["ünïcödé ✓", "ünïcödé ✓"],
  ])("%j → %j", (input, output) => {
    expect(stripControlSequences(input)).toBe(output);
  });
});

describe("parseDuration", () => {
  it.each([
    ["90", 90],
    ["90s", 90],
    ["15m", 900],
    ["2h", 7200],
    ["7d", 604_800],
  ])("%s → %d s", (text, seconds) => {
    expect(parseDuration(text, "--since")).toBe(seconds);
  });

  it.each(["0", "1w", "-5m", "", "5 m"])("refuses %j", (text) => {
    expect(() => parseDuration(text, "logs: --since")).toThrow(
      new UsageError(
        `logs: --since "${text}" must be a duration such as 90s, 15m, 2h or 7d (a bare number is seconds)`,
      ),
    );
  });
});

describe("access log", () => {
  const line = JSON.stringify({
    time: "2026-11-22T10:00:01+00:00",
    tenant: "acme",
    host: "acme.dev.example.com",
    method: "POST",
    path: "/api/v1/chat",
    status: 200,
    request_time: 0.125,
    upstream_response_time: "0.120",
    bytes_sent: 512,
    request_length: 300,
    request_id: "r-1",
    client: "198.51.100.4",
  });

  it("parses the contract's fields and formats one line", () => {
    const entry = parseAccessLine(line)!;
    expect(entry).toMatchObject({
      tenant: "acme",
      status: 200,
      requestTime: 0.125,
      bytesSent: 512,
    });
    expect(formatAccess(entry)).toBe(
      "2026-11-22T10:00:01Z 200 POST acme.dev.example.com/api/v1/chat 125 ms 512 B tenant=acme client=198.51.100.4 id=r-1",
    );
  });

  it("reads the earlier spellings, and skips what is not an entry", () => {
    const old = parseAccessLine(
      '{"time":"2026-11-22T10:00:01+00:00","request_id":"r","remote":"10.0.0.1","host":"h","tenant":"","method":"GET","path":"/","status":404,"bytes":12,"duration":0.002}',
    )!;
    expect([old.client, old.bytesSent, old.requestTime, old.tenant]).toEqual([
      "10.0.0.1",
      12,
      0.002,
      "",
    ]);
    expect(parseAccessLine("2026/11/22 10:00:00 [warn] 1#1: something")).toBeUndefined();
    expect(parseAccessLine("{not json")).toBeUndefined();
    expect(parseAccessLine('{"time":"x","status":200}')).toBeUndefined();
  });

  // nginx's escape=json writes a client's control bytes as \u001B, \u0007…: JSON.parse turns them
  // back into real control characters, which must not reach the terminal from any field.
  it.each([
    { field: "tenant", sent: "ac\\u001B[2Jme", read: "acme" },
    { field: "host", sent: "h\\u001B]0;owned\\u0007ost", read: "host" },
    { field: "method", sent: "G\\u001B[31mET", read: "GET" },
    { field: "path", sent: "/\\u001B]0;owned\\u0007\\u001B[2J", read: "/" },
    { field: "request_id", sent: "r\\u0008\\u000D-1", read: "r-1" },
    { field: "client", sent: "198.51.100.4\\u001B[K", read: "198.51.100.4" },
    { field: "time", sent: "2026-11-22T10:00:01Z\\u0007", read: "2026-11-22T10:00:01.000Z" },
  ])("cleans $field of decoded control sequences", ({ field, sent, read }) => {
    const fields: Record<string, string> = {
      time: '"2026-11-22T10:00:01Z"',
      status: "200",
      [field]: `"${sent}"`,
    };
    const json = `{${Object.entries(fields)
      .map(([k, v]) => `"${k}":${v}`)
      .join(",")}}`;
    const entry = parseAccessLine(json)!;
    const key = field === "request_id" ? "requestId" : field;
    const value = entry[key as keyof typeof entry];
    expect(value instanceof Date ? value.toISOString() : value).toBe(read);
  });
});

describe("pod selection", () => {
  it("labels pods app.kubernetes.io/name=sp-{id}; the proxy's name matches the component's", () => {
    expect(tenantPodSelector("acme")).toBe("app.kubernetes.io/name=sp-acme");
    expect(PROXY_APP_NAME).toBe(PROXY_NAME);
  });

  it.each([
    { containers: ["app", "sidecar"], requested: undefined, chosen: "app" },
    { containers: ["sp-acme", "sidecar"], requested: undefined, chosen: "sp-acme" },
    { containers: ["other"], requested: undefined, chosen: "other" },
    { containers: ["app", "sidecar"], requested: "sidecar", chosen: "sidecar" },
  ])("picks $chosen from $containers", ({ containers, requested, chosen }) => {
    expect(chooseContainer({ name: "pod-1", containers }, "acme", requested)).toBe(chosen);
  });

  it.each([
    {
      containers: ["a", "b"],
      requested: undefined,
      message:
        'pod pod-1 has no container "app"; its containers: a, b (choose one with --container)',
    },
    {
      containers: ["app"],
      requested: "x",
      message: 'pod pod-1 has no container "x"; its containers: app (choose one with --container)',
    },
  ])("refuses to guess among $containers", ({ containers, requested, message }) => {
    expect(() => chooseContainer({ name: "pod-1", containers }, "acme", requested)).toThrow(
      new OpsError(message),
    );
  });
});

describe("logs command", () => {
  const KEY = "dev-tenant-acme app.kubernetes.io/name=sp-acme";

  it("streams every pod of the tenant, each line prefixed by pod and container", async () => {
    const source = new FakeLogs(
      {
        [KEY]: [
          { name: "sp-acme-7d9-abcde", containers: ["app"] },
          { name: "sp-acme-7d9-x", containers: ["app", "proxy"] },
        ],
      },
      { "sp-acme-7d9-abcde": ["booting\nlisten", "ing on 8080\n"], "sp-acme-7d9-x": ["ready\n"] },
    );
    const ctx = testContext(new MemoryEngine({ dev: devStack() }), { logs: source });
    expect(
      await logs(ctx, { stack: "dev", tenant: "acme", follow: false, tail: 50, since: 600 }),
    ).toBe(0);
    expect(source.listed).toEqual([
      { namespace: "dev-tenant-acme", selector: "app.kubernetes.io/name=sp-acme" },
    ]);
    const options = { follow: false, tailLines: 50, sinceSeconds: 600 };
    expect(source.streamed).toEqual([
      { namespace: "dev-tenant-acme", pod: "sp-acme-7d9-abcde", container: "app", options },
      { namespace: "dev-tenant-acme", pod: "sp-acme-7d9-x", container: "app", options },
    ]);
    expect([...ctx.stdout.lines].sort()).toEqual([
      "sp-acme-7d9-abcde/app | booting",
      "sp-acme-7d9-abcde/app | listening on 8080",
      "sp-acme-7d9-x/app | ready",
    ]);
    expect(source.watched).toEqual([]);
    // The stack's environment came from its config file: no Pulumi CLI needed.
    expect(ctx.engine.calls.map((c) => c.method)).toEqual(["readConfig"]);
  });

  it("follows a rollout: picks up the new pod once it runs, drops the old one when it leaves", async () => {
    const old = { name: "sp-acme-old", containers: ["app"], phase: "Running" };
    const fresh = { name: "sp-acme-new", containers: ["app"] };
    const source = new FakeLogs(
      { [KEY]: [old] },
      { "sp-acme-old": ["old serving\n"], "sp-acme-new": ["new \x1b[32mstarted\x1b[0m\n"] },
      [
        { type: "ADDED", pod: old },
        { type: "ADDED", pod: { ...fresh, phase: "Pending" } },
        { type: "MODIFIED", pod: { ...fresh, phase: "Running" } },
        { type: "MODIFIED", pod: { ...fresh, phase: "Running" } },
        { type: "DELETED", pod: old },
      ],
      ["sp-acme-old"],
    );
    const ctx = testContext(new MemoryEngine({ dev: devStack() }), { logs: source });
    expect(await logs(ctx, { stack: "dev", tenant: "acme", follow: true })).toBe(0);
    expect(source.watched).toEqual([
      { namespace: "dev-tenant-acme", selector: "app.kubernetes.io/name=sp-acme" },
    ]);
    expect(source.streamed.map((s) => [s.pod, s.options.follow])).toEqual([
      ["sp-acme-old", true],
      ["sp-acme-new", true],
    ]);
    expect(source.aborted).toEqual(["sp-acme-old"]);
    expect(ctx.stdout.lines).toEqual([
      "sp-acme-old/app | old serving",
      "sp-acme-new/app | new started",
    ]);
    expect(ctx.stderr.lines).toEqual([
      "--- following sp-acme-old/app",
      "--- following sp-acme-new/app",
      "--- sp-acme-old left",
    ]);
  });

  it("waits for pods when following a tenant that has none yet", async () => {
    const pod = { name: "sp-acme-1", containers: ["app"], phase: "Running" };
    const source = new FakeLogs({}, { "sp-acme-1": ["up\n"] }, [{ type: "ADDED", pod }]);
    const ctx = testContext(new MemoryEngine({ dev: devStack() }), { logs: source });
    expect(await logs(ctx, { stack: "dev", tenant: "acme", follow: true })).toBe(0);
    expect(ctx.stderr.lines[0]).toBe(
      "--- no pods labelled app.kubernetes.io/name=sp-acme in dev-tenant-acme yet; waiting",
    );
    expect(ctx.stdout.lines).toEqual(["sp-acme-1/app | up"]);
  });

  it("--proxy formats the edge's access log, filtered by --tenant", async () => {
    const entry = (tenant: string, status: number) =>
      JSON.stringify({
        time: "2026-11-22T10:00:01Z",
        tenant,
        host: `${tenant}.dev.example.com`,
        method: "GET",
        path: "/",
        status,
        request_time: 0.004,
        bytes_sent: 10,
        request_id: `id-${tenant}`,
        client: "198.51.100.4",
      });
    const chunks = [
      `${entry("acme", 200)}\n${entry("globex", 502)}\n2026/11/22 [warn] upstream slow\n`,
    ];
    const source = new FakeLogs(
      {
        "dev-edge app.kubernetes.io/name=management-proxy": [
          { name: "proxy-1", containers: ["nginx"] },
        ],
      },
      { "proxy-1": chunks },
    );
    const ctx = testContext(new MemoryEngine({ dev: devStack() }), { logs: source });
    expect(await logs(ctx, { stack: "dev", tenant: "acme", proxy: true, follow: false })).toBe(0);
    expect(ctx.stdout.lines).toEqual([
      "proxy-1/nginx | 2026-11-22T10:00:01Z 200 GET acme.dev.example.com/ 4 ms 10 B tenant=acme client=198.51.100.4 id=id-acme",
    ]);
    const all = testContext(new MemoryEngine({ dev: devStack() }), { logs: source });
    expect(await logs(all, { stack: "dev", proxy: true, follow: false })).toBe(0);
    expect(all.stdout.lines).toEqual([
      "proxy-1/nginx | 2026-11-22T10:00:01Z 200 GET acme.dev.example.com/ 4 ms 10 B tenant=acme client=198.51.100.4 id=id-acme",
      "proxy-1/nginx | 2026-11-22T10:00:01Z 502 GET globex.dev.example.com/ 4 ms 10 B tenant=globex client=198.51.100.4 id=id-globex",
      "proxy-1/nginx | 2026/11/22 [warn] upstream slow",
    ]);
  });

  it("--proxy prints no control sequence a client put in the request, other lines unchanged", async () => {
    // As nginx's escape=json writes it: the escapes are text in the log, real controls once decoded.
    const hostile =
      '{"time":"2026-11-22T10:00:01+00:00","tenant":"acme","host":"acme.dev.example.com","method":"GET","path":"/\\u001B]0;owned\\u0007\\u001B[2J","status":404,"request_time":0.002,"bytes_sent":153,"request_id":"r-1","client":"198.51.100.4"}';
    const normal =
      '{"time":"2026-11-22T10:00:02+00:00","tenant":"acme","host":"acme.dev.example.com","method":"POST","path":"/api/v1/chat?q=a%20b","status":200,"request_time":0.125,"bytes_sent":512,"request_id":"r-2","client":"198.51.100.4"}';
    const source = new FakeLogs(
      {
        "dev-edge app.kubernetes.io/name=management-proxy": [
          { name: "proxy-1", containers: ["nginx"] },
        ],
      },
      { "proxy-1": [`${hostile}\n${normal}\n`] },
    );
    const ctx = testContext(new MemoryEngine({ dev: devStack() }), { logs: source });
    expect(await logs(ctx, { stack: "dev", tenant: "acme", proxy: true, follow: false })).toBe(0);
    expect(ctx.stdout.text).toBe(
      "proxy-1/nginx | 2026-11-22T10:00:01Z 404 GET acme.dev.example.com/ 2 ms 153 B tenant=acme client=198.51.100.4 id=r-1\n" +
        "proxy-1/nginx | 2026-11-22T10:00:02Z 200 POST acme.dev.example.com/api/v1/chat?q=a%20b 125 ms 512 B tenant=acme client=198.51.100.4 id=r-2\n",
    );
  });

  it("--migrations reads the tenant's migration Job pods", async () => {
    const source = new FakeLogs(
      {
        "dev-tenant-acme app.kubernetes.io/name=sp-acme-migrate": [
          { name: "sp-acme-migrate-0123456789-x", containers: ["migrate"], phase: "Failed" },
        ],
      },
      { "sp-acme-migrate-0123456789-x": ["applying 0042_add_index\nERROR: relation exists\n"] },
    );
    const ctx = testContext(new MemoryEngine({ dev: devStack() }), { logs: source });
    expect(await logs(ctx, { stack: "dev", tenant: "acme", migrations: true, follow: false })).toBe(
      0,
    );
    expect(ctx.stdout.lines).toEqual([
      "sp-acme-migrate-0123456789-x/migrate | applying 0042_add_index",
      "sp-acme-migrate-0123456789-x/migrate | ERROR: relation exists",
    ]);
  });

  it("needs --tenant unless --proxy", async () => {
    const ctx = testContext(new MemoryEngine({ dev: devStack() }));
    await expect(logs(ctx, { stack: "dev", follow: false })).rejects.toThrow(
      new UsageError("logs: --tenant is required (or --proxy for the edge's access log)"),
    );
  });

  it("takes the environment from the stack output when the config has none", async () => {
    const engine = new MemoryEngine({ dev: devStack() });
    delete engine.stacks.dev!.config["agent-cloud:environment"];
    engine.stacks.dev!.outputs.environment = { value: "staging", secret: false };
    const source = new FakeLogs({
      "staging-tenant-acme app.kubernetes.io/name=sp-acme": [{ name: "p", containers: ["app"] }],
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
          { name: "a", containers: ["app"] },
          { name: "b", containers: ["app"] },
        ],
      },
      { a: ["one\n"], b: new Error("container is waiting to start") },
    );
    const ctx = testContext(new MemoryEngine({ dev: devStack() }), { logs: source });
    expect(await logs(ctx, { stack: "dev", tenant: "acme", follow: false })).toBe(1);
    expect(ctx.stdout.lines).toEqual(["a/app | one"]);
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
