import { describe, expect, it } from "vitest";
import {
  isNodePort,
  NODE_PORT_RANGE,
  type ProxyServiceSettings,
  proxyServiceProblems,
} from "../../model/rules/proxy-service";

describe("isNodePort", () => {
  it.each([
    [30000, true],
    [32767, true],
    [30443, true],
    [29999, false],
    [32768, false],
    [80, false],
    [30080.5, false],
    [Number.NaN, false],
  ])("%s: %s", (port, expected) => {
    expect(isNodePort(port)).toBe(expected);
  });

  it("is Kubernetes' default range", () => {
    expect(NODE_PORT_RANGE).toEqual({ min: 30000, max: 32767 });
  });
});

describe("proxyServiceProblems", () => {
  const ports = { http: 30080, https: 30443 };
  it.each<
    [string, ProxyServiceSettings, string, { path: string; received: unknown; message: string }[]]
  >([
    ["node ports on NodePort", { serviceType: "NodePort", nodePorts: ports }, "", []],
    [
      "a LoadBalancer with source ranges",
      { serviceType: "LoadBalancer", sourceRanges: ["203.0.113.0/24"] },
      "",
      [],
    ],
    [
      "Local traffic on a NodePort",
      { serviceType: "NodePort", externalTrafficPolicy: "Local" },
      "",
      [],
    ],
    [
      "an empty source range list on ClusterIP",
      { serviceType: "ClusterIP", sourceRanges: [] },
      "",
      [],
    ],
    [
      "node ports on a LoadBalancer, in config terms",
      { serviceType: "LoadBalancer", nodePorts: ports },
      "proxy.",
      [
        {
          path: "proxy.nodePorts",
          received: ports,
          message: 'only applies when proxy.serviceType is "NodePort" (got "LoadBalancer")',
        },
      ],
    ],
    [
      "node ports out of range, in component terms",
      { serviceType: "NodePort", nodePorts: { http: 80, https: 40000 } },
      "",
      [
        {
          path: "nodePorts.http",
          received: 80,
          message: "must be in the node port range 30000-32767",
        },
        {
          path: "nodePorts.https",
          received: 40000,
          message: "must be in the node port range 30000-32767",
        },
      ],
    ],
    [
      "one node port for both http and https, in config terms",
      { serviceType: "NodePort", nodePorts: { http: 30443, https: 30443 } },
      "proxy.",
      [
        {
          path: "proxy.nodePorts.https",
          received: 30443,
          message:
            "is also proxy.nodePorts.http: a node port carries one Service port, and Kubernetes refuses the Service; give each its own",
        },
      ],
    ],
    [
      "source ranges and a traffic policy on ClusterIP",
      {
        serviceType: "ClusterIP",
        sourceRanges: ["203.0.113.0/24"],
        externalTrafficPolicy: "Cluster",
      },
      "proxy.",
      [
        {
          path: "proxy.sourceRanges",
          received: ["203.0.113.0/24"],
          message:
            'only applies when proxy.serviceType is "LoadBalancer" (got "ClusterIP"); restrict a NodePort with the nodes\' firewall',
        },
        {
          path: "proxy.externalTrafficPolicy",
          received: "Cluster",
          message: 'does not apply to proxy.serviceType "ClusterIP"; remove it',
        },
      ],
    ],
  ])("%s", (_, settings, prefix, expected) => {
    expect(proxyServiceProblems(settings, prefix)).toEqual(expected);
  });
});
