import { describe, expect, it } from "vitest";
import { hostsFileLines } from "../../components/edge/hosts-file";

describe("hostsFileLines", () => {
  it.each<[string, string, string[], string[]]>([
    [
      "one line per host, sorted",
      "127.0.0.1",
      ["globex.agents.localhost", "acme.agents.localhost"],
      ["127.0.0.1 acme.agents.localhost", "127.0.0.1 globex.agents.localhost"],
    ],
    [
      "duplicates collapse, including case and trailing-dot variants",
      "127.0.0.1",
      [
        "acme.agents.localhost",
        "ACME.agents.localhost",
        "acme.agents.localhost.",
        " acme.agents.localhost ",
      ],
      ["127.0.0.1 acme.agents.localhost"],
    ],
    [
      "custom domains sit beside tenant hosts",
      "192.168.49.2",
      ["acme.agents.localhost", "agents.acme.test"],
      ["192.168.49.2 acme.agents.localhost", "192.168.49.2 agents.acme.test"],
    ],
    ["an IPv6 address", "::1", ["acme.agents.localhost"], ["::1 acme.agents.localhost"]],
    ["no hosts, no lines", "127.0.0.1", [], []],
  ])("%s", (_case, address, hosts, expected) => {
    expect(hostsFileLines(address, hosts)).toEqual(expected);
  });

  it("gives the same lines whatever order the hosts come in", () => {
    const hosts = ["c.agents.localhost", "a.agents.localhost", "b.agents.localhost"];
    expect(hostsFileLines("127.0.0.1", [...hosts].reverse())).toEqual(
      hostsFileLines("127.0.0.1", hosts),
    );
  });

  it.each<[string, string, string[], string]>([
    [
      "a host name as the address",
      "localhost",
      ["acme.agents.localhost"],
      `hostsFileLines: address "localhost" must be an IP address such as 127.0.0.1; a hosts file cannot map a name to a name`,
    ],
    [
      "an address with a port",
      "127.0.0.1:8443",
      ["acme.agents.localhost"],
      `hostsFileLines: address "127.0.0.1:8443" must be an IP address such as 127.0.0.1; a hosts file cannot map a name to a name`,
    ],
    [
      "an empty address",
      "",
      ["acme.agents.localhost"],
      `hostsFileLines: address "" must be an IP address such as 127.0.0.1; a hosts file cannot map a name to a name`,
    ],
    [
      "a wildcard host",
      "127.0.0.1",
      ["acme.agents.localhost", "*.agents.localhost"],
      `hostsFileLines: hosts[1] "*.agents.localhost": a hosts file cannot hold wildcards; list each tenant host instead`,
    ],
    [
      "a host that is not a DNS name",
      "127.0.0.1",
      ["acme agents.localhost"],
      `hostsFileLines: hosts[0] "acme agents.localhost": must be a DNS name such as acme.agents.localhost`,
    ],
    [
      "an empty host",
      "127.0.0.1",
      [""],
      `hostsFileLines: hosts[0] "": must be a DNS name such as acme.agents.localhost`,
    ],
  ])("refuses %s", (_case, address, hosts, message) => {
    expect(() => hostsFileLines(address, hosts)).toThrow(message);
  });
});
