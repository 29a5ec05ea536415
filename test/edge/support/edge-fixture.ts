/**
 * The whole edge on loopback: a wildcard certificate, a DNS responder for the tenants' cluster
 * names, one fake server per tenant, and nginx running the config the proxy ships, with only the
 * resolver address, listen ports and file paths changed.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  proxyNginxConfigInput,
  type ProxyNginxSettings,
  routesFromTenants,
  tenantUpstreamHost,
} from "../../../components/edge/management-proxy";
import { renderNginxConfig } from "../../../components/edge/nginx-config";
import { renderApiKeyTable, type TenantKeys } from "../../../components/edge/nginx/auth";
import { DEFAULT_EDGE_LIMITS } from "../../../components/edge/nginx/limits";
import { makeWildcardCertificate, type TestCertificate } from "./certs";
import { startDns, type TestDns } from "./dns";
import { NginxProcess } from "./nginx";
import { freePorts } from "./ports";
import { startTenants, type TenantFleet } from "./tenants";

export interface EdgeTenant {
  readonly id: string;
  readonly customDomains?: readonly string[];
  /** Not in the first config (added later with a reload). */
  readonly later?: boolean;
  /** In the config, but its server and DNS name appear only when the test says so. */
  readonly deferred?: boolean;
  /** In the config, with no server and no DNS name at all. */
  readonly missing?: boolean;
  /**
   * Edge auth mode. Here it defaults to `app` (the edge checks no key) so routing suites need no
   * keys; the component's own default is `edge`, which the auth suite uses.
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
  /** Accepted keys per tenant, written as the key table the proxy mounts. @default none */
  readonly apiKeys?: readonly TenantKeys[];
  /** nginx worker connections, scaled down so a bounded flood can reach the ceiling. @default 4096 */
  readonly workerConnections?: number;
  /** PEM CA for origin pulls, written where the rendered config expects it (with `settings.originPull`). */
  readonly originPullCa?: string;
}

export interface Edge {
  readonly options: EdgeOptions;
  readonly dir: string;
  readonly certificate: TestCertificate;
  readonly dns: TestDns;
  readonly fleet: TenantFleet;
  readonly nginx: NginxProcess;
  readonly ports: { readonly http: number; readonly https: number; readonly health: number };
  /** Every host of every tenant in `options`, with its tenant id. */
  readonly hosts: readonly { readonly host: string; readonly tenantId: string }[];
  /** The config text for these tenants (all of them when `includeLater`). */
  render(includeLater: boolean): string;
  /** Cluster DNS name of a tenant's Service. */
  upstreamHost(tenantId: string): string;
  /** Starts a deferred tenant's server and publishes its DNS name. */
  bringUp(tenantId: string): Promise<void>;
  /** Rewrites the key table (as a Secret update would) and reloads nginx. */
  setApiKeys(keys: readonly TenantKeys[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Per-client limits high enough for the routing and reload suites, whose steady request streams
 * all come from 127.0.0.1; the limits suite sets its own (and checks the shipped defaults).
 */
export const ROUTING_SUITE_LIMITS = {
  ...DEFAULT_EDGE_LIMITS,
  connectionsPerClient: 10_000,
  requestsPerSecondPerClient: 100_000,
  requestBurstPerClient: 100_000,
};

export function tenantHosts(t: EdgeTenant, domain: string): string[] {
  return [`${t.id}.${domain}`, ...(t.customDomains ?? [])];
}

export async function startEdge(options: EdgeOptions): Promise<Edge> {
  const dir = mkdtempSync(join(tmpdir(), "edge-nginx-"));
  // nginx workers run as an unprivileged user when the tests run as root.
  chmodSync(dir, 0o755);
  const cleanups: (() => Promise<void> | void)[] = [
    () => rmSync(dir, { recursive: true, force: true }),
  ];
  const close = async () => {
    for (const c of cleanups.reverse()) await c();
  };
  try {
    const { environment, domain } = options;
    const certificate = makeWildcardCertificate(dir, domain);
    const served = options.tenants.filter((t) => !t.missing);
    const fleet = await startTenants(
      served.map((t) => t.id),
      { deferred: served.filter((t) => t.deferred).map((t) => t.id) },
    );
    cleanups.push(() => fleet.close());
    const upstreamHost = (id: string) =>
      tenantUpstreamHost(environment, id, options.settings?.clusterDomain ?? "cluster.local");
    const dns = await startDns(
      Object.fromEntries(
        served.filter((t) => !t.deferred).map((t) => [upstreamHost(t.id), fleet.get(t.id).ip]),
      ),
    );
    cleanups.push(() => dns.close());
    const [http, https, health] = (await freePorts(3)) as [number, number, number];
    const ports = { http, https, health };
    const keyTablePath = join(dir, "api-keys.map");
    writeFileSync(keyTablePath, renderApiKeyTable(options.apiKeys ?? []));
    const originPullCaPath = join(dir, "origin-pull-ca.crt");
    if (options.originPullCa !== undefined) writeFileSync(originPullCaPath, options.originPullCa);

    const render = (includeLater: boolean) => {
      const routes = routesFromTenants(
        options.tenants
          .filter((t) => includeLater || !t.later)
          .map((t) => ({ id: t.id, hosts: tenantHosts(t, domain) })),
        { environment, port: fleet.port, clusterDomain: options.settings?.clusterDomain },
      );
      const shipped = proxyNginxConfigInput({
        limits: ROUTING_SUITE_LIMITS,
        ...options.settings,
        environment,
        routes,
        tenantAuth: options.tenants
          .filter((t) => includeLater || !t.later)
          .map((t) => ({
            tenantId: t.id,
            mode: t.auth ?? "app",
            publicPaths: t.publicPaths ?? [],
          })),
      });
      return renderNginxConfig({
        ...shipped,
        workers: { ...shipped.workers, connections: options.workerConnections ?? 4096 },
        auth: { ...shipped.auth, keyTablePath },
        clientIdentity: {
          ...(shipped.clientIdentity ?? { realIpFrom: [] }),
          originPullCaPath:
            shipped.clientIdentity?.originPullCaPath === undefined ? undefined : originPullCaPath,
        },
        resolver: dns.address,
        listen: { ...ports, address: "127.0.0.1" },
        tls: { certificate: certificate.certificatePath, key: certificate.keyPath },
        paths: {
          pidFile: join(dir, "nginx.pid"),
          tempDir: dir,
          errorLog: join(dir, "error.log"),
          accessLog: join(dir, "access.log"),
        },
      });
    };

    const nginx = await NginxProcess.start(render(false), dir, health);
    cleanups.push(() => nginx.stop());
    return {
      options,
      dir,
      certificate,
      dns,
      fleet,
      nginx,
      ports,
      hosts: options.tenants.flatMap((t) =>
        tenantHosts(t, domain).map((host) => ({ host, tenantId: t.id })),
      ),
      render,
      upstreamHost,
      async bringUp(id) {
        await fleet.get(id).start();
        dns.set(upstreamHost(id), fleet.get(id).ip);
      },
      async setApiKeys(keys) {
        writeFileSync(keyTablePath, renderApiKeyTable(keys));
        await nginx.reload();
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
