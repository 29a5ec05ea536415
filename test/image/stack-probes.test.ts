/**
 * Every stack file that builds an image must run an image that passes the probes the stack gives
 * it. For each stack with `image.context`, the entry point is rendered under mocks, then the
 * context's server is started as a process the way each tenant Deployment running the built
 * image would start it (the Dockerfile's ENV and CMD, the container's env, its port) and every
 * probe path is requested. Tenants come from the stack file, so adding one adds its checks.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runStack } from "../platform/support";
import { freePort, waitFor } from "../../testkit/edge/ports";
import { readStackFile, STACKS } from "../../testkit/stack-files";
import { localCommand, parseDockerfile } from "./dockerfile";
import { KUBERNETES } from "../../testkit/type-tokens";

const ROOT = path.resolve(__dirname, "../..");

interface ImageSettings {
  context?: string;
  dockerfile?: string;
}

const building = STACKS.flatMap((stack) => {
  const image = readStackFile(stack)["agent-cloud:image"] as ImageSettings | undefined;
  return image?.context === undefined ? [] : [{ stack, image }];
});

/** Stands in for PostgreSQL: readiness only needs the database's port to accept TCP. */
let database: Server;
let databasePort: number;
beforeAll(async () => {
  database = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => database.listen(0, "127.0.0.1", resolve));
  databasePort = (database.address() as { port: number }).port;
});
afterAll(() => database.close());

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

interface Probe {
  httpGet?: { path: string; port: string | number; scheme?: string };
}

it("at least one stack file builds an image (so the checks below run)", () => {
  expect(building.map((b) => b.stack)).toEqual(expect.arrayContaining(["local"]));
});

describe.each(building)("stack $stack", ({ stack, image }) => {
  it("runs the image it builds: every probe path of every tenant on it answers 2xx/3xx", async () => {
    const run = await runStack(stack);
    const imageRef = run.outputs.imageRef as string;
    const tenants = run.outputs.tenants as Record<string, { image: string }>;
    const onBuilt = Object.keys(tenants).filter((id) => tenants[id]?.image === imageRef);
    expect(onBuilt.length).toBeGreaterThan(0);

    const contextDir = path.resolve(ROOT, image.context as string);
    const dockerfile = path.resolve(
      ROOT,
      image.dockerfile ?? path.join(image.context!, "Dockerfile"),
    );
    const recipe = parseDockerfile(readFileSync(dockerfile, "utf8"));
    const [program, args] = localCommand(recipe, contextDir);
    const environment = readStackFile(stack)["agent-cloud:environment"] as string;

    const checked: string[] = [];
    for (const id of onBuilt) {
      const deployment = run.get(KUBERNETES.Deployment, `${environment}-tenant-${id}-deployment`);
      const container = deployment.inputs.spec.template.spec.containers[0] as {
        image: string;
        env: { name: string; value?: string }[];
        ports: { name: string; containerPort: number }[];
        startupProbe: Probe;
        livenessProbe: Probe;
        readinessProbe: Probe;
      };
      expect(container.image).toBe(imageRef);
      const env = Object.fromEntries(
        container.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]),
      );
      const probes = {
        startup: container.startupProbe,
        liveness: container.livenessProbe,
        readiness: container.readinessProbe,
      };

      const port = await freePort();
      const child: ChildProcess = spawn(program, args, {
        env: {
          PATH: process.env.PATH ?? "",
          ...recipe.env,
          ...env,
          // Loopback and a free port instead of 0.0.0.0:<containerPort>; the database URL comes
          // from the tenant Secret in the cluster.
          HOST: "127.0.0.1",
          PORT: String(port),
          DATABASE_URL: `postgres://probe:probe@127.0.0.1:${databasePort}/probe`,
        },
        stdio: ["ignore", "ignore", "inherit"],
      });
      try {
        await waitFor(
          `${stack}/${id}: the image's server on port ${port}`,
          () => accepts(port),
          10_000,
        );
        for (const [kind, probe] of Object.entries(probes)) {
          const get = probe.httpGet;
          expect(get, `${stack}/${id} ${kind} probe is an HTTP GET`).toBeDefined();
          const target = container.ports.find(
            (p) => p.name === get!.port || p.containerPort === get!.port,
          );
          // The probe calls the port the server was told to listen on.
          expect(String(target?.containerPort), `${stack}/${id} ${kind} probe port`).toBe(env.PORT);
          const res = await fetch(`http://127.0.0.1:${port}${get!.path}`);
          await res.arrayBuffer();
          expect(
            res.status >= 200 && res.status < 400,
            `${stack}/${id} ${kind} probe GET ${get!.path} answered ${res.status}`,
          ).toBe(true);
          checked.push(`${id} ${kind} ${get!.path}`);
        }
      } finally {
        child.kill("SIGKILL");
      }
    }
    expect(checked).toHaveLength(onBuilt.length * 3);
  });
});
