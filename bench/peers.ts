/**
 * The proxies a platform team would pick instead of nginx, from Debian, configured for the
 * edge's job: the same tenant hosts under the same wildcard certificate, TLS to clients, Host
 * routed to one backend per tenant, keep-alive to backends (idle connections closed before the
 * tenants' own 5 s), X-Forwarded-For/Proto/Host, X-Real-IP and a request id to the tenant, the
 * edge's HSTS header on every answer (so clients get the same bytes from every side), a JSON 404
 * for an unknown host, and an access log. Each follows its own documentation:
 *
 * - HAProxy 2.6: a map file from Host to backend (`use_backend %[…,map(hosts.map)]`, the
 *   documented way to route many domains), one backend per tenant, `option forwardfor`,
 *   `unique-id-header`, `http-response set-header` for HSTS, `option httplog` to stdout, its
 *   default `http-reuse safe` pooling.
 * - Caddy 2.6: its wildcard-certificate pattern (one `*.{domain}` site, a `host` matcher and
 *   `handle` per tenant), `tls <cert> <key>`, `reverse_proxy` (which sets the X-Forwarded
 *   headers itself) with the `http` transport's `keepalive`, the `header` directive for HSTS, a
 *   JSON access log to a file.
 *
 * Every process is started here and stopped by its own pid.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EDGE_BODIES } from "../components/edge/nginx-config";
import { sleep } from "../testkit/edge/ports";

export interface PeerTenant {
  readonly id: string;
  /** Every host of the tenant. */
  readonly hosts: readonly string[];
  /** Loopback address of its server. */
  readonly address: string;
}

export interface PeerSetup {
  /** Folder for the peer's config, certificate bundle and logs. */
  readonly dir: string;
  /** HTTPS port on 127.0.0.1. */
  readonly port: number;
  /** Port every tenant server listens on. */
  readonly tenantPort: number;
  readonly tenants: readonly PeerTenant[];
  readonly certificatePath: string;
  readonly keyPath: string;
  /** Idle keep-alive to backends, seconds (below the tenants' own 5 s). */
  readonly upstreamKeepaliveSeconds: number;
  /** The edge's `Strict-Transport-Security` value, e.g. `max-age=31536000`. */
  readonly hsts: string;
}

export interface RunningPeer {
  readonly name: string;
  /** What it runs with, abridged to the first tenants for the report. */
  readonly configExcerpt: string;
  /** Processes whose CPU is the peer's. */
  pids(): number[];
  stop(): Promise<void>;
}

const backendName = (id: string) => `t_${id}`;

/** HAProxy's config and host map. */
export function haproxyConfig(setup: PeerSetup): { config: string; hostsMap: string } {
  const pem = join(setup.dir, "haproxy.pem");
  const map = join(setup.dir, "hosts.map");
  const head = [
    "global",
    "  log stdout format raw local0",
    "  ssl-default-bind-options ssl-min-ver TLSv1.2",
    "  ssl-default-bind-ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305",
    "  maxconn 8192",
    "",
    "defaults",
    "  mode http",
    "  log global",
    "  option httplog",
    "  option forwardfor",
    "  timeout connect 5s",
    "  timeout client 3600s",
    "  timeout server 3600s",
    "  timeout http-request 10s",
    "  timeout http-keep-alive 65s",
    "",
    "frontend edge",
    `  bind 127.0.0.1:${setup.port} ssl crt ${pem} alpn h2,http/1.1`,
    "  unique-id-format %[uuid()]",
    "  unique-id-header X-Request-Id",
    `  http-request set-var(txn.backend) req.hdr(host),field(1,:),lower,map(${map})`,
    `  http-request return status 404 content-type application/json string '${EDGE_BODIES.unknownHost}' unless { var(txn.backend) -m found }`,
    "  http-request set-header X-Forwarded-Proto https",
    "  http-request set-header X-Forwarded-Host %[req.hdr(host)]",
    "  http-request set-header X-Real-IP %[src]",
    `  http-response set-header Strict-Transport-Security "${setup.hsts}"`,
    "  use_backend %[var(txn.backend)]",
    "",
  ];
  const backends = setup.tenants.flatMap((tenant) => [
    `backend ${backendName(tenant.id)}`,
    `  server app ${tenant.address}:${setup.tenantPort} pool-purge-delay ${setup.upstreamKeepaliveSeconds}s`,
    "",
  ]);
  return {
    config: [...head, ...backends].join("\n"),
    hostsMap: setup.tenants
      .flatMap((t) => t.hosts.map((h) => `${h} ${backendName(t.id)}`))
      .join("\n"),
  };
}

/**
 * Caddy's Caddyfile: its documented pattern for many subdomains under one wildcard certificate
 * (one site `*.{domain}`, a `host` matcher and a `handle` per tenant, a fallback `handle`).
 * One site block per host is its other model; with 1,000 hosts it took about a minute to start
 * and answered tens of requests per second here, so it is not the fair comparison.
 */
export function caddyfile(setup: PeerSetup): string {
  const log = join(setup.dir, "caddy-access.log");
  const domains = [
    ...new Set(setup.tenants.flatMap((t) => t.hosts.map((h) => h.replace(/^[^.]+\./, "")))),
  ];
  const head = [
    "{",
    "  admin off",
    "  auto_https off",
    "}",
    "",
    `${domains.map((d) => `https://*.${d}:${setup.port}`).join(", ")} {`,
    `  tls ${setup.certificatePath} ${setup.keyPath}`,
    "  log {",
    `    output file ${log}`,
    "    format json",
    "  }",
    `  header Strict-Transport-Security "${setup.hsts}"`,
    "",
  ];
  const tenants = setup.tenants.flatMap((tenant) => [
    `  @${tenant.id} host ${tenant.hosts.join(" ")}`,
    `  handle @${tenant.id} {`,
    `    reverse_proxy ${tenant.address}:${setup.tenantPort} {`,
    "      header_up X-Real-IP {remote_host}",
    "      header_up X-Request-Id {http.request.uuid}",
    "      transport http {",
    `        keepalive ${setup.upstreamKeepaliveSeconds}s`,
    "      }",
    "    }",
    "  }",
    "",
  ]);
  const fallback = ["  handle {", `    respond \`${EDGE_BODIES.unknownHost}\` 404`, "  }", "}", ""];
  // Tabs, as `caddy fmt` writes them.
  return [...head, ...tenants, ...fallback]
    .map((l) => l.replace(/^(?: {2})+/, (m) => "\t".repeat(m.length / 2)))
    .join("\n");
}

/** The first `tenants` tenants' part of a generated config, for the report. */
function excerpt(lines: string, keepUntil: RegExp, tenants: number): string {
  const all = lines.split("\n");
  const out: string[] = [];
  let seen = 0;
  for (const line of all) {
    if (keepUntil.test(line) && ++seen > tenants) {
      out.push(`# … and the same for every other tenant`);
      break;
    }
    out.push(line);
  }
  return out.join("\n");
}

async function startProcess(
  name: string,
  command: string,
  args: readonly string[],
  options: { readonly env?: NodeJS.ProcessEnv; readonly stdoutFile: string },
  ready: () => Promise<boolean>,
): Promise<ChildProcess> {
  const out = openSync(options.stdoutFile, "a");
  const child = spawn(command, args, {
    stdio: ["ignore", out, "pipe"],
    env: { ...process.env, ...options.env },
  });
  closeSync(out);
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-3000)));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited at start: ${stderr}`);
    if (await ready()) return child;
    await sleep(200);
  }
  await stopProcess(child);
  throw new Error(`${name} did not answer within 60 s: ${stderr}`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

export async function startHaproxy(
  setup: PeerSetup,
  ready: () => Promise<boolean>,
): Promise<RunningPeer> {
  const { readFileSync } = await import("node:fs");
  writeFileSync(
    join(setup.dir, "haproxy.pem"),
    readFileSync(setup.certificatePath, "utf8") + readFileSync(setup.keyPath, "utf8"),
  );
  const { config, hostsMap } = haproxyConfig(setup);
  writeFileSync(join(setup.dir, "hosts.map"), `${hostsMap}\n`);
  writeFileSync(join(setup.dir, "haproxy.cfg"), config);
  const child = await startProcess(
    "haproxy",
    "/usr/sbin/haproxy",
    ["-db", "-f", join(setup.dir, "haproxy.cfg")],
    { stdoutFile: join(setup.dir, "haproxy-access.log") },
    ready,
  );
  return {
    name: "HAProxy",
    configExcerpt: `${excerpt(config, /^backend /, 2)}\n\n# hosts.map\n${hostsMap.split("\n").slice(0, 2).join("\n")}\n# …`,
    pids: () => [child.pid as number],
    stop: () => stopProcess(child),
  };
}

export async function startCaddy(
  setup: PeerSetup,
  ready: () => Promise<boolean>,
): Promise<RunningPeer> {
  const text = caddyfile(setup);
  const file = join(setup.dir, "Caddyfile");
  writeFileSync(file, text);
  const child = await startProcess(
    "caddy",
    "/usr/bin/caddy",
    ["run", "--config", file, "--adapter", "caddyfile"],
    {
      // Caddy keeps its state under these; never the user's home.
      env: { HOME: setup.dir, XDG_DATA_HOME: setup.dir, XDG_CONFIG_HOME: setup.dir },
      stdoutFile: join(setup.dir, "caddy.log"),
    },
    ready,
  );
  return {
    name: "Caddy",
    configExcerpt: excerpt(text, /^\t@/, 2),
    pids: () => [child.pid as number],
    stop: () => stopProcess(child),
  };
}
