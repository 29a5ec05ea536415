import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { validateAllKubernetes, validateKubernetesObject } from "../../testkit/kubernetes";
import { isSecretInput, MOCK_LOAD_BALANCER_IP, runProgram, valueOf } from "../../testkit/mocks";
import { KUBERNETES, PULUMI } from "../../testkit/type-tokens";

class Holder extends pulumi.ComponentResource {
  constructor(name: string) {
    super("agent-cloud:test:Holder", name, {}, {});
    new k8s.core.v1.Secret(
      `${name}-secret`,
      { stringData: { TOKEN: pulumi.secret("s3cret") } },
      { parent: this, protect: true },
    );
    this.registerOutputs({});
  }
}

describe("mock harness", () => {
  it("records type, name, parent, options and unwrapped secret inputs", async () => {
    const run = await runProgram(() => new Holder("h"));
    const secret = run.get(KUBERNETES.Secret, "h-secret");
    expect(secret.parent).toBe("urn:pulumi:test::agent-cloud::agent-cloud:test:Holder::h");
    expect(secret.protect).toBe(true);
    expect(secret.inputs.stringData).toEqual({ TOKEN: "s3cret" });
    // The SDK marks the whole map secret once one value in it is.
    expect(secret.secretPaths).toEqual(["stringData"]);
    expect(isSecretInput(secret, "stringData.TOKEN")).toBe(true);
    expect(isSecretInput(secret, "metadata")).toBe(false);
    expect(secret.inputs.kind).toBe("Secret");
  });

  it("gives LoadBalancer Services an address and throws on unknown invokes", async () => {
    const run = await runProgram(() => {
      const svc = new k8s.core.v1.Service("lb", {
        spec: { type: "LoadBalancer", ports: [{ port: 80 }] },
      });
      return svc.status.loadBalancer.ingress[0]!.ip;
    });
    await expect(valueOf(run.result)).resolves.toBe(MOCK_LOAD_BALANCER_IP);
    await expect(
      runProgram(() => {
        pulumi.runtime.invoke("kubernetes:helm:template", {}).catch(() => undefined);
      }),
    ).rejects.toThrow(/unexpected invoke kubernetes:helm:template/);
  });

  it("validates Kubernetes objects against the OpenAPI schema", async () => {
    const run = await runProgram(() => {
      new k8s.core.v1.ConfigMap("ok", { data: { a: "b" } });
      new k8s.apps.v1.Deployment("bad", {
        spec: { selector: {}, template: { spec: { containers: [{ image: "x" } as never] } } },
      });
    });
    await expect(validateKubernetesObject(run.get(KUBERNETES.ConfigMap, "ok"))).resolves.toBe(true);
    await expect(validateAllKubernetes(run.resources)).rejects.toThrow(
      /Deployment bad fails its schema: .*name/,
    );
  });

  it("records the engine's URN with every ancestor's type", async () => {
    const run = await runProgram(() => new Holder("h"));
    expect(run.get(KUBERNETES.Secret, "h-secret").engineUrn).toBe(
      "urn:pulumi:test::agent-cloud::agent-cloud:test:Holder$kubernetes:core/v1:Secret::h-secret",
    );
    expect(run.get("agent-cloud:test:Holder", "h").engineUrn).toBe(
      "urn:pulumi:test::agent-cloud::agent-cloud:test:Holder::h",
    );
  });

  it("answers stack references with the given outputs, secret ones as secrets", async () => {
    const run = await runProgram(
      async () => {
        const ref = new pulumi.StackReference("platform", { name: "organization/p/production" });
        return {
          plain: await ref.getOutputDetails("imageRef"),
          secret: await ref.getOutputDetails("token"),
          missing: await ref.getOutputDetails("nothing"),
        };
      },
      {
        stackReferences: {
          "organization/p/production": {
            outputs: { imageRef: "r@sha256:1", token: "t0k3n" },
            secretOutputNames: ["token"],
          },
        },
      },
    );
    expect(run.result).toEqual({
      plain: { value: "r@sha256:1" },
      secret: { secretValue: "t0k3n" },
      missing: { value: undefined },
    });
    const ref = run.get(PULUMI.StackReference, "platform");
    expect(ref.inputs.name).toBe("organization/p/production");
    expect(ref.engineUrn).toBe(
      "urn:pulumi:test::agent-cloud::pulumi:pulumi:StackReference::platform",
    );
  });

  it("fails a run that references a stack it was not given", async () => {
    await expect(
      runProgram(() => {
        new pulumi.StackReference("x", { name: "organization/p/unknown" })
          .getOutputDetails("a")
          .catch(() => undefined);
      }),
    ).rejects.toThrow(/stack reference to organization\/p\/unknown, which the run does not know/);
  });

  it("answers the run's own stack as never deployed unless given", async () => {
    const run = await runProgram(
      async () => {
        const self = new pulumi.StackReference("self", { name: "acme-org/agent-cloud/dev" });
        return (await self.getOutputDetails("environment")).value;
      },
      { stack: "dev", organization: "acme-org" },
    );
    expect(run.result).toBeUndefined();
    expect(run.get(PULUMI.StackReference, "self").inputs).toEqual({
      name: "acme-org/agent-cloud/dev",
    });
  });

  it("waits for the program's exports, as the engine does, and fails the run with the first that failed", async () => {
    // A resource registered only once an export's promise has run is still recorded.
    const later = await runProgram(() => ({
      secret: pulumi.output(
        Promise.resolve().then(() => new k8s.core.v1.Secret("late", {}).metadata.name),
      ),
    }));
    expect(later.ofType(KUBERNETES.Secret).map((r) => r.name)).toEqual(["late"]);
    await expect(
      runProgram(() => ({
        fine: pulumi.output("ok"),
        failed: pulumi.output(Promise.reject(new Error("the export failed"))),
      })),
    ).rejects.toThrow("the export failed");
  });
});
