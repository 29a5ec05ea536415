/**
 * Small HTTP servers on 127.0.1.N standing in for tenants' `sp-{id}` Services. Each echoes which
 * tenant it is and the headers it received, counts every request (so a test can prove a request
 * never arrived), streams Server-Sent Events one step at a time under the test's control, and
 * echoes WebSocket messages.
 */
import { once } from "node:events";
import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from "node:http";
import { WebSocketServer } from "ws";

/** What a tenant answers on any path but `/sse` and `/ws`. */
export interface TenantEcho {
  readonly tenant: string;
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

/** An open SSE response held by a tenant; the test decides when each event is sent. */
export class SseStream {
  ended = false;
  constructor(private readonly res: ServerResponse) {}
  send(data: string): void {
    this.res.write(`data: ${data}\n\n`);
  }
  end(): void {
    this.ended = true;
    this.res.end();
  }
}

export class FakeTenant {
  /** Requests received (HTTP and WebSocket upgrades). */
  hits = 0;
  /** TCP connections accepted (a pooled connection carries many requests). */
  connections = 0;
  readonly requests: TenantEcho[] = [];
  private server: Server | undefined;
  private readonly sseWaiters: ((stream: SseStream) => void)[] = [];
  private readonly sseQueue: SseStream[] = [];

  constructor(
    readonly id: string,
    readonly ip: string,
    readonly port: number,
  ) {}

  /** Listens on `ip:port`; rejects with the socket error (e.g. EADDRINUSE). */
  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.hits++;
      const echo = {
        tenant: this.id,
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
      };
      this.requests.push(echo);
      if (this.requests.length > 200) this.requests.shift();
      if (req.url === "/sse") {
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        res.flushHeaders();
        const stream = new SseStream(res);
        const waiter = this.sseWaiters.shift();
        if (waiter) waiter(stream);
        else this.sseQueue.push(stream);
        return;
      }
      req.resume();
      req.on("end", () => {
        // With its length, as JSON APIs answer (a chunked answer is what streams send).
        const body = JSON.stringify(echo);
        res.writeHead(200, {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          "x-tenant": this.id,
        });
        res.end(body);
      });
    });
    // Node's defaults, as a tenant app would run: idle keep-alive connections close after 5 s.
    server.on("connection", () => this.connections++);
    const wss = new WebSocketServer({ server });
    wss.on("connection", (socket, req) => {
      this.hits++;
      this.requests.push({
        tenant: this.id,
        method: "WS",
        url: req.url ?? "",
        headers: req.headers,
      });
      socket.send(`hello from ${this.id}`);
      socket.on("message", (data) => {
        const text = (
          Array.isArray(data)
            ? Buffer.concat(data)
            : data instanceof ArrayBuffer
              ? Buffer.from(data)
              : data
        ).toString("utf8");
        socket.send(`${this.id}:${text}`);
      });
    });
    server.listen(this.port, this.ip);
    await Promise.race([
      once(server, "listening"),
      once(server, "error").then(([e]) => Promise.reject(e as Error)),
    ]);
    this.server = server;
  }

  /** Stops listening and drops open connections, as a crashed or scaled-to-zero tenant would. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  /** The next SSE request this tenant receives. */
  nextSse(): Promise<SseStream> {
    const queued = this.sseQueue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => this.sseWaiters.push(resolve));
  }
}

export interface TenantFleet {
  readonly port: number;
  readonly tenants: ReadonlyMap<string, FakeTenant>;
  get(id: string): FakeTenant;
  /** Requests received by all tenants together. */
  totalHits(): number;
  close(): Promise<void>;
}

/**
 * Starts one server per tenant id on 127.0.1.1, 127.0.1.2, … all on one port (like the single
 * Service port of production), retrying on another port if that one is taken on some address.
 * Tenants in `deferred` get an address but are not started: they stand for a tenant whose
 * Service appears after the proxy started.
 */
export async function startTenants(
  ids: readonly string[],
  options: { readonly deferred?: readonly string[] } = {},
): Promise<TenantFleet> {
  const deferred = new Set(options.deferred ?? []);
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    const tenants = new Map(
      ids.map((id, i) => [id, new FakeTenant(id, `127.0.1.${i + 1}`, port)] as const),
    );
    try {
      for (const tenant of tenants.values()) if (!deferred.has(tenant.id)) await tenant.start();
    } catch {
      await Promise.all([...tenants.values()].map((t) => t.stop()));
      continue;
    }
    return {
      port,
      tenants,
      get(id) {
        const tenant = tenants.get(id);
        if (tenant === undefined) throw new Error(`no fake tenant ${id}`);
        return tenant;
      },
      totalHits: () => [...tenants.values()].reduce((n, t) => n + t.hits, 0),
      close: async () => void (await Promise.all([...tenants.values()].map((t) => t.stop()))),
    };
  }
  throw new Error("could not find one free port on every tenant address");
}
