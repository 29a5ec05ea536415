/**
 * A tiny authoritative DNS responder on loopback (dns2, UDP) that answers each tenant Service
 * name with the loopback address of the local server standing in for that tenant, so the
 * proxy's `resolver` and cluster-DNS names work unchanged in a test.
 */
import dns2 from "dns2";

const { Packet } = dns2;

export interface TestDns {
  /** `127.0.0.1:<port>`, for the nginx `resolver` directive. */
  readonly address: string;
  /** Names asked for, in order (lowercase). */
  readonly queries: string[];
  set(name: string, ip: string): void;
  delete(name: string): void;
  close(): Promise<void>;
}

/** Starts the responder with `records` (name → IPv4); unknown names get NXDOMAIN. */
export async function startDns(records: Record<string, string>): Promise<TestDns> {
  const table = new Map(Object.entries(records).map(([k, v]) => [k.toLowerCase(), v]));
  const queries: string[] = [];
  const server = dns2.createUDPServer({ type: "udp4" });
  server.on("request", (request, send) => {
    const response = Packet.createResponseFromRequest(request);
    const question = request.questions[0];
    const name = question?.name.toLowerCase() ?? "";
    queries.push(name);
    const ip = table.get(name);
    if (ip === undefined) {
      response.header.rcode = Packet.RCODE.NXDOMAIN;
    } else if (question?.type === Packet.TYPE.A) {
      const answer = {
        name: question.name,
        type: Packet.TYPE.A,
        class: Packet.CLASS.IN,
        ttl: 5,
        address: ip,
      };
      response.answers.push(answer as unknown as (typeof response.answers)[number]);
    }
    void send(response).catch(() => undefined);
  });
  await server.listen(0, "127.0.0.1");
  const { port } = server.address();
  return {
    address: `127.0.0.1:${port}`,
    queries,
    set: (name, ip) => void table.set(name.toLowerCase(), ip),
    delete: (name) => void table.delete(name.toLowerCase()),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
