import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { scanContext } from "../../components/image/scan-context";
import { DIGEST_REF } from "../../model/patterns";

const AGENT_DIR = path.resolve(__dirname, "../../sample-agent");
const SERVER = path.join(AGENT_DIR, "server.mjs");

interface Agent {
  readonly child: ChildProcess;
  readonly url: string;
  /** Every JSON log line the agent printed so far. */
  readonly logs: Record<string, unknown>[];
  readonly exited: Promise<number | null>;
}

const running: Agent[] = [];

/** Starts server.mjs on a free loopback port (PORT=0) and waits for its "listening" line. */
async function startAgent(env: Record<string, string>): Promise<Agent> {
  const child = spawn(process.execPath, [SERVER], {
    env: {
      PATH: process.env.PATH ?? "",
      HOST: "127.0.0.1",
      PORT: "0",
      AGENT_CLOUD_TENANT: "acme",
      AGENT_CLOUD_ENVIRONMENT: "local",
      EVENTS_HEARTBEAT_MS: "100",
      DRAIN_TIMEOUT_MS: "3000",
      ...env,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const logs: Record<string, unknown>[] = [];
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const port = await new Promise<number>((resolve, reject) => {
    let buffer = "";
    child.stdout.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const entry = JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>;
        buffer = buffer.slice(nl + 1);
        logs.push(entry);
        if (entry.event === "listening") resolve(entry.port as number);
      }
    });
    child.once("exit", (code) => reject(new Error(`sample agent exited early with ${code}`)));
  });
  const agent = { child, url: `http://127.0.0.1:${port}`, logs, exited };
  running.push(agent);
  return agent;
}

/** A TCP listener standing in for PostgreSQL; only whether it accepts matters. */
let database: Server;
let databasePort: number;
beforeAll(async () => {
  database = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => database.listen(0, "127.0.0.1", resolve));
  databasePort = (database.address() as { port: number }).port;
});
afterEach(() => {
  for (const agent of running.splice(0))
    if (agent.child.exitCode === null) agent.child.kill("SIGKILL");
});
afterAll(() => database.close());

const KEY = `ac_local_${"Ab1".repeat(13)}c`;
const PREVIOUS = `ac_local_${"Zy9".repeat(13)}x`;
const OTHER_TENANT = `ac_local_${"Qq7".repeat(13)}q`;
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

const dbUrl = (port: number) =>
  `postgres://sp_acme:p%40ss@127.0.0.1:${port}/sp_acme?sslmode=disable`;

async function getJson(url: string) {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get("content-type"), body: await res.json() };
}

describe("sample agent", () => {
  it("answers / with its tenant and environment only, never its mounted agent config", async () => {
    const config = path.join(tmpdir(), `agent-cloud-sample-config-${process.pid}.json`);
    writeFileSync(config, JSON.stringify({ model: "claude-sonnet-4-5", prompt: "be terse" }));
    const agent = await startAgent({
      AGENT_CLOUD_CONFIG: config,
      AGENT_CLOUD_API_KEY: KEY,
      DATABASE_URL: dbUrl(databasePort),
    });
    const res = await fetch(`${agent.url}/`, { headers: bearer(KEY) });
    const text = await res.text();
    expect({ status: res.status, type: res.headers.get("content-type") }).toEqual({
      status: 200,
      type: "application/json",
    });
    expect(JSON.parse(text)).toEqual({
      service: "agent-cloud-sample-agent",
      tenant: "acme",
      environment: "local",
    });
    expect(text).not.toMatch(/claude|terse|agentConfig/);
    const missing = await fetch(`${agent.url}/nope`, { headers: bearer(KEY) });
    expect({ status: missing.status, body: await missing.json() }).toEqual({
      status: 404,
      body: { error: "not found" },
    });
    expect((await fetch(`${agent.url}/`, { method: "POST", headers: bearer(KEY) })).status).toBe(
      405,
    );
  });

  it("checks its own key on every path but the probes, and fails closed without one", async () => {
    const agent = await startAgent({
      AGENT_CLOUD_API_KEY: KEY,
      AGENT_CLOUD_API_KEY_PREVIOUS: PREVIOUS,
      DATABASE_URL: dbUrl(databasePort),
    });
    const status = async (url: string, headers: Record<string, string> = {}) =>
      (await fetch(url, { headers })).status;
    // The current and, during a rotation overlap, the previous key; the scheme in any case.
    expect(await status(`${agent.url}/`, bearer(KEY))).toBe(200);
    expect(await status(`${agent.url}/`, bearer(PREVIOUS))).toBe(200);
    expect(await status(`${agent.url}/`, { authorization: `bearer ${KEY}` })).toBe(200);
    const refused: [string, Record<string, string>][] = [
      ["/", {}],
      ["/", bearer(`${KEY}x`)],
      ["/", bearer(KEY.slice(0, -1))],
      ["/", bearer(OTHER_TENANT)],
      ["/", { authorization: `Basic ${Buffer.from(`acme:${KEY}`).toString("base64")}` }],
      ["/", { "x-api-key": KEY }],
      ["/", { cookie: `key=${KEY}` }],
      [`/?api_key=${KEY}`, {}],
      ["/events", {}],
      ["/healthz/../", {}],
    ];
    for (const [p, headers] of refused) {
      const res = await fetch(`${agent.url}${p}`, { headers });
      expect(res.status, `${p} ${JSON.stringify(headers)}`).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="agent-cloud"');
      expect(await res.json()).toEqual({ error: "unauthorized" });
    }
    expect(await status(`${agent.url}/healthz`)).toBe(200);
    expect(await status(`${agent.url}/readyz`)).toBe(200);

    const keyless = await startAgent({ DATABASE_URL: dbUrl(databasePort) });
    expect(await status(`${keyless.url}/`)).toBe(401);
    expect(await status(`${keyless.url}/`, { authorization: "Bearer " })).toBe(401);
    expect(await status(`${keyless.url}/healthz`)).toBe(200);
  });

  it("answers a request target no URL holds with 400 and keeps serving", async () => {
    const agent = await startAgent({ AGENT_CLOUD_API_KEY: KEY, DATABASE_URL: dbUrl(databasePort) });
    const port = Number(new URL(agent.url).port);
    for (const target of ["//", "//[", "//evil.example:99999/x"]) {
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, "127.0.0.1", () =>
          socket.end(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
        );
        let text = "";
        socket.on("data", (chunk: Buffer) => (text += chunk.toString()));
        socket.on("end", () => resolve(text));
        socket.on("error", reject);
      });
      expect(answer.split("\r\n")[0], target).toBe("HTTP/1.1 400 Bad Request");
      expect(answer.endsWith('{"error":"bad request"}'), target).toBe(true);
    }
    expect(agent.child.exitCode).toBe(null);
    expect((await fetch(`${agent.url}/healthz`)).status).toBe(200);
  });

  it("is healthy while up, and ready only while the database accepts TCP", async () => {
    const agent = await startAgent({ DATABASE_URL: dbUrl(databasePort) });
    expect(await getJson(`${agent.url}/healthz`)).toMatchObject({
      status: 200,
      body: { status: "ok" },
    });
    expect(await getJson(`${agent.url}/readyz`)).toMatchObject({
      status: 200,
      body: { ready: true },
    });
    // The contract's default health path answers too.
    expect(await getJson(`${agent.url}/api/v1/health`)).toMatchObject({
      status: 200,
      body: { status: "ok" },
    });

    // A port nothing listens on: the database is down, the process is still healthy.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const deadPort = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const down = await startAgent({ DATABASE_URL: dbUrl(deadPort) });
    expect(await getJson(`${down.url}/readyz`)).toMatchObject({
      status: 503,
      body: { ready: false, reason: "database unreachable" },
    });
    expect((await getJson(`${down.url}/healthz`)).status).toBe(200);
  });

  it("is not ready without DATABASE_URL, and never prints the URL's password", async () => {
    const agent = await startAgent({});
    expect(await getJson(`${agent.url}/readyz`)).toEqual({
      status: 503,
      type: "application/json",
      body: { ready: false, reason: "DATABASE_URL is not set" },
    });
    const withUrl = await startAgent({
      DATABASE_URL: dbUrl(databasePort),
      AGENT_CLOUD_API_KEY: KEY,
    });
    await getJson(`${withUrl.url}/readyz`);
    const root = await (await fetch(`${withUrl.url}/`, { headers: bearer(KEY) })).text();
    const everything = JSON.stringify([agent.logs, withUrl.logs, root]);
    expect(everything).not.toContain("p%40ss");
    expect(everything).not.toContain("p@ss");
    expect(everything).not.toContain(KEY);
  });

  it("streams server-sent events and ends them with a shutdown event when draining on SIGTERM", async () => {
    const agent = await startAgent({ DATABASE_URL: dbUrl(databasePort), AGENT_CLOUD_API_KEY: KEY });
    const res = await fetch(`${agent.url}/events`, { headers: bearer(KEY) });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = res.body!.getReader();
    let text = "";
    const decoder = new TextDecoder();
    while (!text.includes("event: heartbeat")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    expect(text).toContain(`event: hello\ndata: {"tenant":"acme","environment":"local"}\n\n`);
    expect(text).toMatch(/event: heartbeat\ndata: \{"seq":1,/);

    agent.child.kill("SIGTERM");
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    expect(text).toMatch(/event: shutdown\ndata: \{"reconnect":true\}\n\n$/);
    expect(await agent.exited).toBe(0);
    expect(agent.logs.map((l) => l.event)).toEqual(
      expect.arrayContaining(["listening", "draining", "stopped"]),
    );
    // It stopped because everything drained, not because the drain timer gave up.
    expect(agent.logs.map((l) => l.event)).not.toContain("drain timeout");
    expect(agent.logs.find((l) => l.event === "draining")).toMatchObject({
      signal: "SIGTERM",
      streams: 1,
    });
  });
});

describe("sample agent image", () => {
  const dockerfile = readFileSync(path.join(AGENT_DIR, "Dockerfile"), "utf8");

  it("starts from node:24-alpine pinned by digest and runs as uid 1000", () => {
    const from = /^FROM\s+(\S+)/m.exec(dockerfile)?.[1];
    expect(from).toMatch(/^node:24\.\d+\.\d+-alpine@sha256:[a-f0-9]{64}$/);
    expect(DIGEST_REF.test(from!)).toBe(true);
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
    expect(dockerfile).toMatch(/^CMD \["node", "\/app\/server\.mjs"\]$/m);
  });

  it("bakes in no credential: no secret env, no secret files, and a clean secretlint scan", async () => {
    expect(dockerfile).not.toMatch(/^(ENV|ARG)\s+\S*(KEY|TOKEN|SECRET|PASSWORD|DATABASE_URL)/im);
    expect(dockerfile).not.toMatch(/COPY\s+.*\.(env|pem|key)\b/);
    expect(await scanContext(AGENT_DIR)).toEqual([]);
  });

  it("uses no dependencies", () => {
    const source = readFileSync(SERVER, "utf8");
    const imports = [...source.matchAll(/from "([^"]+)"/g)].map((m) => m[1]);
    expect(imports.every((name) => name!.startsWith("node:"))).toBe(true);
  });
});
