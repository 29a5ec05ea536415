/**
 * Cluster DNS on loopback (dns2, UDP): answers each Service's `{name}.{namespace}.svc.{domain}`
 * with the address standing for it. It listens on port 53 of an address of the run, so pods can
 * name it in their own /etc/resolv.conf (as the kubelet writes one pointing at kube-dns) and
 * getaddrinfo resolves cluster names too, not only nginx's `resolver`.
 */
import dns2 from "dns2";

const { Packet } = dns2;

export interface ClusterDns {
  /** `ip:53`, for nginx's `resolver`. */
  readonly address: string;
  readonly ip: string;
  set(name: string, ip: string): void;
  close(): Promise<void>;
}

export async function startClusterDns(ip: string): Promise<ClusterDns> {
  const table = new Map<string, string>();
  const server = dns2.createUDPServer({ type: "udp4" });
  server.on("request", (request, send) => {
    const response = Packet.createResponseFromRequest(request);
    const question = request.questions[0];
    const answer = table.get(question?.name.toLowerCase() ?? "");
    if (answer === undefined) {
      response.header.rcode = Packet.RCODE.NXDOMAIN;
    } else if (question?.type === Packet.TYPE.A) {
      const record = {
        name: question.name,
        type: Packet.TYPE.A,
        class: Packet.CLASS.IN,
        ttl: 5,
        address: answer,
      };
      response.answers.push(record as unknown as (typeof response.answers)[number]);
    }
    void send(response).catch(() => undefined);
  });
  await server.listen(53, ip);
  return {
    address: `${ip}:53`,
    ip,
    set: (name, address) => void table.set(name.toLowerCase(), address),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The /etc/resolv.conf the kubelet writes for a pod (ClusterFirst DNS policy). */
export function podResolvConf(dnsIp: string, namespace: string, clusterDomain: string): string {
  return [
    `nameserver ${dnsIp}`,
    `search ${namespace}.svc.${clusterDomain} svc.${clusterDomain} ${clusterDomain}`,
    "options ndots:5",
    "",
  ].join("\n");
}
