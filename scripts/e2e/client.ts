/** Requests through the edge as a client would: TLS with SNI and Host set to the tenant's name. */
import { request } from "node:https";

export interface EdgeAnswer {
  readonly status: number;
  readonly body: string;
  readonly error?: string;
}

export function edgeGet(
  address: { host: string; port: number },
  hostname: string,
  path: string,
  options: { ca: string; authorization?: string; verifyName: boolean; timeoutMs?: number },
): Promise<EdgeAnswer> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { host: hostname };
    if (options.authorization !== undefined) headers.authorization = options.authorization;
    const req = request(
      {
        host: address.host,
        port: address.port,
        path,
        method: "GET",
        servername: hostname,
        ca: options.ca,
        headers,
        agent: false,
        timeout: options.timeoutMs ?? 10_000,
        ...(options.verifyName ? {} : { checkServerIdentity: () => undefined }),
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (e) => resolve({ status: 0, body: "", error: e.message }));
    req.end();
  });
}
