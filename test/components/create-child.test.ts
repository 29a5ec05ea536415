import type * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { createChild } from "../../components/create-child";
import type { Transform } from "../../components/transform";

interface ServiceArgs {
  type: string;
  ports: number[];
}

/** A resource class that records what it was constructed with. */
class Recorded {
  constructor(
    readonly name: string,
    readonly args: ServiceArgs,
    readonly opts: pulumi.CustomResourceOptions,
  ) {}
}

/** Stands in for the component: createChild only passes it on as `parent`. */
const parent = { marker: "parent" } as unknown as pulumi.Resource;

describe("createChild", () => {
  it.each<[string, Transform<ServiceArgs> | undefined, ServiceArgs]>([
    ["no transform: the component's own args", undefined, { type: "ClusterIP", ports: [80] }],
    [
      "partial args merged over the component's own",
      { type: "LoadBalancer" },
      { type: "LoadBalancer", ports: [80] },
    ],
    [
      "a function editing the args in place",
      (args) => void args.ports.push(443),
      { type: "ClusterIP", ports: [80, 443] },
    ],
  ])("%s, constructed under the parent with its own name", (_name, transform, expected) => {
    const child = createChild(
      parent,
      Recorded,
      "dev-proxy-service",
      { type: "ClusterIP", ports: [80] },
      transform,
      { protect: true },
    );
    expect(child).toBeInstanceOf(Recorded);
    expect(child.name).toBe("dev-proxy-service");
    expect(child.args).toEqual(expected);
    expect(child.opts).toEqual({ protect: true, parent });
  });

  it("lets a function transform set options, tells it the name, and keeps the parent", () => {
    const seen: string[] = [];
    const child = createChild<ServiceArgs, Recorded>(
      parent,
      Recorded,
      "dev-proxy-service",
      { type: "ClusterIP", ports: [80] },
      (_args, opts, name) => {
        seen.push(name);
        opts.ignoreChanges = ["metadata.annotations"];
      },
    );
    expect(seen).toEqual(["dev-proxy-service"]);
    expect(child.opts).toEqual({ parent, ignoreChanges: ["metadata.annotations"] });
  });
});
