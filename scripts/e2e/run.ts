/**
 * `npm run e2e -- --stack NAME [--dir DIR]`: renders the stack file's program under the mocks
 * harness and runs what it rendered on this machine (README.md, "npm run e2e"): every Deployment's
 * pods as processes with their files, env and probes, Services on loopback addresses, cluster DNS
 * names from a loopback responder, the declared roles and databases on the Debian PostgreSQL,
 * nginx with the rendered config, then a request matrix through the edge and `ops doctor`.
 * Prints a table; exits 1 on any failure.
 */
import { spawnSync } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { findNginx } from "../lib/binaries";
import { makeEdgeCertificate } from "./certificates";
import { edgeGet } from "./client";
import { connectAsTenant, StackDatabase, toLocalServer } from "./database";
import { readDockerfile, type ImageProcess } from "./dockerfile";
import { runDoctor } from "./doctor";
import { type K8sObject, RenderedObjects } from "./objects";
import { type ClusterDns, podResolvConf, startClusterDns } from "./dns";
import { Pod } from "./pods";
import { Prober } from "./probes";
import { renderStack } from "./render";
import { type Endpoint, ServiceProxy } from "./services";
import { DOCKER_BUILD } from "../../testkit/type-tokens";

export interface Row {
  readonly area: string;
  readonly check: string;
  readonly expected: string;
  readonly got: string;
  readonly ok: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Loopback addresses of this run: a random 127.a.b.0/24, so parallel runs do not meet. */
function addressPool(): () => string {
  const a = randomInt(100, 250);
  const b = randomInt(1, 250);
  let n = 0;
  return () => {
    n++;
    if (n > 250) throw new Error("more than 250 pods and Services: not for e2e");
    return `127.${a}.${b}.${n}`;
  };
}

interface Workload {
  readonly deployment: K8sObject;
  readonly namespace: string;
  readonly name: string;
  readonly pods: Pod[];
  readonly probers: Prober[];
  /** Why its pods cannot run here, when they cannot. */
  readonly skipped?: string;
}

export async function runE2e(
  stack: string,
  dir: string,
  out: (line: string) => void,
  opts: { readonly rolloutLimitMs?: number } = {},
): Promise<{ rows: Row[]; ok: boolean }> {
  const rows: Row[] = [];
  const add = (area: string, check: string, expected: string, got: string, ok: boolean) =>
    rows.push({ area, check, expected, got, ok });
  const cleanups: (() => Promise<void> | void)[] = [];
  const sandbox = mkdtempSync(path.join(tmpdir(), `e2e-${stack}-`));
  chmodSync(sandbox, 0o755);
  cleanups.push(() => rmSync(sandbox, { recursive: true, force: true }));
  try {
    const rendered = await renderStack(dir, stack);
    const c = rendered.platform;
    const objects = new RenderedObjects(rendered.resources);
    const nextIp = addressPool();
    out(
      `e2e: stack ${stack} rendered: ${rendered.resources.length} resources; stand-in secrets: ${rendered.standIns.join(", ") || "none"}`,
    );

    // PostgreSQL: the declared roles, databases and grants, on this machine's server.
    const database = new StackDatabase(stack, objects);
    cleanups.push(() => database.close());
    await database.create();
    add(
      "database",
      "roles, databases, grants, the program's SQL",
      "created",
      `${database.statements.length} statements${database.leftOut.length > 0 ? `; not run on this shared server: ${database.leftOut.join("; ")}` : ""}`,
      true,
    );

    // Cluster DNS for the Services.
    const dns: ClusterDns = await startClusterDns(nextIp());
    cleanups.push(() => dns.close());
    const clusterDomain = c.proxy.clusterDomain;
    // The proxy's resolver is a cluster name too (kube-dns): it resolves to this responder.
    if (!/^[\d.:]+$/.test(c.proxy.resolver)) dns.set(c.proxy.resolver, dns.ip);

    // The edge certificate for the TLS mode, in place of the Secret the cluster would hold.
    const names = [`*.${c.domain}`, c.domain];
    // Valid as long as the mode's own certificate would be, so doctor's expiry check applies.
    const tls = c.tls as { validityHours?: number; validityDays?: number };
    const days =
      tls.validityDays ??
      (tls.validityHours !== undefined ? Math.ceil(tls.validityHours / 24) : 90);
    const certificate = makeEdgeCertificate(sandbox, c.tls.mode, names, days);
    out(`e2e: TLS ${certificate.how}`);

    // Images this run can start: those the stack builds from a folder of this repository.
    const builds = new Map<string, ImageProcess>();
    for (const image of objects.ofType(DOCKER_BUILD.Image)) {
      const context = path.resolve(
        path.join(__dirname, "..", ".."),
        String(image.inputs.context?.location ?? "."),
      );
      const dockerfile = String(
        image.inputs.dockerfile?.location ?? path.join(context, "Dockerfile"),
      );
      builds.set(
        String(image.state.ref),
        readDockerfile(path.resolve(context, dockerfile), context),
      );
    }
    const programs = { node: process.execPath, nginx: findNginx(), sh: "/bin/sh" };

    // Pods.
    const workloads: Workload[] = [];
    const tlsSecretNames = new Set(
      objects.resources
        .filter((r) => r.inputs?.type === "kubernetes.io/tls")
        .map((r) => String(r.inputs.metadata?.name)),
    );
    for (const deployment of objects.deployments()) {
      const namespace = String(deployment.metadata?.namespace ?? "default");
      const name = String(deployment.metadata?.name);
      const podSpec = deployment.spec.template.spec as K8sObject;
      const container = podSpec.containers[0] as K8sObject;
      const image = builds.get(String(container.image));
      const isNginx =
        container.command?.[0] === "nginx" || String(container.image).startsWith("nginx");
      if (image === undefined && !isNginx) {
        workloads.push({
          deployment,
          namespace,
          name,
          pods: [],
          probers: [],
          skipped: `image ${container.image} is not built from this repository`,
        });
        continue;
      }
      for (const v of podSpec.volumes ?? []) {
        const secretName = v.secret?.secretName;
        if (
          secretName !== undefined &&
          (tlsSecretNames.has(secretName) ||
            !objects.resources.some(
              (r) => r.inputs?.kind === "Secret" && r.inputs?.metadata?.name === secretName,
            ))
        )
          objects.override("Secret", namespace, secretName, {
            "tls.crt": certificate.certPem,
            "tls.key": certificate.keyPem,
          });
      }
      const replicas = Number(deployment.spec.replicas ?? 1);
      const pods: Pod[] = [];
      const probers: Prober[] = [];
      for (let i = 0; i < replicas; i++) {
        const ip = nextIp();
        const podSandbox = path.join(sandbox, `${namespace}.${name}-${i}`);
        mkdirSync(podSandbox, { recursive: true });
        chmodSync(podSandbox, 0o755);
        const pod = new Pod(
          {
            name: `${name}-${i}`,
            namespace,
            ip,
            podSpec,
            container,
            sandbox: podSandbox,
            image,
            programs,
            // The database's name resolves to this machine's server (below); only a port other
            // than that server's is rewritten.
            rewriteEnv: (k, v) => {
              if (k !== "DATABASE_URL") return v;
              const u = new URL(v);
              dns.set(u.hostname, database.address.host);
              return Number(u.port || 5432) === database.address.port
                ? v
                : toLocalServer(v, database.address);
            },
            // Every pod has its own address: nginx listens on the pod's, not on all of them.
            rewriteFile: (_mount, _key, text) =>
              forLocalNginx(text.replace(/^(\s*listen\s+)(\d+)(\s|;)/gm, `$1${ip}:$2$3`)),
            resolvConf: podResolvConf(dns.ip, namespace, c.proxy.clusterDomain),
          },
          objects,
        );
        pod.prepare();
        pods.push(pod);
        probers.push(new Prober(pod, container));
      }
      workloads.push({ deployment, namespace, name, pods, probers });
    }

    // Services, and their cluster DNS names.
    const services: ServiceProxy[] = [];
    for (const service of objects.services()) {
      const ns = String(service.metadata?.namespace ?? "default");
      const selected = workloads.filter(
        (w) => w.namespace === ns && objects.servicesFor(w.deployment).includes(service),
      );
      const endpoints = (): Endpoint[] =>
        selected.flatMap((w) =>
          w.pods.map((pod, i) => ({
            pod,
            prober: w.probers[i] as Prober,
            container: w.deployment.spec.template.spec.containers[0],
          })),
        );
      const proxy = new ServiceProxy(service, nextIp(), endpoints);
      await proxy.start();
      cleanups.push(() => proxy.close());
      services.push(proxy);
      dns.set(`${service.metadata.name}.${ns}.svc.${clusterDomain}`, proxy.ip);
    }

    // Start everything; wait for each rollout as `kubectl rollout status` would.
    for (const w of workloads) {
      for (const [i, pod] of w.pods.entries()) {
        pod.start();
        cleanups.push(() => pod.stop(3000));
        (w.probers[i] as Prober).start();
        cleanups.push(() => (w.probers[i] as Prober).stop());
      }
    }
    const limit = opts.rolloutLimitMs ?? 60_000;
    const deadline = Date.now() + limit;
    while (Date.now() < deadline && !workloads.every((w) => w.probers.every((p) => p.ready)))
      await sleep(250);
    for (const w of workloads) {
      const check = `rollout ${w.namespace}/${w.name}`;
      if (w.skipped !== undefined) {
        add(
          "rollout",
          check,
          `${w.deployment.spec.replicas ?? 1} ready`,
          `not run: ${w.skipped}`,
          true,
        );
        continue;
      }
      const ready = w.probers.filter((p) => p.ready).length;
      const running = w.pods[0]?.runningUid();
      const uid = `${w.pods[0]?.uidNote ?? `uid ${w.pods[0]?.uid}`}, running as uid ${running ?? "?"}`;
      const stuck = w.probers.find((p) => !p.ready);
      add(
        "rollout",
        check,
        `${w.pods.length}/${w.pods.length} ready`,
        stuck === undefined
          ? `${ready}/${w.pods.length} ready (${uid})`
          : `${ready}/${w.pods.length} ready: would never finish rolling out; last probes ${JSON.stringify(stuck.last)}${stuck.events.length > 0 ? `; ${summarize(stuck.events)}` : ""}; log: ${stuck.pod.logTail(3).join(" | ")}`,
        stuck === undefined,
      );
    }

    // Each tenant connects with its rendered DATABASE_URL: its own role, its own database only.
    // A tenant's credentials as its container's env names them: envFrom Secrets, then
    // secretKeyRef entries (later wins, as in the kubelet). Read from the rendered objects, so a
    // tenant scaled to zero is still checked.
    const tenantSecret = (t: { id: string }): Record<string, string> => {
      const w = workloads.find(
        (x) => x.deployment.metadata?.labels?.["agent-cloud.io/tenant"] === t.id,
      );
      if (w === undefined) return {};
      const container = w.deployment.spec.template.spec.containers[0];
      const env: Record<string, string> = {};
      for (const from of (container.envFrom ?? []) as K8sObject[]) {
        if (from.secretRef !== undefined)
          Object.assign(env, objects.data("Secret", w.namespace, from.secretRef.name));
      }
      for (const e of (container.env ?? []) as K8sObject[]) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref === undefined) continue;
        const value = objects.data("Secret", w.namespace, ref.name)[ref.key];
        if (value !== undefined) env[e.name] = value;
      }
      return env;
    };
    const allDatabases = database.declared.map((d) => d.database);
    for (const t of c.tenants) {
      const url = tenantSecret(t).DATABASE_URL;
      const expectedDb = database.declared.find(
        (d) => d.role === `sp_${c.environment}_${t.id}`.replace(/-/g, "_"),
      );
      if (url === undefined || expectedDb === undefined) {
        add(
          "database",
          `tenant ${t.id} DATABASE_URL`,
          "its own role and database",
          "no DATABASE_URL or no declared database",
          false,
        );
        continue;
      }
      try {
        const who = await connectAsTenant(
          toLocalServer(url, database.address),
          allDatabases.filter((d) => d !== expectedDb.database),
        );
        const ok =
          who.user === expectedDb.role &&
          who.database === expectedDb.database &&
          who.reachesOthers.length === 0;
        add(
          "database",
          `tenant ${t.id} connects`,
          `${expectedDb.role}@${expectedDb.database}, no other database`,
          `${who.user}@${who.database}${who.ssl ? " (TLS)" : ""}${who.reachesOthers.length > 0 ? `, can connect to ${who.reachesOthers.join(", ")}` : ""}`,
          ok,
        );
      } catch (error) {
        add(
          "database",
          `tenant ${t.id} connects`,
          `${expectedDb.role}@${expectedDb.database}`,
          (error as Error).message,
          false,
        );
      }
    }

    // The request matrix through the edge.
    const edge = services.find(
      (s) => s.service.metadata?.labels?.["app.kubernetes.io/name"] === "management-proxy",
    );
    if (edge === undefined) throw new Error("no proxy Service rendered");
    const httpsPort = Number(
      (edge.service.spec.ports as K8sObject[]).find((p) => p.name === "https")?.port ?? 443,
    );
    const at = { host: edge.ip, port: httpsPort };
    const tenantsOut = (rendered.outputs.tenants ?? {}) as Record<string, { hosts: string[] }>;
    const keys = Object.fromEntries(
      c.tenants.map((t) => [t.id, tenantSecret(t).AGENT_CLOUD_API_KEY ?? tenantSecret(t).API_KEY]),
    );
    const verifyName = c.dns.provider === "none";
    const bearer = (k: string | undefined) => (k === undefined ? undefined : `Bearer ${k}`);
    const servedBy = (body: string) => {
      try {
        return (JSON.parse(body) as { tenant?: string }).tenant;
      } catch {
        return undefined;
      }
    };
    const runnable = (id: string) =>
      workloads.some(
        (w) =>
          w.deployment.metadata?.labels?.["agent-cloud.io/tenant"] === id &&
          w.skipped === undefined,
      );
    const otherEnv = c.environment === "production" ? "dev" : "production";
    const foreignKey = `ac_${otherEnv}_${randomBytes(30)
      .toString("base64")
      .replace(/[^A-Za-z0-9]/g, "")
      .padEnd(40, "x")
      .slice(0, 40)}`;
    for (const t of c.tenants) {
      if (!runnable(t.id)) continue;
      const hosts = tenantsOut[t.id]?.hosts ?? t.hosts;
      for (const host of hosts) {
        const verify = verifyName || host.endsWith(c.domain);
        const own = await edgeGet(at, host, "/", {
          ca: certificate.caPem,
          authorization: bearer(keys[t.id]),
          verifyName: verify,
        });
        add(
          "edge",
          `${host} with ${t.id}'s key`,
          `200 from ${t.id}`,
          `${own.status || own.error} from ${servedBy(own.body) ?? "?"}`,
          own.status === 200 && servedBy(own.body) === t.id,
        );
      }
      const host = hosts[0] as string;
      // Without a key, or with another tenant's: refused at the edge (401), or passed to this
      // tenant's own app when the edge leaves authentication to it; never another tenant.
      const cases: [string, string | undefined][] = [["no key", undefined]];
      const other = c.tenants.find((x) => x.id !== t.id && keys[x.id] !== undefined);
      if (other !== undefined) cases.push([`${other.id}'s key`, keys[other.id]]);
      for (const [label, key] of cases) {
        const r = await edgeGet(at, host, "/", {
          ca: certificate.caPem,
          authorization: bearer(key),
          verifyName: true,
        });
        // auth "edge": the edge refuses it; "app": the tenant's own app decides (never another).
        const edgeChecks = (t as { auth?: string }).auth !== "app";
        const ok = edgeChecks
          ? r.status === 401
          : r.status === 401 || (r.status === 200 && servedBy(r.body) === t.id);
        add(
          "edge",
          `${host} with ${label}`,
          edgeChecks ? "401 (auth edge)" : `401, or 200 from ${t.id} itself (auth app)`,
          `${r.status || r.error}${r.status === 200 ? ` from ${servedBy(r.body) ?? "?"}` : ""}`,
          ok,
        );
      }
      const foreign = await edgeGet(at, host, "/", {
        ca: certificate.caPem,
        authorization: bearer(foreignKey),
        verifyName: true,
      });
      add(
        "edge",
        `${host} with a ${otherEnv} key`,
        "401",
        String(foreign.status || foreign.error),
        foreign.status === 401,
      );
    }
    const unknown = await edgeGet(at, `nobody-e2e.${c.domain}`, "/", {
      ca: certificate.caPem,
      verifyName: true,
    });
    add(
      "edge",
      `nobody-e2e.${c.domain} (unknown host)`,
      "404",
      String(unknown.status || unknown.error),
      unknown.status === 404,
    );

    // ops doctor against this run (before a tenant is stopped).
    const doctor = await runDoctor(stack, rendered, objects, at, certificate.caPem);
    add(
      "doctor",
      "ops doctor",
      "exit 0",
      `exit ${doctor.code}: ${doctor.summary}${
        doctor.code === 0
          ? ""
          : `; ${doctor.output
              .split("\n")
              .filter((l) => l.startsWith("FAIL"))
              .join("; ")}`
      }`,
      doctor.code === 0,
    );

    // A stopped tenant: its pods end, its Service has no endpoint, the edge answers 502.
    const victim = c.tenants.find((t) => runnable(t.id));
    if (victim !== undefined) {
      const w = workloads.find(
        (x) => x.deployment.metadata?.labels?.["agent-cloud.io/tenant"] === victim.id,
      );
      for (const p of w?.probers ?? []) p.stop();
      await Promise.all((w?.pods ?? []).map((p) => p.stop(3000)));
      const host = (tenantsOut[victim.id]?.hosts ?? victim.hosts)[0] as string;
      const r = await edgeGet(at, host, "/", {
        ca: certificate.caPem,
        authorization: bearer(keys[victim.id]),
        verifyName: true,
      });
      add(
        "edge",
        `${host} with ${victim.id} stopped`,
        "502",
        String(r.status || r.error),
        r.status === 502,
      );
    }
    return { rows, ok: rows.every((r) => r.ok) };
  } catch (error) {
    add("run", "e2e", "completes", (error as Error).message, false);
    return { rows, ok: false };
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // keep cleaning up
      }
    }
  }
}

const nginxVersion = (() => {
  const r = spawnSync(findNginx(), ["-v"], { encoding: "utf8" });
  return (
    /nginx\/(\d+)\.(\d+)\.(\d+)/.exec(`${r.stdout}${r.stderr}`)?.slice(1).map(Number) ?? [0, 0, 0]
  );
})();

/**
 * The one translation for this machine's nginx: `http2 on;` (nginx >= 1.25.1, the proxy image's)
 * becomes the `http2` listen parameter on nginx 1.22 from Debian; same behaviour.
 */
function forLocalNginx(text: string): string {
  const [major = 0, minor = 0, patch = 0] = nginxVersion;
  const modern = major > 1 || minor > 25 || (minor === 25 && patch >= 1);
  if (modern || !/^\s*http2 on;/m.test(text)) return text;
  return text.replace(/^\s*http2 on;\n/gm, "").replace(/^(\s*listen\s+\S+\s+ssl)\b/gm, "$1 http2");
}

/** Repeated events once, with how often they happened. */
function summarize(events: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e, (counts.get(e) ?? 0) + 1);
  return [...counts].map(([e, n]) => (n === 1 ? e : `${e} (${n} times)`)).join("; ");
}

/** The result as a fixed-width table. */
export function formatTable(stack: string, rows: readonly Row[]): string {
  const header = ["", "area", "check", "expected", "got"];
  const lines = rows.map((r) => [r.ok ? "PASS" : "FAIL", r.area, r.check, r.expected, r.got]);
  const widths = header.map((h, i) =>
    Math.min(Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)), i === 4 ? 200 : 60),
  );
  const fmt = (l: string[]) =>
    l
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  const failed = rows.filter((r) => !r.ok).length;
  return [
    `e2e ${stack}`,
    fmt(header),
    ...lines.map(fmt),
    `e2e ${stack}: ${rows.length - failed} passed, ${failed} failed`,
  ].join("\n");
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      stack: { type: "string", short: "s" },
      dir: { type: "string" },
      "rollout-limit": { type: "string" },
    },
  });
  if (values.stack === undefined) {
    console.error("usage: npm run e2e -- --stack NAME [--dir DIR] [--rollout-limit SECONDS]");
    process.exit(2);
  }
  const dir = path.resolve(values.dir ?? path.join(__dirname, "..", ".."));
  if (!existsSync(path.join(dir, `Pulumi.${values.stack}.yaml`))) {
    console.error(`e2e: no Pulumi.${values.stack}.yaml in ${dir}`);
    process.exit(2);
  }
  const limit = Number(values["rollout-limit"] ?? 60);
  void runE2e(values.stack, dir, (l) => console.log(l), { rolloutLimitMs: limit * 1000 }).then(
    ({ rows, ok }) => {
      console.log(formatTable(values.stack as string, rows));
      process.exit(ok ? 0 : 1);
    },
  );
}
