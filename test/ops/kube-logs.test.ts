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
import { logs } from "../../ops/commands/logs";
import { KubernetesLogSource } from "../../ops/adapters/kube-logs";
import { testContext } from "../../testkit/ops/fakes";
import { devStack } from "./support/fixtures";
import { MemoryEngine } from "../../testkit/ops/memory-engine";

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

/** Writes a kubeconfig pointing at `server` and sets KUBECONFIG; returns a restore function. */
async function pointKubeconfigAt(server: Server): Promise<() => Promise<void>> {
  const previous = process.env.KUBECONFIG;
  const dir = await mkdtemp(path.join(os.tmpdir(), "ops-kube-"));
  const file = path.join(dir, "config");
  const port = (server.address() as AddressInfo).port;
  await writeFile(
    file,
    `apiVersion: v1
kind: Config
clusters: [{ name: t, cluster: { server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true } }]
users: [{ name: t, user: { token: t } }]
contexts: [{ name: t, context: { cluster: t, user: t } }]
current-context: t
`,
  );
  process.env.KUBECONFIG = file;
  return async () => {
    if (previous === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = previous;
    await rm(dir, { recursive: true, force: true });
  };
}

const until = async (what: string, check: () => boolean) => {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
};

describe("logs -f following a rollout through the real client and a stand-in API server", () => {
  const pod = (name: string, phase: string) => ({
    metadata: { name },
    spec: { containers: [{ name: "app" }] },
    status: { phase },
  });

  it("streams the old pod, picks up the new one when it runs, stops reading the old one when it leaves", async () => {
    const watches: string[] = [];
    const openLogs = new Set<string>();
    const closedLogs: string[] = [];
    let sendDeleteOld: (() => void) | undefined;
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      const base = "/api/v1/namespaces/dev-tenant-acme/pods";
      if (url.pathname === base && url.searchParams.get("watch") === "true") {
        watches.push(url.searchParams.get("labelSelector") ?? "");
        res.writeHead(200, { "content-type": "application/json" });
        const send = (type: string, object: unknown) =>
          res.write(`${JSON.stringify({ type, object })}\n`);
        send("ADDED", pod("sp-acme-old", "Running"));
        setTimeout(() => send("ADDED", pod("sp-acme-new", "Pending")), 50);
        setTimeout(() => send("MODIFIED", pod("sp-acme-new", "Running")), 120);
        sendDeleteOld = () => send("DELETED", pod("sp-acme-old", "Running"));
        return;
      }
      if (url.pathname === base) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            kind: "PodList",
            apiVersion: "v1",
            metadata: {},
            items: [pod("sp-acme-old", "Running")],
          }),
        );
        return;
      }
      const log = /^\/api\/v1\/namespaces\/dev-tenant-acme\/pods\/([^/]+)\/log$/.exec(url.pathname);
      if (log !== null) {
        const name = log[1]!;
        openLogs.add(name);
        res.on("close", () => {
          openLogs.delete(name);
          closedLogs.push(name);
        });
        res.writeHead(200, { "content-type": "text/plain" });
        res.write(name === "sp-acme-old" ? "old serving\n" : "new \u001b[32mready\u001b[0m\n");
        if (name === "sp-acme-new") setTimeout(() => sendDeleteOld?.(), 50);
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const restore = await pointKubeconfigAt(server);
    try {
      const ctx = {
        ...testContext(new MemoryEngine({ dev: devStack() })),
        logs: new KubernetesLogSource(50),
      };
      const stop = new AbortController();
      const running = logs(ctx, {
        stack: "dev",
        tenant: "acme",
        follow: true,
        signal: stop.signal,
      });
      await until("the old pod to leave", () => ctx.stderr.lines.includes("--- sp-acme-old left"));
      await until("the old pod's log to close", () => closedLogs.includes("sp-acme-old"));
      expect(openLogs).toEqual(new Set(["sp-acme-new"]));
      stop.abort();
      expect(await running).toBe(0);
      expect(ctx.stdout.lines).toEqual([
        "sp-acme-old/app | old serving",
        "sp-acme-new/app | new ready",
      ]);
      expect(ctx.stderr.lines).toEqual([
        "--- following sp-acme-old/app",
        "--- following sp-acme-new/app",
        "--- sp-acme-old left",
      ]);
      expect(watches).toEqual(["app.kubernetes.io/name=sp-acme"]);
      await until("every log stream to close", () => openLogs.size === 0);
    } finally {
      server.closeAllConnections();
      server.close();
      await restore();
    }
  });
});
