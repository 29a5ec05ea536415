/**
 * `npm run local:up` checks every prerequisite before it starts anything and lists every missing
 * one at once. Run for real (bash) against stand-in tools on a private PATH.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = join(__dirname, "..", "..");
const bin = mkdtempSync(join(tmpdir(), "local-up-"));
afterAll(() => rmSync(bin, { recursive: true, force: true }));

function tool(name: string, script: string): void {
  writeFileSync(join(bin, name), `#!/bin/sh\n${script}\n`);
  chmodSync(join(bin, name), 0o755);
}

function localUp(env: Record<string, string> = {}) {
  // The stand-ins first; the system folders only for sh, sed, sort, head and printf.
  return spawnSync("bash", [join(ROOT, "scripts", "local-up.sh")], {
    encoding: "utf8",
    env: { PATH: `${bin}:/usr/bin:/bin`, HOME: bin, ...env },
  });
}

/** Stand-ins under which local-up.sh runs to the end; `clusters` is what `kind get clusters` lists. */
function toolsThatSucceed(clusters: string): void {
  rmSync(join(bin, "pulumi-calls"), { force: true });
  tool("docker", "exit 0");
  tool(
    "kind",
    `case "$1" in version) echo "kind v0.29.0 go1.24 linux/amd64";; get) [ "$2" = clusters ] && echo "${clusters}";; esac; exit 0`,
  );
  tool("kubectl", "cat >/dev/null; exit 0");
  tool(
    "pulumi",
    [
      'echo "$@" >> "$HOME/pulumi-calls"',
      'case "$1 $2" in',
      '  "version "*) echo "v3.190.0";;',
      '  "stack ls") printf "NAME    LAST UPDATE  RESOURCE COUNT\\nlocal*  1 day ago    40\\nlocal-x  n/a  0\\n";;',
      "esac",
      "exit 0",
    ].join("\n"),
  );
}

describe("local:up prerequisites", () => {
  it("lists every problem at once and starts nothing", () => {
    tool("docker", 'echo "$@" >> "$HOME/docker-calls"; [ "$1" = info ] && exit 1; exit 0');
    tool("kind", 'echo "kind v0.20.0 go1.20.4 linux/amd64"');
    tool("pulumi", 'echo "v3.100.0"');
    tool("kubectl", "exit 0");
    const run = localUp();
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      [
        "local-up: cannot start; fix these first (README.md, Prerequisites):",
        "  - the Docker daemon is not reachable ('docker info' fails): start Docker, and check this user may use it without sudo",
        "  - kind 0.20.0 is too old: need >= 0.29.0 (kindnet NetworkPolicy, probes under deny-all, the pinned node image)",
        "  - pulumi 3.100.0 is too old: need >= 3.190.0",
        "",
      ].join("\n"),
    );
    // Only the daemon check ran: no registry, builder or cluster was touched.
    expect(readFileSync(join(bin, "docker-calls"), "utf8")).toBe("info\n");
  });

  it.each([
    [
      "a new cluster starts over the local stack's state a deleted one left",
      "",
      [
        "stack ls",
        "stack rm --force --preserve-config --yes local",
        "stack select --create local",
        "up --yes --stack local",
        "stack output hostsFileLines --stack local",
      ],
    ],
    [
      "a running cluster keeps the state it matches",
      "agent-cloud",
      [
        "stack select --create local",
        "up --yes --stack local",
        "stack output hostsFileLines --stack local",
      ],
    ],
  ])("%s", (_, clusters, calls) => {
    toolsThatSucceed(clusters);
    const run = localUp();
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const recorded = readFileSync(join(bin, "pulumi-calls"), "utf8").split("\n").slice(0, -1);
    expect(recorded.filter((c) => c !== "version")).toEqual(calls);
  });

  const OWN = [
    'export PULUMI_BACKEND_URL="file:///tmp/state"',
    "# and export PULUMI_CONFIG_PASSPHRASE: yours is not printed",
  ];
  it.each([
    [
      "the default passphrase is printed as it is",
      {},
      [
        'export PULUMI_BACKEND_URL="file:///tmp/state" PULUMI_CONFIG_PASSPHRASE="agent-cloud-local"',
      ],
    ],
    [
      "an operator's own passphrase is not printed",
      { PULUMI_CONFIG_PASSPHRASE: "s3cret-operator-passphrase" },
      OWN,
    ],
    ["an empty passphrase is not printed either", { PULUMI_CONFIG_PASSPHRASE: "" }, OWN],
  ])("%s in the closing lines, which a shell runs", (_, env: Record<string, string>, lines) => {
    toolsThatSucceed("agent-cloud");
    const run = localUp({ ...env, PULUMI_BACKEND_URL: "file:///tmp/state" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout.split("\n").slice(-3 - lines.length)).toEqual([
      "--- done. npm run ops -- ... finds this backend by itself; for plain pulumi, in this shell:",
      ...lines,
      "--- tear down with: npm run local:down",
      "",
    ]);
    expect(run.stdout).not.toContain("s3cret");
    // Pasted into a shell, the lines export the backend (and the default passphrase).
    const pasted = spawnSync("sh", ["-c", `${lines.join("\n")}\necho "$PULUMI_BACKEND_URL"`], {
      encoding: "utf8",
    });
    expect([pasted.status, pasted.stdout]).toEqual([0, "file:///tmp/state\n"]);
  });

  it("pins a kind node image with Kubernetes >= 1.30 (the preStop sleep action)", () => {
    const cluster = readFileSync(join(ROOT, "deploy", "kind", "cluster.yaml"), "utf8");
    const image = /image: kindest\/node:v1\.(\d+)\.\d+@sha256:[a-f0-9]{64}/.exec(cluster);
    expect(image).not.toBeNull();
    expect(Number(image?.[1])).toBeGreaterThanOrEqual(30);
  });
});
