/**
 * kube-proxy's part, on loopback: each rendered Service gets an address of its own and listens on
 * its ports, forwarding each connection to a ready pod (round robin) on the target port, as a
 * ClusterIP (or the LoadBalancer in front of one) would. With no ready pod the connection is
 * refused at once, as kube-proxy rejects traffic for a Service without endpoints.
 */
import { connect, createServer, type Server, type Socket } from "node:net";
import { containerPort, type K8sObject } from "./objects";
import type { Pod } from "./pods";
import type { Prober } from "./probes";

export interface Endpoint {
  readonly pod: Pod;
  readonly prober: Prober;
  readonly container: K8sObject;
}

export class ServiceProxy {
  private servers: Server[] = [];
  private sockets = new Set<Socket>();
  private next = 0;

  constructor(
    readonly service: K8sObject,
    readonly ip: string,
    readonly endpoints: () => readonly Endpoint[],
  ) {}

  get name(): string {
    return `${this.service.metadata.namespace}/${this.service.metadata.name}`;
  }

  async start(): Promise<void> {
    for (const port of this.service.spec?.ports ?? []) {
      const server = createServer((client) => {
        const ready = this.endpoints().filter((e) => e.prober.ready && !e.pod.exited);
        const target = ready[this.next++ % Math.max(ready.length, 1)];
        if (target === undefined) {
          client.resetAndDestroy();
          return;
        }
        const upstream = connect({
          host: target.pod.o.ip,
          port: containerPort(target.container, port.targetPort ?? port.port),
        });
        for (const s of [client, upstream]) {
          this.sockets.add(s);
          s.once("close", () => this.sockets.delete(s));
          s.on("error", () => undefined);
        }
        client.pipe(upstream).pipe(client);
        upstream.once("error", () => client.resetAndDestroy());
        client.once("close", () => upstream.destroy());
        upstream.once("close", () => client.destroy());
      });
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(Number(port.port), this.ip, () => resolve());
      });
      this.servers.push(server);
    }
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.servers = [];
  }
}
