/**
 * The real KubernetesLogSource (@kubernetes/client-node) against a loopback HTTP server that
 * answers the two Kubernetes API calls it makes: list pods by label, and read a container's log.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubernetesLogSource } from "../../ops/kube-logs";

describe("KubernetesLogSource against a stand-in API server", () => {
  let server: Server;
  let dir: string;
  const requests: string[] = [];
  const previousKubeconfig = process.env.KUBECONFIG;

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      requests.push(req.url ?? "");
      const url = new URL(req.url ?? "/", "http://localhost");
      if (url.pathname === "/api/v1/namespaces/dev-tenant-acme/pods") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            kind: "PodList",
            apiVersion: "v1",
            metadata: {},
            items: [
              {
                metadata: { name: "sp-acme-b" },
                spec: { containers: [{ name: "sp-acme" }] },
                status: { phase: "Running" },
              },
              {
                metadata: { name: "sp-acme-a" },
                spec: {
                  initContainers: [{ name: "migrate" }],
                  containers: [{ name: "sp-acme" }, { name: "sidecar" }],
                },
                status: { phase: "Pending" },
              },
            ],
          }),
        );
        return;
      }
      if (url.pathname === "/api/v1/namespaces/dev-tenant-acme/pods/sp-acme-a/log") {
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("first line\nsecond ");
        setTimeout(() => res.end("line\n"), 20);
        return;
      }
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ kind: "Status", code: 404, message: "not found" }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    dir = await mkdtemp(path.join(os.tmpdir(), "ops-kube-"));
    const kubeconfig = path.join(dir, "config");
    await writeFile(
      kubeconfig,
      `apiVersion: v1
kind: Config
clusters:
  - name: test
    cluster: { server: "http://127.0.0.1:${(server.address() as AddressInfo).port}", insecure-skip-tls-verify: true }
users:
  - name: test
    user: { token: test-token }
contexts:
  - name: test
    context: { cluster: test, user: test }
current-context: test
`,
    );
    process.env.KUBECONFIG = kubeconfig;
  });

  afterAll(async () => {
    process.env.KUBECONFIG = previousKubeconfig;
    if (previousKubeconfig === undefined) delete process.env.KUBECONFIG;
    server.closeAllConnections();
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("lists the tenant's pods by label, sorted, with their app containers", async () => {
    const pods = await new KubernetesLogSource().listPods(
      "dev-tenant-acme",
      "app.kubernetes.io/name=sp-acme",
    );
    expect(pods).toEqual([
      { name: "sp-acme-a", containers: ["sp-acme", "sidecar"], phase: "Pending" },
      { name: "sp-acme-b", containers: ["sp-acme"], phase: "Running" },
    ]);
    const list = requests.find((r) => r.startsWith("/api/v1/namespaces/dev-tenant-acme/pods?"));
    expect(new URL(list!, "http://x").searchParams.get("labelSelector")).toBe(
      "app.kubernetes.io/name=sp-acme",
    );
  });

  it("streams a container's log until it ends, asking for follow and tail", async () => {
    const chunks: string[] = [];
    await new KubernetesLogSource().stream(
      "dev-tenant-acme",
      "sp-acme-a",
      "sp-acme",
      { follow: true, tailLines: 10 },
      (c) => chunks.push(c),
    );
    expect(chunks.join("")).toBe("first line\nsecond line\n");
    const log = requests.find((r) => r.includes("/sp-acme-a/log"));
    const params = new URL(log!, "http://x").searchParams;
    expect([params.get("container"), params.get("follow"), params.get("tailLines")]).toEqual([
      "sp-acme",
      "true",
      "10",
    ]);
  });

  it("fails for a pod the API does not know", async () => {
    await expect(
      new KubernetesLogSource().stream(
        "dev-tenant-acme",
        "gone",
        "sp-acme",
        { follow: false },
        () => undefined,
      ),
    ).rejects.toMatchObject({ code: 404 });
  });
});
