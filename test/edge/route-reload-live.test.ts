/**
 * Route-table and certificate changes without restarts, on the real nginx run by the edge's own
 * entry script (as the container runs it): the route table file is swapped in place as the
 * kubelet swaps a ConfigMap volume, and a renewed certificate as it swaps a Secret volume; the
 * script notices, checks it with `nginx -t` and reloads gracefully. Open SSE and WebSocket
 * streams must run to completion across tenant additions and a removal, a new tenant or
 * certificate must be served within seconds, and what nginx refuses (a table, a certificate whose
 * key does not match) must never replace what runs.
 */
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeSelfSignedCertificate } from "../../testkit/edge/certs";
import { edgeHttps, openStream, type OpenStream } from "../../testkit/edge/client";
import { type Edge, startEdge } from "../../testkit/edge/edge-fixture";
import { writeKubeletVolume } from "../../testkit/edge/kubelet-volume";
import { childPids } from "../../testkit/edge/nginx";
import { sleep, waitFor } from "../../testkit/edge/ports";
import { answerOf, masterPid, runRouteChanges } from "../../testkit/edge/route-changes";
import type { SseStream } from "../../testkit/edge/tenants";

/** A process's title (`nginx: worker process`, `… is shutting down`), or undefined once gone. */
function titleOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim();
  } catch {
    return undefined;
  }
}

/** The workers that accept connections (not draining). */
const servingWorkers = (e: Edge) =>
  childPids(masterPid(e)).filter((pid) => titleOf(pid) === "nginx: worker process");

/**
 * The serving workers once the last reload has settled: for a moment after one, the previous
 * generation's workers still carry the serving title, before the master tells them to quit.
 */
async function settledWorkers(e: Edge): Promise<number[]> {
  await waitFor(
    "one generation of 2 serving workers",
    () => servingWorkers(e).length === 2,
    10_000,
    50,
  );
  return servingWorkers(e);
}

/**
 * A loopback port held by this process, until `free()`: nginx -t binds no port, but a master's
 * reload must, and fails on this one.
 */
async function takenPort(): Promise<{ port: number; free: () => Promise<void> }> {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
  return {
    port: (blocker.address() as AddressInfo).port,
    free: () => new Promise<void>((resolve) => blocker.close(() => resolve())),
  };
}

/** The script's name for the route table on disk: its checksum, as the script computes it. */
function tableSum(e: Edge): string {
  const routes = join(e.dir, "routes");
  return execFileSync("sh", ["-c", `cat '${routes}'/*.conf | cksum`])
    .toString()
    .split(" ")[0] as string;
}

/**
 * Writes the route table for `ids` with nginx's master stopped, which holds the reload signal:
 * the reload is as slow as the test wants. Resolves once the script has logged it not taken in
 * time, with the table's checksum; `resume()` continues the master (any number of times).
 */
async function slowReload(
  e: Edge,
  ids: readonly string[],
): Promise<{ table: string; resume: () => void }> {
  const pid = masterPid(e);
  let stopped = true;
  const resume = () => {
    if (stopped) process.kill(pid, "SIGCONT");
    stopped = false;
  };
  process.kill(pid, "SIGSTOP");
  try {
    e.writeRoutes(e.renderFor(ids));
    const table = tableSum(e);
    await waitFor(
      "the reload not taken in time",
      () => e.nginx.log().includes(`route table ${table} passed nginx -t but`),
      30_000,
      50,
    );
    return { table, resume };
  } catch (error) {
    resume();
    throw error;
  }
}

/** Each child of nginx's master as /proc shows it: pid, start time (clock ticks), title. */
function workersSeen(master: number): string {
  return childPids(master)
    .map((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return `worker ${pid} started at ${fields[19]}: ${titleOf(pid) ?? "gone"}`;
      } catch {
        return `worker ${pid}: gone`;
      }
    })
    .join("\n");
}

const FIRST = ["acme", "globex", "leaving"];
const ADDED = ["initech", "umbrella", "hooli"];

let edge: Edge;

beforeAll(async () => {
  edge = await startEdge({
    environment: "dev",
    domain: "dev.example.test",
    tenants: [...FIRST.map((id) => ({ id })), ...ADDED.map((id) => ({ id, later: true }))],
    entrypoint: { pollSeconds: 1, reloadWaitSeconds: 3 },
  });
}, 30_000);

afterAll(async () => {
  await edge?.close();
});

describe("route table changes on the running edge", () => {
  it("takes three additions and a removal by graceful reloads, cutting no open stream", async () => {
    for (const id of ADDED) expect(await answerOf(edge, id)).toBe("404");
    const result = await runRouteChanges(edge, {
      initial: FIRST,
      streamsOn: ["acme", "globex"],
      changes: [...ADDED.map((add) => ({ add })), { remove: "leaving" }],
    });
    expect(result).toMatchObject({ streams: 4, cut: [], events: 5, sameMaster: true });
    // Each change answered (runRouteChanges waits for it; about a second with a 1 s poll).
    expect(result.answeredAfterMs).toHaveLength(4);
    // Reloads, never a restart: four tables taken (logged once nginx's new workers serve).
    await waitFor(
      "four reloads logged",
      () => edge.nginx.log().match(/taken with a graceful reload/g)?.length === 4,
      5_000,
      100,
    );
    for (const id of ["acme", "globex", ...ADDED])
      expect(await answerOf(edge, id)).toBe(`200 ${id}`);
    expect(await answerOf(edge, "leaving")).toBe("404");
  }, 90_000);

  it("never takes a table nginx refuses, and keeps serving the last good one", async () => {
    const pid = masterPid(edge);
    const workers = childPids(pid);
    const good = edge.renderFor(["acme", "globex", ...ADDED]);
    // A broken table: an upstream whose name does not resolve fails `nginx -t`.
    edge.writeRoutes(good.replace(/server 127\.0\.1\.\d+:/, "server no-such-service.invalid:"));
    await waitFor("the refusal", () => /refused by nginx -t/.test(edge.nginx.log()), 15_000, 100);
    expect(childPids(pid)).toEqual(workers);
    for (const id of ["acme", "hooli"]) expect(await answerOf(edge, id)).toBe(`200 ${id}`);

    edge.writeRoutes(edge.renderFor(["acme", "globex", ...ADDED, "leaving"]));
    await waitFor(
      "the fixed table",
      async () => (await answerOf(edge, "leaving")) === "200 leaving",
      15_000,
      100,
    );
    expect(masterPid(edge)).toBe(pid);
  }, 60_000);

  it("tries again a table nginx -t passes but the master cannot apply, and takes it once it can", async () => {
    const pid = masterPid(edge);
    const workers = await settledWorkers(edge);
    const { port, free } = await takenPort();
    const without = edge.renderFor(["acme", "globex", ...ADDED]);
    edge.writeRoutes(`${without}\nserver { listen 127.0.0.1:${port}; return 204; }\n`);
    await waitFor(
      "the reload not taken",
      () => /passed nginx -t but nginx did not take it within 3s/.test(edge.nginx.log()),
      30_000,
      100,
    );
    expect(edge.nginx.log()).toContain(`bind() to 127.0.0.1:${port} failed`);
    expect(servingWorkers(edge)).toEqual(workers);
    expect(await answerOf(edge, "leaving")).toBe("200 leaving");

    // Once the port is free, the next try takes the table: "leaving" is no longer routed.
    await free();
    await waitFor(
      "the table taken on a later try",
      async () => (await answerOf(edge, "leaving")) === "404",
      30_000,
      100,
    );
    expect(masterPid(edge)).toBe(pid);
    expect(edge.nginx.log().match(/did not take it/g)).toHaveLength(1);
  }, 90_000);

  it("does not count a worker that crashed during a reload nginx could not take as the reload's", async () => {
    const pid = masterPid(edge);
    const workers = await settledWorkers(edge);
    const { port, free } = await takenPort();
    edge.writeRoutes(
      `${edge.renderFor(["acme", "globex", ...ADDED, "leaving"])}\nserver { listen 127.0.0.1:${port}; return 204; }\n`,
    );
    const table = tableSum(edge);
    const logged = (what: string) => edge.nginx.log().includes(`route table ${table} ${what}`);
    await waitFor(
      "the master's failed reload",
      () => edge.nginx.log().includes(`bind() to 127.0.0.1:${port} failed`),
      30_000,
      50,
    );
    // Within the script's wait: the master respawns the worker on the files it still serves.
    process.kill(workers[0] as number, "SIGKILL");
    await waitFor(
      "the crashed worker respawned",
      () => servingWorkers(edge).filter((w) => !workers.includes(w)).length === 1,
      10_000,
      50,
    );
    await waitFor("the reload not taken", () => logged("passed nginx -t but"), 30_000, 100);
    expect(logged("taken")).toBe(false);
    expect(await answerOf(edge, "leaving")).toBe("404");
    // Still tried: once the port is free, the table is taken.
    await free();
    await waitFor("the table taken on a later try", () => logged("taken"), 30_000, 100);
    expect(await answerOf(edge, "leaving")).toBe("200 leaving");
    expect(masterPid(edge)).toBe(pid);
  }, 90_000);

  it("counts a reload slower than its wait once it is done, without signalling it again", async () => {
    const pid = masterPid(edge);
    await settledWorkers(edge);
    expect(await answerOf(edge, "leaving")).toBe("200 leaving");
    const slow = await slowReload(edge, ["acme", "globex", ...ADDED]);
    try {
      slow.resume();
      await waitFor(
        "the late reload counted",
        () =>
          edge.nginx
            .log()
            .includes(`route table ${slow.table} taken with a graceful reload, later than 3s`),
        15_000,
        100,
      );
      expect(await answerOf(edge, "leaving")).toBe("404");
      // No other reload of it is logged, a second after.
      await sleep(1500);
      expect(edge.nginx.log().split(`route table ${slow.table} taken`)).toHaveLength(2);
      expect(masterPid(edge)).toBe(pid);
    } finally {
      slow.resume();
    }
  }, 90_000);

  it("takes the files again when they changed while a slow reload was waited for", async () => {
    await settledWorkers(edge);
    expect(await answerOf(edge, "leaving")).toBe("404");
    const slow = await slowReload(edge, ["acme", "globex", ...ADDED, "leaving"]);
    try {
      // The master reads whatever is there when it gets to it: this table, not the one signalled.
      edge.writeRoutes(edge.renderFor(["acme", "globex", "initech", "umbrella", "leaving"]));
      const now = tableSum(edge);
      slow.resume();
      await waitFor(
        "the slow reload found done after the files changed",
        () =>
          edge.nginx
            .log()
            .includes("but the files changed meanwhile: reloading what they hold now"),
        20_000,
        50,
      );
      await waitFor(
        "the files taken again",
        () =>
          new RegExp(`route table ${now} [^\\n]*taken with a graceful reload`).test(
            edge.nginx.log(),
          ),
        20_000,
        100,
      );
      expect(edge.nginx.log()).not.toContain(`route table ${slow.table} taken`);
      expect([await answerOf(edge, "leaving"), await answerOf(edge, "hooli")]).toEqual([
        "200 leaving",
        "404",
      ]);
    } finally {
      slow.resume();
    }
  }, 90_000);
});

describe("old workers past what the pod's memory holds", () => {
  let small: Edge;
  let single: Edge;
  const start = (workerProcesses: number) =>
    startEdge({
      environment: "dev",
      domain: "dev.example.test",
      tenants: [...FIRST.map((id) => ({ id })), ...ADDED.map((id) => ({ id, later: true }))],
      entrypoint: { pollSeconds: 1 },
      // As a route table too big for two copies in the memory limit would say.
      settings: { drainingWorkersKept: 1, workerProcesses },
    });

  beforeAll(async () => {
    small = await start(2);
    // One worker per generation, so each stream's worker is known: with two, an idle sibling
    // still holding a client's connection drains too, and the oldest is not always the stream's.
    single = await start(1);
  }, 30_000);

  afterAll(async () => {
    await small?.close();
    await single?.close();
  });

  /** An SSE stream to acme, with both ends. */
  const acmeStream = async (e = small): Promise<{ client: OpenStream; server: SseStream }> => {
    const server = e.fleet.get("acme").nextSse();
    const client = await openStream({
      port: e.ports.https,
      host: `acme.${e.options.domain}`,
      path: "/sse",
      ca: e.certificate.pem,
    });
    return { client, server: await server };
  };
  const carries = async (stream: { client: OpenStream; server: SseStream }, event: string) => {
    stream.server.send(event);
    return stream.client.next(5000);
  };
  const addTenant = async (e: Edge, tables: number, ids: readonly string[], added: string) => {
    const before = servingWorkers(e);
    e.writeRoutes(e.renderFor(ids));
    await waitFor(
      `${added} routed, by the new worker alone`,
      async () =>
        (e.nginx.log().match(/taken with a graceful reload/g) ?? []).length === tables &&
        (await answerOf(e, added)) === `200 ${added}` &&
        // The old worker closes its listening socket as it starts draining: from then on a new
        // stream can only reach the new one.
        servingWorkers(e).every((pid) => !before.includes(pid)),
      15_000,
      100,
    );
  };

  it("stops the oldest draining worker beyond the table's count, never a newer one", async () => {
    expect(readFileSync(single.routesPath, "utf8").split("\n")[2]).toBe(
      "# Draining workers kept: 1",
    );
    const first = await acmeStream(single);
    await addTenant(single, 1, [...FIRST, "initech"], "initech");
    // One worker drains (the first stream's); the table keeps one: nothing is stopped.
    expect(await carries(first, "after one change")).toBe("data: after one change\n\n");
    const second = await acmeStream(single);

    await addTenant(single, 2, [...FIRST, "initech", "umbrella"], "umbrella");
    // Two draining workers, one kept: the first stream's, the oldest, is stopped.
    // Within a few polls (1 s each), however busy the machine.
    await waitFor(
      "the oldest draining worker stopped",
      () =>
        /stopped draining worker \d+: more than 1 draining workers do not fit in memory/.test(
          single.nginx.log(),
        ),
      30_000,
      100,
    ).catch((error: unknown) => {
      // What the entry script's scan sees, so a failure on a busy CI machine says why.
      throw new Error(`${String(error)}\n${workersSeen(masterPid(single))}\n${single.nginx.log()}`);
    });
    // Its connection is gone: the tenant's event never reaches the client.
    await expect(carries(first, "after two changes")).rejects.toThrow("no chunk within 5000 ms");
    expect(await carries(second, "after two changes")).toBe("data: after two changes\n\n");
    expect(single.nginx.log().match(/stopped draining worker/g)).toHaveLength(1);
    second.client.close();
  }, 60_000);

  it("lets every worker finish its streams when nginx quits, as a stopping pod's does", async () => {
    const master = masterPid(small);
    // A worker of an earlier generation may exit while it is being looked at.
    const cmdline = (pid: number) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8");
      } catch {
        return "exited";
      }
    };
    const sockets = (pid: number) =>
      readdirSync(`/proc/${pid}/fd`).filter((fd) => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith("socket:");
        } catch {
          return false; // closed while listed
        }
      }).length;
    const workers = childPids(master).filter((pid) =>
      /worker process$/.test(cmdline(pid).replace(/\0+$/, "").trim()),
    );
    expect(workers).toHaveLength(2);
    const before = workers.map(sockets);
    // Streams until each serving worker holds one (the kernel picks the worker per connection).
    const streams = [];
    while (workers.some((pid, i) => sockets(pid) <= (before[i] as number))) {
      expect(streams.length, "streams opened without reaching both workers").toBeLessThan(40);
      streams.push(await acmeStream());
    }
    const stopped = () => (small.nginx.log().match(/stopped draining worker/g) ?? []).length;
    const stoppedBefore = stopped();
    process.kill(master, "SIGQUIT");
    await waitFor(
      "both workers shutting down",
      () => workers.every((pid) => cmdline(pid).includes("shutting down")),
      15_000,
      100,
    );
    // Two draining workers against one kept, for three polls: nginx is quitting, none is stopped.
    await new Promise((resolve) => setTimeout(resolve, 3500));
    for (const [i, stream] of streams.entries())
      expect(await carries(stream, `quitting ${i}`)).toBe(`data: quitting ${i}\n\n`);
    expect(stopped()).toBe(stoppedBefore);
    for (const stream of streams) stream.server.end();
  }, 60_000);
});

/** A new wildcard certificate and key for the suite's domain, as a TLS Secret holds them. */
function newCertificate(on: Edge): { "tls.crt": string; "tls.key": string } {
  const domain = on.options.domain;
  const made = makeSelfSignedCertificate(
    mkdtempSync(join(on.dir, "issued-")),
    "tls",
    `*.${domain}`,
    [`*.${domain}`, domain],
  );
  return { "tls.crt": made.certificatePem, "tls.key": made.keyPem };
}

const serialOf = (pem: string) => new X509Certificate(pem).serialNumber;

/** The serial of the certificate a new TLS connection to acme is served. */
function servedSerial(on: Edge): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: "127.0.0.1",
      port: on.ports.https,
      servername: `acme.${on.options.domain}`,
      rejectUnauthorized: false,
    });
    socket.once("secureConnect", () => {
      resolve(socket.getPeerCertificate().serialNumber);
      socket.destroy();
    });
    socket.once("error", reject);
  });
}

describe("a certificate renewed in place, as the kubelet swaps the TLS Secret's files", () => {
  let tls: Edge;
  const log = () => tls.nginx.log();
  const taken = () =>
    (
      log().match(
        new RegExp(`certificate files in ${tls.tlsDir} taken with a graceful reload`, "g"),
      ) ?? []
    ).length;

  beforeAll(async () => {
    tls = await startEdge({
      environment: "dev",
      domain: "dev.example.test",
      tenants: [{ id: "acme" }],
      entrypoint: { pollSeconds: 1 },
    });
  }, 30_000);

  afterAll(async () => {
    await tls?.close();
  });

  it("serves the new certificate within seconds by a graceful reload: same master, no stream cut", async () => {
    const master = masterPid(tls);
    expect(await servedSerial(tls)).toBe(serialOf(tls.certificate.pem));
    const server = tls.fleet.get("acme").nextSse();
    const client = await openStream({
      port: tls.ports.https,
      host: `acme.${tls.options.domain}`,
      path: "/sse",
      ca: tls.certificate.pem,
    });
    const stream = await server;

    const renewed = newCertificate(tls);
    writeKubeletVolume(tls.tlsDir, renewed);
    // A 1 s poll and a reload: a few seconds, however busy the machine.
    await waitFor(
      "the renewed certificate served",
      async () => (await servedSerial(tls)) === serialOf(renewed["tls.crt"]),
      10_000,
      100,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${log()}`);
    });
    expect(masterPid(tls)).toBe(master);
    // Logged once nginx's new workers serve.
    await waitFor("the reload logged", () => taken() === 1, 5_000, 100);
    // A client that trusts only the new certificate is served.
    const res = await edgeHttps({
      port: tls.ports.https,
      host: `acme.${tls.options.domain}`,
      ca: renewed["tls.crt"],
    });
    expect(res.status).toBe(200);
    // The stream opened on the old certificate carries on, and ends normally.
    stream.send("after the renewal");
    expect(await client.next(5000)).toBe("data: after the renewal\n\n");
    stream.end();
    await client.ended;
  }, 60_000);

  it("never takes a certificate whose key does not match, and keeps serving the last good pair", async () => {
    const master = masterPid(tls);
    // The previous test's generation may still be draining: only the serving one counts.
    const workers = await settledWorkers(tls);
    const serving = await servedSerial(tls);
    const takenBefore = taken();
    const next = newCertificate(tls);
    const stranger = newCertificate(tls);
    writeKubeletVolume(tls.tlsDir, { "tls.crt": next["tls.crt"], "tls.key": stranger["tls.key"] });
    const refusal = new RegExp(
      `edge-routes: certificate files in ${tls.tlsDir} refused by nginx -t, still serving the certificate files it loaded before: .*key values mismatch`,
    );
    await waitFor("the refusal", () => refusal.test(log()), 15_000, 100);
    // Logged once, though checked again every second.
    await sleep(2500);
    expect(log().match(/refused by nginx -t/g)).toHaveLength(1);
    expect(servingWorkers(tls)).toEqual(workers);
    expect(await servedSerial(tls)).toBe(serving);
    expect(taken()).toBe(takenBefore);

    // Its own key, swapped in next, is taken.
    writeKubeletVolume(tls.tlsDir, next);
    await waitFor(
      "the matching pair served",
      async () => (await servedSerial(tls)) === serialOf(next["tls.crt"]),
      10_000,
      100,
    );
    expect(masterPid(tls)).toBe(master);
    await waitFor("the reload logged", () => taken() === takenBefore + 1, 5_000, 100);
  }, 60_000);
});

describe("an origin-pull CA updated in place, as the kubelet swaps its ConfigMap's files", () => {
  let pulled: Edge;
  let scratch: string;
  /** A CA certificate (any self-signed one) as the origin-pull ConfigMap holds it. */
  const caPem = (name: string) =>
    makeSelfSignedCertificate(scratch, name, "Origin Pull CA", ["origin-pull.example.test"])
      .certificatePem;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), "origin-pull-ca-"));
    pulled = await startEdge({
      environment: "dev",
      domain: "dev.example.test",
      tenants: [{ id: "acme" }],
      entrypoint: { pollSeconds: 1 },
      settings: { originPull: true },
      originPullCa: caPem("first"),
    });
  }, 30_000);

  afterAll(async () => {
    await pulled?.close();
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  });

  it("is taken by a graceful reload, and one nginx refuses is not", async () => {
    const master = masterPid(pulled);
    const first = servingWorkers(pulled);
    const folders = `${pulled.tlsDir} ${pulled.originPullDir}`;
    writeKubeletVolume(pulled.originPullDir, { "ca.crt": caPem("second") });
    await waitFor(
      "the new CA taken",
      () =>
        pulled.nginx.log().includes(`certificate files in ${folders} taken with a graceful reload`),
      10_000,
      100,
    );
    expect(masterPid(pulled)).toBe(master);
    await waitFor(
      "a new generation serving",
      () => servingWorkers(pulled).every((pid) => !first.includes(pid)),
      10_000,
      100,
    );
    const second = servingWorkers(pulled);

    writeKubeletVolume(pulled.originPullDir, { "ca.crt": "not a certificate\n" });
    await waitFor(
      "the refusal",
      () =>
        pulled.nginx
          .log()
          .includes(
            `certificate files in ${folders} refused by nginx -t, still serving the certificate files it loaded before: `,
          ),
      15_000,
      100,
    );
    expect(servingWorkers(pulled)).toEqual(second);
    expect(masterPid(pulled)).toBe(master);
  }, 60_000);
});
