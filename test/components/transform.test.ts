import { describe, expect, it } from "vitest";
import { applyTransform } from "../../components/transform";

interface ServiceArgs {
  type: string;
  ports: number[];
  annotations?: Record<string, string>;
}

const base = (): ServiceArgs => ({ type: "ClusterIP", ports: [80] });

describe("applyTransform", () => {
  it("returns the component's own args and options when there is no transform", () => {
    const args = base();
    const opts = { protect: true };
    const [a, o] = applyTransform(undefined, "dev-proxy-service", args, opts);
    expect(a).toBe(args);
    expect(o).toBe(opts);
  });

  it("merges partial args over the component's own (shallow)", () => {
    const [a, o] = applyTransform<ServiceArgs>(
      { type: "LoadBalancer", annotations: { team: "edge" } },
      "dev-proxy-service",
      base(),
      {},
    );
    expect(a).toEqual({ type: "LoadBalancer", ports: [80], annotations: { team: "edge" } });
    expect(o).toEqual({});
  });

  it("lets a function edit args and options in place, and tells it the child's name", () => {
    const seen: string[] = [];
    const [a, o] = applyTransform<ServiceArgs>(
      (args, opts, name) => {
        seen.push(name);
        args.ports.push(443);
        opts.ignoreChanges = ["metadata.annotations"];
      },
      "dev-proxy-service",
      base(),
      {},
    );
    expect(seen).toEqual(["dev-proxy-service"]);
    expect(a).toEqual({ type: "ClusterIP", ports: [80, 443] });
    expect(o).toEqual({ ignoreChanges: ["metadata.annotations"] });
  });
});
