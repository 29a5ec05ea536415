/** Clients that reach the proxy on loopback while presenting a tenant's host (SNI + Host). */
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { Agent, request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { connect as netConnect, type Socket } from "node:net";

export interface EdgeResponse<Body = string> {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Body;
}

export interface EdgeRequest {
  readonly port: number;
  /** Host header, and TLS server name unless `servername` says otherwise. */
  readonly host: string;
  readonly path?: string;
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  /** CA to trust (the test certificate); omit to skip verification. */
  readonly ca?: string;
  /** Check the certificate names `host` (off for custom domains, not on the wildcard). @default true */
  readonly checkName?: boolean;
  /** SNI to send; defaults to `host` when it is a name. */
  readonly servername?: string;
  readonly timeoutMs?: number;
  /** Keep-alive agent to reuse connections; default is a fresh connection per request. */
  readonly agent?: Agent;
  /** Loopback address to connect from (e.g. 127.0.0.2), so the edge sees another client. */
  readonly localAddress?: string;
  /** Client certificate and key (PEM), for origin-pull tests. */
  readonly cert?: string;
  readonly key?: string;
}

/** A request error, and whether it happened on a reused keep-alive connection. */
export class EdgeRequestError extends Error {
  constructor(
    override readonly cause: Error,
    readonly reusedSocket: boolean,
  ) {
    super(`${cause.message}${reusedSocket ? " (on a reused connection)" : ""}`);
  }
}

/** One request over a fresh TLS connection to 127.0.0.1. */
export function edgeHttps(req: EdgeRequest): Promise<EdgeResponse> {
  return send(req, true, (body) => body.toString("utf8"));
}

/** {@link edgeHttps} with the whole body as bytes (large or binary bodies compared exactly). */
export function edgeHttpsBytes(req: EdgeRequest): Promise<EdgeResponse<Buffer>> {
  return send(req, true, (body) => body);
}

/** One request over a fresh plain-HTTP connection to 127.0.0.1. */
export function edgeHttp(req: EdgeRequest): Promise<EdgeResponse> {
  return send(req, false, (body) => body.toString("utf8"));
}

function send<Body>(
  req: EdgeRequest,
  tls: boolean,
  decode: (body: Buffer) => Body,
): Promise<EdgeResponse<Body>> {
  return new Promise((resolve, reject) => {
    const servername = req.servername ?? (isIP(req.host) ? undefined : req.host.split(":")[0]);
    const options = {
      host: "127.0.0.1",
      port: req.port,
      path: req.path ?? "/",
      method: req.method ?? "GET",
      headers: { host: req.host, ...req.headers },
      agent: req.agent ?? (false as const),
      ...(req.localAddress !== undefined ? { localAddress: req.localAddress } : {}),
      ...(tls
        ? {
            servername,
            ca: req.ca,
            rejectUnauthorized: req.ca !== undefined,
            ...(req.cert !== undefined ? { cert: req.cert, key: req.key } : {}),
            ...(req.checkName === false ? { checkServerIdentity: () => undefined } : {}),
          }
        : {}),
    };
    const request = (tls ? httpsRequest : httpRequest)(options, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: decode(Buffer.concat(chunks)),
        }),
      );
      res.on("error", reject);
    });
    request.setTimeout(req.timeoutMs ?? 5000, () =>
      request.destroy(new Error("request timed out")),
    );
    request.on("error", (e) => reject(new EdgeRequestError(e, request.reusedSocket)));
    request.end(req.body);
  });
}

/**
 * Writes raw request bytes (so any Host value can be sent, however broken) on a fresh
 * connection and returns the status code of the first response, or 0 if none came.
 */
export function rawStatus(
  port: number,
  head: Buffer,
  options: { readonly tls: boolean; readonly servername?: string; readonly timeoutMs?: number },
): Promise<number> {
  return new Promise((resolve) => {
    const socket: Socket = options.tls
      ? tlsConnect({
          host: "127.0.0.1",
          port,
          servername: options.servername,
          rejectUnauthorized: false,
        })
      : netConnect({ host: "127.0.0.1", port });
    const chunks: Buffer[] = [];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      socket.destroy();
      const statusLine = /^HTTP\/1\.[01] (\d{3})/.exec(Buffer.concat(chunks).toString("latin1"));
      resolve(statusLine ? Number(statusLine[1]) : 0);
    };
    socket.setTimeout(options.timeoutMs ?? 5000, finish);
    socket.once(options.tls ? "secureConnect" : "connect", () => socket.write(head));
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      if (Buffer.concat(chunks).includes("\r\n")) finish();
    });
    socket.on("end", finish);
    socket.on("error", finish);
  });
}

/** `GET / HTTP/1.1` with exactly this Host value (UTF-8 bytes) and `Connection: close`. */
export function requestWithHost(host: string, path = "/"): Buffer {
  return Buffer.concat([
    Buffer.from(`GET ${path} HTTP/1.1\r\nHost: `, "latin1"),
    Buffer.from(host, "utf8"),
    Buffer.from("\r\nConnection: close\r\n\r\n", "latin1"),
  ]);
}

/** Runs `tasks` with at most `limit` in flight. */
export async function pool<T>(limit: number, tasks: readonly (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await (tasks[index] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/** A streamed response whose chunks the test reads one at a time. */
export interface OpenStream {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The next chunk of body; rejects if none arrives within `timeoutMs`. */
  next(timeoutMs?: number): Promise<string>;
  /** Resolves when the response has ended. */
  readonly ended: Promise<void>;
  close(): void;
}

/** Starts a GET over TLS and resolves once the response headers arrive. */
export function openStream(req: EdgeRequest): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      {
        host: "127.0.0.1",
        port: req.port,
        path: req.path ?? "/",
        headers: { host: req.host, ...req.headers },
        agent: false,
        servername: req.servername ?? req.host,
        ca: req.ca,
        rejectUnauthorized: req.ca !== undefined,
      },
      (res) => {
        const chunks: string[] = [];
        const waiters: ((chunk: string) => void)[] = [];
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          const waiter = waiters.shift();
          if (waiter) waiter(chunk);
          else chunks.push(chunk);
        });
        const ended = new Promise<void>((done) => res.on("end", () => done()));
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          ended,
          close: () => request.destroy(),
          next(timeoutMs = 3000) {
            const queued = chunks.shift();
            if (queued !== undefined) return Promise.resolve(queued);
            return new Promise((ok, fail) => {
              const timer = setTimeout(() => {
                const index = waiters.indexOf(got);
                if (index >= 0) waiters.splice(index, 1);
                fail(new Error(`no chunk within ${timeoutMs} ms`));
              }, timeoutMs);
              const got = (chunk: string) => {
                clearTimeout(timer);
                ok(chunk);
              };
              waiters.push(got);
            });
          },
        });
      },
    );
    request.setTimeout(req.timeoutMs ?? 3000, () =>
      request.destroy(new Error(`no response headers within ${req.timeoutMs ?? 3000} ms`)),
    );
    request.on("response", () => request.setTimeout(0));
    request.on("error", reject);
    request.end();
  });
}

export interface StreamResult {
  ok: number;
  failed: number;
  /** Requests retried once because the connection closed before any response came. */
  retried: number;
  readonly errors: string[];
}

/**
 * Keeps `concurrency` request loops running against one host until `stop()` is called; counts
 * answers from the expected tenant as ok and anything else (error, wrong status, wrong tenant)
 * as failed. Each request uses a fresh TLS connection and is never retried. With `keepAlive`,
 * connections are pooled, and a GET whose connection closed before any response is retried
 * once on a new connection, as RFC 9112 (9.3.1) allows and browsers do: a quitting nginx worker
 * closes its idle keep-alive connections, and one may be closing just as a request is sent.
 */
export function steadyStream(
  req: EdgeRequest & {
    readonly tenantId: string;
    readonly concurrency: number;
    readonly keepAlive?: boolean;
  },
): { stop(): Promise<StreamResult>; readonly result: StreamResult } {
  const result: StreamResult = { ok: 0, failed: 0, retried: 0, errors: [] };
  const agent = req.keepAlive
    ? new Agent({ keepAlive: true, maxSockets: req.concurrency })
    : undefined;
  let running = true;
  const once = async (): Promise<EdgeResponse> => {
    try {
      return await edgeHttps({ ...req, agent });
    } catch (error) {
      // A reused connection that a leaving worker closed: the request was never read
      // (reset, hang-up, or a write into the closed socket), so one retry is safe for a GET.
      const code = (error as EdgeRequestError).cause as NodeJS.ErrnoException | undefined;
      const closed =
        error instanceof EdgeRequestError &&
        (code?.code === "ECONNRESET" ||
          code?.code === "EPIPE" ||
          code?.message === "socket hang up");
      if (!req.keepAlive || !closed) throw error;
      result.retried++;
      return edgeHttps({ ...req, agent: undefined });
    }
  };
  const loop = async () => {
    // Bounded even if stop() is never called.
    for (let i = 0; running && i < 5000; i++) {
      try {
        const res = await once();
        const tenant =
          res.status === 200 ? (JSON.parse(res.body) as { tenant: string }).tenant : "";
        if (tenant === req.tenantId) result.ok++;
        else {
          result.failed++;
          result.errors.push(`${res.status} ${res.body.slice(0, 100)}`);
        }
      } catch (error) {
        result.failed++;
        result.errors.push(`${String(error)} after ${result.retried} retries`);
      }
    }
  };
  const loops = Array.from({ length: req.concurrency }, loop);
  return {
    result,
    async stop() {
      running = false;
      await Promise.all(loops);
      agent?.destroy();
      return result;
    },
  };
}
