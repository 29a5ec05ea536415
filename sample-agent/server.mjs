// The reference agent runtime for the `local` stack: the smallest real service that follows the
// platform's app contract (HOST/PORT, DATABASE_URL, health and readiness, SSE, graceful drain),
// with no dependencies so its image is a Node base plus this one file.
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { connect } from "node:net";

const HOST = process.env.HOST ?? "0.0.0.0";
const PORT = Number(process.env.PORT ?? 8080);
const TENANT = process.env.AGENT_CLOUD_TENANT ?? "unknown";
const ENVIRONMENT = process.env.AGENT_CLOUD_ENVIRONMENT ?? "unknown";
// The tenant's API key (and, during a rotation overlap, the previous one), from its Secret.
const API_KEYS = [process.env.AGENT_CLOUD_API_KEY, process.env.AGENT_CLOUD_API_KEY_PREVIOUS].filter(
  (k) => typeof k === "string" && k !== "",
);
const HEARTBEAT_MS = Number(process.env.EVENTS_HEARTBEAT_MS ?? 15000);
// Must end well inside the pod's terminationGracePeriodSeconds (minus the preStop sleep).
const DRAIN_TIMEOUT_MS = Number(process.env.DRAIN_TIMEOUT_MS ?? 8000);
const DB_CHECK_TIMEOUT_MS = 1000;

const log = (event, fields = {}) =>
  console.log(JSON.stringify({ time: new Date().toISOString(), event, tenant: TENANT, ...fields }));

/** Paths open without a key: the kubelet's probes, which never carry one. */
const PUBLIC_PATHS = new Set(["/healthz", "/readyz", "/api/v1/health"]);

const digest = (value) => createHash("sha256").update(value).digest();

/**
 * Whether the request carries one of this tenant's keys as `Authorization: Bearer <key>`, the
 * one place the platform documents. Compared as fixed-length digests, in constant time. With no
 * key configured nothing is accepted: the agent fails closed.
 */
function authorized(req) {
  const match = /^Bearer +([A-Za-z0-9_-]{1,200})$/i.exec(req.headers.authorization ?? "");
  if (match === null) return false;
  const presented = digest(match[1]);
  return API_KEYS.some((key) => timingSafeEqual(digest(key), presented));
}

/** host and port of DATABASE_URL, never its credentials; null when unset or unparsable. */
function databaseAddress() {
  const raw = process.env.DATABASE_URL;
  if (raw === undefined || raw === "") return null;
  try {
    const url = new URL(raw);
    if (url.hostname === "") return null;
    return { host: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port || 5432) };
  } catch {
    return null;
  }
}

/** Whether a TCP connection to the database opens within the timeout. */
function reachable({ host, port }) {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(DB_CHECK_TIMEOUT_MS, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

let draining = false;
const streams = new Set();

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  res.end(text);
}

async function readiness() {
  if (draining) return { ready: false, reason: "draining" };
  const address = databaseAddress();
  if (address === null) return { ready: false, reason: "DATABASE_URL is not set" };
  if (!(await reachable(address))) return { ready: false, reason: "database unreachable" };
  return { ready: true };
}

function events(req, res) {
  res.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-store",
    connection: "keep-alive",
    // Tells nginx not to buffer the stream.
    "x-accel-buffering": "no",
  });
  res.write(
    `event: hello\ndata: ${JSON.stringify({ tenant: TENANT, environment: ENVIRONMENT })}\n\n`,
  );
  let seq = 0;
  const timer = setInterval(() => {
    res.write(`event: heartbeat\ndata: ${JSON.stringify({ seq: ++seq, time: Date.now() })}\n\n`);
  }, HEARTBEAT_MS);
  const stream = { res, timer };
  streams.add(stream);
  req.on("close", () => {
    clearInterval(timer);
    streams.delete(stream);
  });
}

/** The request target's path; undefined for one no URL holds (`//`, `//[`): the client's error. */
function pathOf(target) {
  try {
    return new URL(target ?? "/", "http://localhost").pathname;
  } catch {
    return undefined;
  }
}

async function handle(req, res) {
  // While draining, a keep-alive connection is closed as soon as its response is done, so
  // server.close() can complete instead of waiting for clients to hang up.
  res.once("finish", () => {
    if (draining) setImmediate(() => server.closeIdleConnections());
  });
  const path = pathOf(req.url);
  if (path === undefined) return send(res, 400, { error: "bad request" });
  if (!PUBLIC_PATHS.has(path) && !authorized(req)) {
    res.setHeader("www-authenticate", 'Bearer realm="agent-cloud"');
    return send(res, 401, { error: "unauthorized" });
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    return send(res, 405, { error: "method not allowed" });
  }
  switch (path) {
    // Who answers, never its config: that stays between the platform and the agent.
    case "/":
      return send(res, 200, {
        service: "agent-cloud-sample-agent",
        tenant: TENANT,
        environment: ENVIRONMENT,
      });
    // /api/v1/health is the contract's default health path (the SystemPrompt gateway's), so a
    // stack that keeps the default app.healthPath still sees this image come up.
    case "/healthz":
    case "/api/v1/health":
      return send(res, 200, { status: "ok" });
    case "/readyz": {
      const result = await readiness();
      return send(res, result.ready ? 200 : 503, result);
    }
    case "/events":
      if (draining) return send(res, 503, { error: "draining" });
      return events(req, res);
    default:
      return send(res, 404, { error: "not found" });
  }
}

// One request's failure is that request's 500, never the process's end (an unhandled rejection
// would stop every tenant request and stream this pod serves).
const server = createServer((req, res) =>
  handle(req, res).catch((error) => {
    log("request failed", { error: String(error) });
    if (res.headersSent) res.destroy();
    else send(res, 500, { error: "internal error" });
  }),
);

function shutdown(signal) {
  if (draining) return;
  draining = true;
  log("draining", { signal, streams: streams.size });
  // Stop accepting; requests in flight finish; keep-alive sockets close once idle.
  server.close(() => {
    log("stopped");
    process.exit(0);
  });
  server.closeIdleConnections();
  // Streams never end on their own: tell clients to reconnect (to another pod) and end them.
  for (const { res, timer } of streams) {
    clearInterval(timer);
    res.end(`event: shutdown\ndata: ${JSON.stringify({ reconnect: true })}\n\n`);
  }
  setTimeout(() => {
    log("drain timeout", { afterMs: DRAIN_TIMEOUT_MS });
    server.closeAllConnections();
    process.exit(0);
  }, DRAIN_TIMEOUT_MS).unref();
}

process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));

server.listen(PORT, HOST, () => {
  const address = server.address();
  log("listening", { host: HOST, port: typeof address === "object" ? address?.port : PORT });
});
