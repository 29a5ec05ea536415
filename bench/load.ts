/**
 * A lean keep-alive HTTP/1.1 load client on raw sockets (plain TCP or TLS), so that the client
 * spends as little CPU per request as possible and the figures describe what it talks to.
 *
 * `concurrency` connections each send one request at a time (closed loop) for `warmupMs` (not
 * counted, every target in turn) and then `durationMs` (a random target per request); every connection stops by itself at the deadline or after
 * `maxRequests` in all. A response counts as ok only when it is a 200 from the expected tenant
 * (its `x-tenant` header). A connection that closes is reopened; a request cut short is counted
 * as an error, never retried.
 */
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { percentile } from "./stats";

export interface LoadTarget {
  /** Host header (and SNI when the connection is opened for this target). */
  readonly host: string;
  /** The tenant that must answer. */
  readonly tenantId: string;
}

export interface LoadSpec {
  readonly label: string;
  readonly tls: boolean;
  /** Loopback address to connect to. */
  readonly address: string;
  readonly port: number;
  /** Each request picks one at random; a new connection's SNI is a random one too. */
  readonly targets: readonly LoadTarget[];
  /** CA to verify the server with (TLS only). */
  readonly ca?: string;
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly maxRequests: number;
  /** Send `Connection: close`: a fresh connection for every request. @default false */
  readonly closeEach?: boolean;
}

export interface LoadResult {
  readonly label: string;
  /** Requests answered ok within the measured window. */
  readonly ok: number;
  /** Errors or wrong answers within the measured window. */
  readonly errors: number;
  readonly errorSamples: readonly string[];
  readonly measuredMs: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly connectionsOpened: number;
  /** CPU time of the client process during the measured window, ms. */
  readonly clientCpuMs: number;
}

const HEAD_END = Buffer.from("\r\n\r\n");
const CHUNKED_END = Buffer.from("\r\n0\r\n\r\n");

interface Parsed {
  readonly status: number;
  readonly tenant: string;
  readonly close: boolean;
}

/** Parses one complete response at the start of `buf`; undefined while it is incomplete. */
function parseResponse(buf: Buffer): Parsed | undefined {
  const headEnd = buf.indexOf(HEAD_END);
  if (headEnd < 0) return undefined;
  const head = buf.toString("latin1", 0, headEnd);
  const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
  if (length) {
    if (buf.length < headEnd + 4 + Number(length[1])) return undefined;
  } else if (/\r\ntransfer-encoding:[ \t]*chunked/i.test(head)) {
    if (buf.indexOf(CHUNKED_END, headEnd) < 0) return undefined;
  } else {
    return undefined; // body ends with the connection; none of our servers does that
  }
  return {
    status: Number(head.slice(9, 12)),
    tenant: /\r\nx-tenant:[ \t]*([^\r]*)/i.exec(head)?.[1] ?? "",
    close: /\r\nconnection:[ \t]*close/i.test(head),
  };
}

export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const requests = spec.targets.map((target) =>
    Buffer.from(
      `GET /bench HTTP/1.1\r\nHost: ${target.host}\r\nUser-Agent: agent-cloud-bench\r\n` +
        (spec.closeEach ? "Connection: close\r\n" : "") +
        "\r\n",
      "latin1",
    ),
  );
  const start = performance.now();
  const measureFrom = start + spec.warmupMs;
  // The warm-up walks the targets in turn, so a proxy's pooled connections to every tenant are
  // open when the measured window starts (random picks over 1,000 tenants in a short warm-up
  // leave most of them cold, and the measured window would time connection setup instead of
  // proxying); measured requests pick at random.
  let cursor = 0;
  const pick = () =>
    performance.now() < measureFrom
      ? cursor++ % spec.targets.length
      : Math.floor(Math.random() * spec.targets.length);
  const deadline = measureFrom + spec.durationMs;
  const latencies: number[] = [];
  const errorSamples: string[] = [];
  let ok = 0;
  let errors = 0;
  let sent = 0;
  let opened = 0;
  let active = 0;
  let cpuAtMeasure: NodeJS.CpuUsage | undefined;
  const sockets = new Set<Socket>();

  const error = (what: string, at: number) => {
    if (at < measureFrom) return;
    errors++;
    if (errorSamples.length < 5) errorSamples.push(what);
  };

  return new Promise((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(hardStop);
      for (const socket of sockets) socket.destroy();
      const cpu = process.cpuUsage(cpuAtMeasure);
      const measuredMs = Math.min(performance.now(), deadline) - measureFrom;
      latencies.sort((a, b) => a - b);
      resolve({
        label: spec.label,
        ok,
        errors,
        errorSamples,
        measuredMs,
        requestsPerSecond: (ok / measuredMs) * 1000,
        p50Ms: percentile(latencies, 0.5),
        p90Ms: percentile(latencies, 0.9),
        p99Ms: percentile(latencies, 0.99),
        maxMs: latencies.at(-1) ?? Number.NaN,
        connectionsOpened: opened,
        clientCpuMs: (cpu.user + cpu.system) / 1000,
      });
    };
    // However the servers behave, the run ends shortly after its deadline.
    const hardStop = setTimeout(finish, spec.warmupMs + spec.durationMs + 5000);
    setTimeout(() => (cpuAtMeasure = process.cpuUsage()), spec.warmupMs);

    const open = () => {
      if (finished || performance.now() >= deadline || sent >= spec.maxRequests) {
        if (--active === 0) finish();
        return;
      }
      opened++;
      const first = pick();
      const servername = spec.targets[first]?.host;
      const socket = spec.tls
        ? tlsConnect({ host: spec.address, port: spec.port, servername, ca: spec.ca })
        : netConnect({ host: spec.address, port: spec.port });
      socket.setNoDelay(true);
      sockets.add(socket);
      let buffered: Buffer = Buffer.alloc(0);
      let inFlight: { target: number; at: number } | undefined;
      let next = first;
      const send = () => {
        if (finished || performance.now() >= deadline || sent >= spec.maxRequests) {
          socket.destroy();
          return;
        }
        sent++;
        inFlight = { target: next, at: performance.now() };
        socket.write(requests[next] as Buffer);
        next = pick();
      };
      socket.once(spec.tls ? "secureConnect" : "connect", send);
      socket.on("data", (chunk: Buffer) => {
        buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
        const parsed = parseResponse(buffered);
        if (parsed === undefined || inFlight === undefined) return;
        const now = performance.now();
        const target = spec.targets[inFlight.target] as LoadTarget;
        if (inFlight.at >= measureFrom && now <= deadline) {
          if (parsed.status === 200 && parsed.tenant === target.tenantId) {
            ok++;
            latencies.push(now - inFlight.at);
          } else {
            error(`${parsed.status} from "${parsed.tenant}" for ${target.host}`, inFlight.at);
          }
        }
        inFlight = undefined;
        buffered = Buffer.alloc(0);
        if (parsed.close) socket.destroy();
        else send();
      });
      socket.on("error", (failure) => {
        if (inFlight !== undefined) error(`${failure.message}`, inFlight.at);
        inFlight = undefined;
      });
      socket.on("close", () => {
        sockets.delete(socket);
        if (inFlight !== undefined) error("connection closed before a response", inFlight.at);
        open(); // reopens, or retires this slot once the run is over
      });
    };

    active = spec.concurrency;
    for (let i = 0; i < spec.concurrency; i++) open();
  });
}
