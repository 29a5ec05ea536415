/**
 * The whole edge on loopback: a wildcard certificate, one fake server per tenant, and nginx
 * running the two files the proxy ships (nginx.conf including routes.conf), with only the listen
 * ports, file paths and tenant addresses changed: each tenant's cluster name becomes the loopback
 * address its fake server listens on, which is what nginx would resolve it to when it loads the
 * route table.
 */
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  proxyNginxConfigInput,
  type ProxyNginxSettings,
  routesFromTenants,
  tenantUpstreamHost,
} from "../../components/edge/management-proxy";
import {
  type NginxConfigInput,
  renderNginxConfig,
  renderNginxRoutes,
} from "../../components/edge/nginx-config";
import { renderApiKeyTable, type TenantKeys } from "../../components/edge/nginx/auth";
import { DEFAULT_EDGE_LIMITS } from "../../components/edge/nginx/limits";
import { makeWildcardCertificate, type TestCertificate } from "./certs";
import { writeKubeletVolume } from "./kubelet-volume";
import { INTERIM_GUARD_SCRIPT } from "../../components/edge/nginx/interim-answers";
import { renderEdgeEntrypoint } from "../../components/edge/route-reloader";
import { NGINX, NginxProcess } from "./nginx";
import { freePorts } from "./ports";
import { startTenants, type TenantFleet } from "./tenants";

export interface EdgeTenant {
  readonly id: string;
  readonly customDomains?: readonly string[];
  /** Not in the first config (added later with a reload). */
  readonly later?: boolean;
  /** In the config, but its server and DNS name appear only when the test says so. */
  readonly deferred?: boolean;
  /** In the config, with no server at all (its address refuses connections). */
  readonly missing?: boolean;
  /** Where its server listens when it is not one of the fixture's (with `missing`). */
  readonly address?: string;
  /** Its server's port, with `address`. @default `tenantPort`, else the fleet's port */
  readonly port?: number;
  /**
   * Edge auth mode. Here it defaults to `app` (the edge checks no key) so routing suites need no
   * keys; the component's own default is `edge`, which the auth suites use.
   * @default "app"
   */
  readonly auth?: "edge" | "app";
  /** Public paths in edge mode. @default [] */
  readonly publicPaths?: readonly string[];
}

export interface EdgeOptions {
  readonly environment: string;
  readonly domain: string;
  readonly tenants: readonly EdgeTenant[];
  /** Proxy settings other than routes, as the component would get them. @default component defaults */
  readonly settings?: Omit<ProxyNginxSettings, "environment" | "routes" | "tenantAuth">;
  /** Accepted keys per tenant, written as the key table next to the route table. @default none */
  readonly apiKeys?: readonly TenantKeys[];
  /** nginx worker connections, scaled down so a bounded flood can reach the ceiling. @default the shipped config's */
  readonly workerConnections?: number;
  /** PEM CA for origin pulls, written where the rendered config expects it (with `settings.originPull`). */
  readonly originPullCa?: string;
  /** The tenants' port when their servers are not the fixture's. @default the fleet's port */
  readonly tenantPort?: number;
  /**
   * Run nginx under the edge's entry script (as the container does), checking the route table
   * and the certificate folders every `pollSeconds`. @default nginx is started directly
   */
  readonly entrypoint?: { readonly pollSeconds: number; readonly reloadWaitSeconds?: number };
  /** Changes to the rendered input after the component's (e.g. for a benchmark variant). */
  readonly tweak?: (input: NginxConfigInput) => NginxConfigInput;
  /** Changes to the rendered main nginx.conf (e.g. the benchmark's `return 200` floor). */
  readonly transformConfig?: (config: string) => string;
}

export interface Edge {
  readonly options: EdgeOptions;
  readonly dir: string;
  /** The certificate nginx started with, in `tlsDir`. */
  readonly certificate: TestCertificate;
  /**
   * The TLS Secret's folder (`tls.crt`, `tls.key`), laid out as the kubelet mounts it: swap a new
   * pair in with `writeKubeletVolume` (testkit/edge/kubelet-volume.ts).
   */
  readonly tlsDir: string;
  /** The origin-pull CA's folder (`ca.crt`), kubelet-style too, with `originPullCa`. */
  readonly originPullDir: string;
  readonly fleet: TenantFleet;
  readonly nginx: NginxProcess;
  readonly ports: { readonly http: number; readonly https: number; readonly health: number };
  /** Every host of every tenant in `options`, with its tenant id. */
  readonly hosts: readonly { readonly host: string; readonly tenantId: string }[];
  /** The main nginx.conf (the same whatever the tenants). */
  readonly config: string;
  /** Path of the route table nginx.conf includes. */
  readonly routesPath: string;
  /** The route table for these tenants (all of them when `includeLater`). */
  render(includeLater: boolean): string;
  /** The route table for exactly these tenants of `options.tenants`. */
  renderFor(ids: readonly string[]): string;
  /** Replaces the route table file atomically (as the kubelet does), without reloading. */
  writeRoutes(routes: string): void;
  /** Writes the route table (all tenants when `includeLater`) and reloads nginx gracefully. */
  reloadRoutes(includeLater: boolean): Promise<void>;
  /** Cluster DNS name of a tenant's Service. */
  upstreamHost(tenantId: string): string;
  /** Rewrites the key table (as a Secret update would) and reloads nginx. */
  setApiKeys(keys: readonly TenantKeys[]): Promise<void>;
  /** Starts a deferred tenant's server. */
  bringUp(tenantId: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Per-client limits high enough for the routing and reload suites, whose steady request streams
 * all come from 127.0.0.1; the limits suite sets its own.
 */
export const ROUTING_SUITE_LIMITS = {
  ...DEFAULT_EDGE_LIMITS,
  connectionsPerClient: 10_000,
  requestsPerSecondPerClient: 100_000,
  requestBurstPerClient: 100_000,
};

export function tenantHosts(tenant: EdgeTenant, domain: string): string[] {
  return [`${tenant.id}.${domain}`, ...(tenant.customDomains ?? [])];
}

export async function startEdge(options: EdgeOptions): Promise<Edge> {
  const dir = mkdtempSync(join(tmpdir(), "edge-nginx-"));
  // nginx workers run as an unprivileged user when the tests run as root.
  chmodSync(dir, 0o755);
  const cleanups: (() => Promise<void> | void)[] = [
    () => rmSync(dir, { recursive: true, force: true }),
  ];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const { environment, domain } = options;
    // The TLS Secret's volume, as the kubelet mounts it.
    const tlsDir = join(dir, "tls");
    const generated = makeWildcardCertificate(dir, domain);
    writeKubeletVolume(tlsDir, {
      "tls.crt": generated.pem,
      "tls.key": readFileSync(generated.keyPath, "utf8"),
    });
    rmSync(generated.certificatePath);
    rmSync(generated.keyPath);
    const certificate: TestCertificate = {
      certificatePath: join(tlsDir, "tls.crt"),
      keyPath: join(tlsDir, "tls.key"),
      pem: generated.pem,
    };
    const served = options.tenants.filter((t) => !t.missing);
    const fleet = await startTenants(
      served.map((t) => t.id),
      { deferred: served.filter((t) => t.deferred).map((t) => t.id) },
    );
    cleanups.push(() => fleet.close());
    const upstreamHost = (id: string) =>
      tenantUpstreamHost(environment, id, options.settings?.clusterDomain ?? "cluster.local");
    // What nginx resolves each Service name to: the fake server's address, or one where
    // nothing listens (127.0.9.x) for a tenant without a server.
    const addressOf = new Map(
      options.tenants.map((tenant, index) => [
        tenant.id,
        tenant.address ??
          (tenant.missing ? `127.0.9.${(index % 250) + 1}` : fleet.get(tenant.id).ip),
      ]),
    );
    const portOf = new Map(
      options.tenants.flatMap((t) => (t.port === undefined ? [] : [[t.id, t.port] as const])),
    );
    const [http, https, health] = (await freePorts(3)) as [number, number, number];
    const ports = { http, https, health };
    mkdirSync(join(dir, "routes"));
    const routesPath = join(dir, "routes", "routes.conf");
    // The key table sits beside the route table, as the proxy projects its Secret there.
    const keyTablePath = join(dir, "routes", "api-keys.conf");
    writeFileSync(keyTablePath, renderApiKeyTable(options.apiKeys ?? []));
    const originPullDir = join(dir, "origin-pull");
    const originPullCaPath = join(originPullDir, "ca.crt");
    if (options.originPullCa !== undefined)
      writeKubeletVolume(originPullDir, { "ca.crt": options.originPullCa });

    const input = (ids: readonly string[]): NginxConfigInput => {
      const routes = routesFromTenants(
        options.tenants
          .filter((t) => ids.includes(t.id))
          .map((t) => ({ id: t.id, hosts: tenantHosts(t, domain) })),
        {
          environment,
          port: options.tenantPort ?? fleet.port,
          clusterDomain: options.settings?.clusterDomain,
        },
      );
      const shipped = proxyNginxConfigInput({
        limits: ROUTING_SUITE_LIMITS,
        // What ManagementProxy always has: tenants' cookies for the domain are rewritten.
        domain,
        ...options.settings,
        environment,
        routes,
        tenantAuth: options.tenants
          .filter((t) => ids.includes(t.id))
          .map((tenant) => ({
            tenantId: tenant.id,
            mode: tenant.auth ?? "app",
            publicPaths: tenant.publicPaths ?? [],
          })),
      });
      const local: NginxConfigInput = {
        ...shipped,
        workers: { ...shipped.workers, connections: options.workerConnections },
        auth: { ...shipped.auth, keyTablePath },
        clientIdentity: {
          ...(shipped.clientIdentity ?? { realIpFrom: [] }),
          originPullCaPath:
            shipped.clientIdentity?.originPullCaPath === undefined ? undefined : originPullCaPath,
        },
        routes: shipped.routes.map((route) => ({
          ...route,
          upstreamHost: addressOf.get(route.tenantId) as string,
          upstreamPort: portOf.get(route.tenantId) ?? route.upstreamPort,
        })),
        // nginx 1.22 here: the listen parameter, which does what `http2 on;` does on 1.27.
        http2: shipped.http2 === "off" ? "off" : "listen",
        listen: { ...ports, address: "127.0.0.1" },
        tls: { certificate: certificate.certificatePath, key: certificate.keyPath },
        paths: {
          pidFile: join(dir, "nginx.pid"),
          tempDir: dir,
          errorLog: join(dir, "error.log"),
          accessLog: join(dir, "access.log"),
          routesFile: routesPath,
          interimGuardScript: join(dir, "interim-guard.js"),
        },
      };
      return options.tweak ? options.tweak(local) : local;
    };
    const renderFor = (ids: readonly string[]) => renderNginxRoutes(input(ids));
    const render = (includeLater: boolean) =>
      renderFor(options.tenants.filter((t) => includeLater || !t.later).map((t) => t.id));
    let version = 0;
    const writeRoutes = (routes: string) => {
      const next = `${routesPath}.${++version}.tmp`;
      writeFileSync(next, routes);
      renameSync(next, routesPath);
    };
    // Beside nginx.conf, as the proxy's ConfigMap holds it.
    writeFileSync(join(dir, "interim-guard.js"), INTERIM_GUARD_SCRIPT);
    const rendered = renderNginxConfig(input([]));
    const config = options.transformConfig ? options.transformConfig(rendered) : rendered;
    writeRoutes(render(false));

    let launcher: string[] | undefined;
    if (options.entrypoint !== undefined) {
      const script = join(dir, "entrypoint.sh");
      writeFileSync(
        script,
        renderEdgeEntrypoint({
          config: join(dir, "nginx.conf"),
          routesDir: join(dir, "routes"),
          tlsDir,
          originPullDir: options.originPullCa === undefined ? undefined : originPullDir,
          pollSeconds: options.entrypoint.pollSeconds,
          reloadWaitSeconds: options.entrypoint.reloadWaitSeconds,
          nginx: NGINX,
        }),
      );
      launcher = ["/bin/sh", script];
    }
    const nginx = await NginxProcess.start(config, dir, health, launcher);
    cleanups.push(() => nginx.stop());
    return {
      options,
      dir,
      certificate,
      tlsDir,
      originPullDir,
      fleet,
      nginx,
      ports,
      hosts: options.tenants.flatMap((t) =>
        tenantHosts(t, domain).map((host) => ({ host, tenantId: t.id })),
      ),
      config,
      routesPath,
      render,
      renderFor,
      writeRoutes,
      async reloadRoutes(includeLater) {
        writeRoutes(render(includeLater));
        await nginx.reload();
      },
      upstreamHost,
      async bringUp(id) {
        await fleet.get(id).start();
      },
      async setApiKeys(keys) {
        const next = `${keyTablePath}.${++version}.tmp`;
        writeFileSync(next, renderApiKeyTable(keys));
        renameSync(next, keyTablePath);
        await nginx.reload();
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
